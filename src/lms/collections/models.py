"""Tables of collections: a case per borrower behind on their loans, its history, promises to
pay and the outcomes agents log.

Guarantees: one open case per borrower (a partial unique index where the database has them,
and the close opens a case only for a borrower without one); a case's history and outcomes
are appended, never edited; nothing is deleted (a cured case is closed, kept).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, Money


class CollectionCase(Base):
    """A borrower behind on one or more loans, from the day the first enters a bucket to the
    day none is overdue (cured)."""

    __tablename__ = "collection_cases"
    __table_args__ = (
        Index(
            "ix_collection_cases_open",
            "customer_id",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    branch_code: Mapped[str] = mapped_column(String(16), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    bucket: Mapped[int] = mapped_column(Integer)  # index into the buckets (LMS_COLLECTION_BUCKETS)
    # the day it entered its bucket (the strategies' steps count their days from it)
    bucket_since: Mapped[date | None] = mapped_column(Date)
    worst_bucket: Mapped[int] = mapped_column(Integer)
    dpd: Mapped[int] = mapped_column(Integer)  # the borrower's worst, at the last close
    overdue: Mapped[Decimal] = mapped_column(Money)  # over all their loans, at the last close
    agent: Mapped[str | None] = mapped_column(String(80), index=True)  # the user it is with
    broken_promises: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))  # cured, settled, written_off
    # the PIN code of the borrower's first address with one, when the case opened: the area
    # agents are given by (lms.collections.allocation); shown unmasked, as the masking does
    pin_code: Mapped[str | None] = mapped_column(String(6))
    risk_band: Mapped[str | None] = mapped_column(String(1))  # the worst of the borrower's loans


class CaseEvent(Base):
    """Something that happened to a case: opened, escalated, eased, allocated, promise kept,
    partly kept or broken, cured."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str | None] = mapped_column(String(80))  # None: the close
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Promise(Base):
    """A borrower's promise to pay `amount` by `promised_for`, judged by the close that day:
    kept (paid in full since it was made), partly kept, or broken."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    promised_for: Mapped[date] = mapped_column(Date, index=True)
    made_on: Mapped[date] = mapped_column(Date)
    made_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), index=True)  # open, kept, partly_kept, broken
    paid: Mapped[Decimal | None] = mapped_column(Money)  # what came in by the date
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Outcome(Base):
    """What an agent's call or visit came to: a disposition, a note, where it happened."""

    __tablename__ = "case_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # call, visit
    disposition: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[str | None] = mapped_column(String(16))  # decimal degrees, as given
    longitude: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Strategy(Base):
    """One step of a collections strategy: in bucket `bucket`, on day `day` after a case came
    into it, do `action` (a message of event `event` on every channel, a call, a field visit,
    a legal notice); for one product's loans, or any. Changed by adding steps and retiring
    others (`active`), never by editing one."""

    __tablename__ = "collection_strategies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[int] = mapped_column(Integer)  # index into the buckets
    product_code: Mapped[str | None] = mapped_column(String(32))  # None: every product
    day: Mapped[int] = mapped_column(Integer)  # days after the case came into the bucket
    action: Mapped[str] = mapped_column(String(16))  # message, call, visit, legal_notice
    event: Mapped[str | None] = mapped_column(String(40))  # a message's template
    min_band: Mapped[str | None] = mapped_column(String(1))  # only cases of this risk band or worse
    active: Mapped[bool] = mapped_column(Boolean)
    made_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseTask(Base):
    """Work a strategy set for a case: a call, a field visit or a legal notice, due on a day,
    done (by whom) or still open."""

    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    strategy_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # call, visit, legal_notice
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open, done
    done_by: Mapped[str | None] = mapped_column(String(80))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Settlement(Base):
    """A one-time settlement agreed with a borrower: `amount` paid by the instalments of `plan`
    ([{"due_on", "amount"}]) from `agreed_on`, and the rest of the loan waived when it is all
    paid (completed); a plan instalment left unpaid past the grace days breaks it."""

    __tablename__ = "settlements"
    __table_args__ = (
        Index(
            "ix_settlements_open",
            "loan_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    owed: Mapped[Decimal] = mapped_column(Money)  # what the loan owed when it was agreed
    agreed_on: Mapped[date] = mapped_column(Date)
    # open, completed, broken, superseded (the loan repaid in full or foreclosed meanwhile)
    status: Mapped[str] = mapped_column(String(10), index=True)
    after_event: Mapped[int] = mapped_column(Integer)  # the loan's last event when agreed
    asked_by: Mapped[str] = mapped_column(String(80))
    approved_by: Mapped[str] = mapped_column(String(80))
    closed_on: Mapped[date | None] = mapped_column(Date)
    paid: Mapped[Decimal] = mapped_column(Money)  # received towards it, as of the last close
    waived: Mapped[Decimal | None] = mapped_column(Money)  # on completion: what the books waived


class AgentTerritory(Base):
    """A PIN code an agent covers: an agent with any takes only cases in them (field visits
    are by area); one with none takes any case of their branches."""

    __tablename__ = "agent_territories"
    __table_args__ = (UniqueConstraint("username", "pin_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    pin_code: Mapped[str] = mapped_column(String(6))


class AgentTeam(Base):
    """The team an agent works in, and for an agent of a recovery agency the agency's name
    (None: in-house staff)."""

    __tablename__ = "agent_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    team: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str | None] = mapped_column(String(120))
