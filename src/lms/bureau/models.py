"""Tables of credit bureau reporting: each data file written for the credit information
companies, the errors a bureau's rejection report sends back (queued until corrected), and the
intimations that tell a borrower before a default is first reported.

Guarantees: nothing is deleted; a correction is closed by marking it, with the day and the
actor; a loan's default spell (the oldest unpaid due date it began with) is intimated once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base


class BureauReport(Base):
    """A data file written for the bureaus: as of which day, for which bureau member."""

    __tablename__ = "bureau_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    bureau: Mapped[str] = mapped_column(String(16))  # CIBIL, EXPERIAN, EQUIFAX, CRIF
    member_id: Mapped[str] = mapped_column(String(14))
    # consumer, microfinance or commercial (None: a consumer file written before the others)
    kind: Mapped[str | None] = mapped_column(String(16))
    accounts: Mapped[int] = mapped_column(Integer)  # account records in the file
    left_out: Mapped[int] = mapped_column(Integer)  # loans not in it (each with its reasons)
    sha256: Mapped[str] = mapped_column(String(64))  # of the file's bytes
    actor: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BureauCorrection(Base):
    """An error a bureau reported on a record of a file: open until staff correct the data
    (the next file then carries the record again)."""

    __tablename__ = "bureau_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bureau: Mapped[str] = mapped_column(String(16))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    account_number: Mapped[str] = mapped_column(String(40))  # as the file reported it
    segment: Mapped[str] = mapped_column(String(4))  # PN, ID, PT, EC, PA, TL
    field: Mapped[str | None] = mapped_column(String(4))  # the field tag, when the bureau says
    code: Mapped[str] = mapped_column(String(16))  # the bureau's error code
    message: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open, corrected
    corrected_on: Mapped[date | None] = mapped_column(Date)
    corrected_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BureauIntimation(Base):
    """The borrower told that a default will be reported: once per default spell (the oldest
    unpaid due date the spell began with), before the first file that reports it."""

    __tablename__ = "bureau_intimations"
    __table_args__ = (UniqueConstraint("loan_id", "overdue_since"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    overdue_since: Mapped[date] = mapped_column(Date)
    told_on: Mapped[date] = mapped_column(Date)  # the business date the notice was queued
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
