"""Tables of the daily close: the lender's business date, the steps done per date and
partition (what makes the close idempotent and resumable), per-loan failures, and the daily
portfolio snapshot.

Guarantees: a step's partition is marked done in the same transaction as its work, so a close
killed at any moment resumes where it stopped and never does a partition twice; a snapshot is
written once per loan and day; failures are kept (parking marks them, never deletes them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, Money


class CloseStep(Base):
    """One step of one date's close done for one partition (a range of ids)."""

    __tablename__ = "close_steps"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    step: Mapped[str] = mapped_column(String(32), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)  # ids per partition (a resume must use the same)
    loans: Mapped[int] = mapped_column(Integer)  # how many loans the step worked on
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CloseFailure(Base):
    """A loan a step could not handle; it blocks the date until parked."""

    __tablename__ = "close_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    step: Mapped[str] = mapped_column(String(32))
    loan_id: Mapped[int] = mapped_column(Integer, index=True)
    error: Mapped[str] = mapped_column(Text)
    parked_by: Mapped[str | None] = mapped_column(String(64))
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoanSnapshot(Base):
    """A loan at the day-end of `day`, for reporting (outstanding, DPD, class)."""

    __tablename__ = "loan_snapshots"
    __table_args__ = (
        # the loan list by asset class (lms.close.portfolio): a day's loans not standard, in
        # id order; written once with the row, never updated (migration 0017)
        Index(
            "ix_loan_snapshots_day_asset_class_loan_id",
            "day",
            "asset_class",
            "loan_id",
            postgresql_where=text("asset_class <> 'STD'"),
            sqlite_where=text("asset_class <> 'STD'"),
        ),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    loan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    principal_due: Mapped[Decimal] = mapped_column(Money)
    interest_due: Mapped[Decimal] = mapped_column(Money)
    excess: Mapped[Decimal] = mapped_column(Money)
    dpd: Mapped[int] = mapped_column(Integer)
    asset_class: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))
    npa_since: Mapped[date | None] = mapped_column(Date)
    provision: Mapped[Decimal | None] = mapped_column(Money)  # required, at month ends


class ReportSchedule(Base):
    """A report sent by e-mail after each close of a date it falls due on (lms.close.schedules):
    daily, weekly on a weekday, or monthly on a day of the month."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report: Mapped[str] = mapped_column(String(32))  # a name of lms.close.reports.NAMES
    format: Mapped[str] = mapped_column(String(4))  # csv, xlsx, pdf
    recipients: Mapped[str] = mapped_column(Text)  # e-mail addresses, comma separated
    frequency: Mapped[str] = mapped_column(String(8))  # daily, weekly, monthly
    # weekly: the weekday (0 Monday ... 6 Sunday); monthly: the day (1-28, or 31: the last)
    day: Mapped[int] = mapped_column(Integer)
    branch: Mapped[str | None] = mapped_column(String(16))  # one branch, or every one
    branches: Mapped[list[str] | None] = mapped_column(JSON)  # the owner's (None: every branch)
    owner: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sent_for: Mapped[date | None] = mapped_column(Date)  # the closed date last sent for
    last_error: Mapped[str | None] = mapped_column(Text)  # of the last try, if it failed


class ThinnedMonth(Base):
    """A month whose daily snapshots were thinned to its last day (lms.close.retention): the
    other days' figures are no longer kept, and are refused rather than shown empty."""

    __tablename__ = "thinned_snapshot_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    kept_day: Mapped[date] = mapped_column(Date)  # the day whose snapshots stay
    removed: Mapped[int] = mapped_column(Integer)  # snapshots removed (other days')
    thinned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(80))
