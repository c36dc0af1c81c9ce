"""Per-loan failures of the daily close: recorded, never lost, blocking the date until parked.

Guarantee: `per_loan` runs a loan's work in a savepoint; if it raises, the loan's changes are
undone, the error is recorded (loan, step, message) and the close goes on with the others; when
the loan goes well on a later run, its open failures of that step are marked resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import select

from lms.close.models import CloseFailure
from lms.platform.db import UnitOfWork


@contextmanager
def per_loan(uow: UnitOfWork, day: date, step: str, loan_id: int) -> Iterator[None]:
    savepoint = uow.session.begin_nested()
    try:
        yield
    except Exception as exc:
        savepoint.rollback()
        uow.session.add(
            CloseFailure(
                day=day,
                step=step,
                loan_id=loan_id,
                error=f"{type(exc).__name__}: {exc}",
                created_at=datetime.now(UTC),
            )
        )
        uow.session.flush()
        return
    savepoint.commit()
    for failure in open_failures(uow, day, step, (loan_id, loan_id)):  # fixed: it went well
        failure.parked_by, failure.parked_at = "resolved", datetime.now(UTC)


def open_failures(
    uow: UnitOfWork, day: date, step: str | None = None, loans: tuple[int, int] | None = None
) -> list[CloseFailure]:
    """Failures of `day` (of one step, of loans in a range) neither parked nor resolved: they
    keep the date from advancing."""
    query = select(CloseFailure).where(CloseFailure.day == day, CloseFailure.parked_by.is_(None))
    if step is not None:
        query = query.where(CloseFailure.step == step)
    if loans is not None:
        query = query.where(CloseFailure.loan_id.between(*loans))
    return list(uow.session.scalars(query.order_by(CloseFailure.id)))


def park(uow: UnitOfWork, *, day: date, loan_id: int, by: str) -> int:
    """Park `day`'s open failures of loan `loan_id` (a user with the right to decides the close
    may go on without it); returns how many were parked."""
    found = [f for f in open_failures(uow, day) if f.loan_id == loan_id]
    for failure in found:
        failure.parked_by, failure.parked_at = by, datetime.now(UTC)
    uow.session.flush()
    return len(found)
