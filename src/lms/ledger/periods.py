"""Closing an accounting period: once the lender's accounts for a period are final, no journal
entry may be posted on or before its last day.

Every entry is posted on the business date, and a period can be closed only through a day
before it, so day-to-day work never meets a closed period; an event dated inside a closed
period (a payment found late, a reversal) posts on the business date, its value date kept.
Work that posts history with past dates (a book migrated in bulk) is refused up front.

Guarantees: a period closes only forward (never reopened by a later close) and only through a
day before the business date; each close is kept with its actor; the database refuses any
entry posted into a closed period, whatever the path (a trigger, migration 0044).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from lms.ledger.models import AccountingPeriod
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError


def closed_through(uow: UnitOfWork) -> date | None:
    """The last day of the closed periods (None: none closed)."""
    query = select(AccountingPeriod.closed_through).order_by(AccountingPeriod.id.desc()).limit(1)
    return uow.session.scalar(query)


def close_period(uow: UnitOfWork, *, through: date, today: date, actor: str) -> AccountingPeriod:
    """Close the accounts through `through` (a day before the business date `today`)."""
    if through >= today:
        raise InvalidError([("through", f"must be before the business date {today}")])
    current = closed_through(uow)
    if current is not None and through <= current:
        raise ConflictError(f"the accounts are closed through {current} already")
    row = AccountingPeriod(closed_through=through, closed_by=actor, created_at=datetime.now(UTC))
    uow.session.add(row)
    uow.session.flush()
    return row


def check_open(uow: UnitOfWork, posting_date: date) -> None:
    """Refuse work that would post on `posting_date` inside a closed period."""
    current = closed_through(uow)
    if current is not None and posting_date <= current:
        raise ConflictError(
            f"posting on {posting_date} falls in a closed accounting period"
            f" (closed through {current})"
        )
