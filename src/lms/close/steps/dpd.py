"""Step: days past due at the day-end, from each loan's oldest unpaid due date (stored with
every event, net of unapplied funds): DPD = day - that date + 1 once it has come, else 0.

Set-based: one UPDATE per partition, with the day difference in the database's own date
arithmetic, writing only the loans whose DPD changes (those overdue, and those that stop or
start being). Guarantee: the same day always gives the same DPD (idempotent).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal, update
from sqlalchemy.sql.elements import ColumnElement

from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan

NAME = "dpd"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    dialect = uow.session.get_bind().dialect.name
    overdue = Loan.oldest_unpaid_due.is_not(None) & (Loan.oldest_unpaid_due <= day)
    dpd = case((overdue, _days(dialect, day, Loan.oldest_unpaid_due) + 1), else_=0)
    result = uow.session.execute(  # only the rows whose DPD changes are written
        update(Loan)
        .where(
            Loan.id.between(low, high), Loan.status != "approved", Loan.dpd.is_distinct_from(dpd)
        )
        .values(dpd=dpd)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _days(dialect: str, day: date, since: Any) -> ColumnElement[int]:
    """Whole days from `since` to `day` in SQL."""
    if dialect == "sqlite":
        return cast(func.julianday(literal(day.isoformat())) - func.julianday(since), Integer)
    return cast(literal(day) - since, Integer)
