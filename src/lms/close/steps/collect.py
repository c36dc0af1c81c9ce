"""Step: collection cases (lms.collections.cases) from the day's snapshots, per borrower:
opened, escalated, eased or cured; promises due today judged; promises due the day after
tomorrow reminded; then the strategies' steps due for each open case (messages, tasks).
After the snapshot step (it reads the day's DPD and overdue).

Guarantee: a borrower's standing is their worst DPD and their total overdue over their active
loans at the day-end, as the snapshots have them; messages name their most overdue loan.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.close.models import LoanSnapshot
from lms.collections.cases import Standing, review
from lms.collections.models import CollectionCase
from lms.collections.strategies import evaluate
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan

NAME = "collect"
KEY = "customer"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    found = standings(uow, day, low, high)
    touched = review(uow, day, low, high, found)
    open_cases = uow.session.scalars(
        select(CollectionCase).where(
            CollectionCase.customer_id.between(low, high), CollectionCase.closed_on.is_(None)
        )
    )
    return touched + evaluate(uow, day, list(open_cases), found)


def standings(uow: UnitOfWork, day: date, low: int, high: int) -> dict[int, Standing]:
    s = LoanSnapshot
    overdue = s.principal_due + s.interest_due
    rows = uow.session.execute(
        select(Loan.customer_id, Loan.branch_code, Loan.id, s.dpd, overdue)
        .join(Loan, Loan.id == s.loan_id)
        .where(s.day == day, s.status == "active", Loan.customer_id.between(low, high), s.dpd > 0)
        .order_by(Loan.customer_id, overdue.desc(), Loan.id)
    ).all()
    found: dict[int, Standing] = {}
    for customer_id, branch, loan_id, dpd, owed in rows:
        was = found.get(customer_id)
        if was is None:
            found[customer_id] = Standing(customer_id, branch, dpd, owed, loan_id)
        else:
            found[customer_id] = Standing(customer_id, was.branch_code, max(was.dpd, dpd),
                                          was.overdue + owed, was.loan_id)  # fmt: skip
    return found
