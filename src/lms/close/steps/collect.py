"""Step: collection cases (lms.collections.cases) from the day's snapshots, per borrower:
opened, escalated, eased or cured; promises due today judged; promises due the day after
tomorrow reminded; then the strategies' steps due for each open case (messages, tasks).
After the snapshot step (it reads the day's DPD and overdue).

Guarantee: a borrower's standing is their worst DPD and their total overdue over their active
loans at the day-end, as the snapshots have them, and over their loans written off in the books
only (the claim kept), as their schedules have them; messages name their most overdue loan.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, true

from lms.close.models import LoanSnapshot
from lms.collections.cases import Standing, refresh_bands, review
from lms.collections.strategies import evaluate
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import read_rows
from lms.servicing.models import Loan, LoanInstallment

NAME = "collect"
KEY = "customer"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    found = standings(uow, day, low, high)
    refresh_bands(uow, low, high)
    touched = review(uow, day, low, high, found)
    return touched + evaluate(uow, day, low, high, found)


def standings(uow: UnitOfWork, day: date, low: int, high: int) -> dict[int, Standing]:
    rows: list[Any] = list(read_rows(uow, _day_ends(uow, day, low, high)))
    rows += _claims_kept(uow, day, low, high)
    rows.sort(key=lambda r: (r[0], -r[4], r[2]))  # by borrower, most overdue first
    found: dict[int, Standing] = {}
    for customer_id, branch, loan_id, dpd, owed in rows:
        was = found.get(customer_id)
        if was is None:
            found[customer_id] = Standing(customer_id, branch, dpd, owed, loan_id)
        else:
            found[customer_id] = Standing(customer_id, was.branch_code, max(was.dpd, dpd),
                                          was.overdue + owed, was.loan_id)  # fmt: skip
    return found


def _day_ends(uow: UnitOfWork, day: date, low: int, high: int) -> Any:
    """(borrower, branch, loan, DPD, overdue) of the borrowers' active loans overdue at the
    day-end, from the day's snapshots."""
    s = LoanSnapshot
    day_end = select(s.dpd, (s.principal_due + s.interest_due).label("owed")).where(
        s.day == day, s.status == "active", s.dpd > 0
    )
    loans = select(Loan.customer_id, Loan.branch_code, Loan.id).where(
        Loan.customer_id.between(low, high),
        Loan.status == "active",  # not a loan settled or written off since the snapshot
        Loan.dpd > 0,  # as the snapshot has it (written from the row): only those looked up
    )
    if uow.session.get_bind().dialect.name != "postgresql":
        joined = day_end.add_columns(s.loan_id).subquery()
        return loans.add_columns(joined.c.dpd, joined.c.owed).join(
            joined, joined.c.loan_id == Loan.id
        )
    # each loan's snapshot read by its key: the day's snapshots are new, so the planner has
    # no figures for them and would otherwise read all of the day's for every partition
    found = day_end.where(s.loan_id == Loan.id).offset(0).lateral()
    return loans.add_columns(found.c.dpd, found.c.owed).join(found, true())


def _claims_kept(uow: UnitOfWork, day: date, low: int, high: int) -> list[Any]:
    """Loans written off in the books only (technical): the borrower still owes them, so they
    stay in collections with their DPD and overdue on `day` as their schedule has them."""
    i = LoanInstallment
    unpaid = func.sum(i.principal + i.interest - i.principal_paid - i.interest_paid)
    rows = uow.session.execute(
        select(Loan.customer_id, Loan.branch_code, Loan.id, Loan.oldest_unpaid_due, unpaid)
        .join(i, i.loan_id == Loan.id)
        .where(Loan.status == "written_off", Loan.write_off_kind == "technical",
               Loan.customer_id.between(low, high), Loan.oldest_unpaid_due <= day,
               i.due_date <= day)
        .group_by(Loan.customer_id, Loan.branch_code, Loan.id, Loan.oldest_unpaid_due)
    ).all()  # fmt: skip
    return [(c, b, loan, (day - oldest).days + 1, owed) for c, b, loan, oldest, owed in rows
            if oldest is not None]  # fmt: skip
