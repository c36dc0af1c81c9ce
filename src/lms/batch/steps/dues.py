"""Step: raise the interest of installments falling due (up to today, for loans whose dues
were last raised before): each becomes receivable and is recognised as income, one entry per
loan and due date, exactly as the servicing layer raises them when a payment comes first.

Set-based: one query finds the partition's dues, the entries and their lines are written in
two statements, and the loans' `interest_posted_through` in one. Guarantee: a due date is
raised once (the loan's `interest_posted_through` moves past it in the same transaction); on
an NPA it is held in suspense, not income; what of it had accrued (lms.batch.steps.accrue)
leaves the accrued account instead of being recognised twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.core.accrual import accrued_for
from lms.db import UnitOfWork
from lms.db.bulk import update_rows
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.loans.models import Loan, LoanInstallment

NAME = "dues"
KEY = "loan"

_LOANS = Loan.metadata.tables["loans"]
_EARLIER = LoanInstallment.metadata.tables["loan_installments"].alias("earlier")


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    dues = _dues(uow, day, low, high)
    entries = [
        rules.interest_due(
            str(loan_id),
            due,
            Decimal(interest),
            npa=cls == "NPA",
            accrued=accrued_for(Decimal(interest), start, due, through),
        )
        for loan_id, due, interest, cls, start, through in dues
        if interest
    ]
    post_entries(uow, entries, posting_date=day)
    latest: dict[int, date] = {}
    for loan_id, due, *_ in dues:
        latest[loan_id] = max(due, latest.get(loan_id, due))
    raised = [{"id": k, "interest_posted_through": v} for k, v in latest.items()]
    update_rows(uow, _LOANS, ("id",), raised)
    return len(latest)


def _dues(uow: UnitOfWork, day: date, low: int, high: int) -> list[tuple[Any, ...]]:
    """(loan, due date, interest, class, period start, accrued through) of every installment
    of the partition due by `day` and not yet raised."""
    previous = (
        select(func.max(_EARLIER.c.due_date))
        .where(_EARLIER.c.loan_id == LoanInstallment.loan_id)
        .where(_EARLIER.c.due_date < LoanInstallment.due_date)
        .scalar_subquery()
    )
    loan_columns = (Loan.asset_class, Loan.disbursed_on, Loan.interest_from, Loan.accrued_through)
    found = uow.session.execute(
        select(
            LoanInstallment.loan_id,
            LoanInstallment.due_date,
            func.sum(LoanInstallment.interest),
            Loan.asset_class,
            func.coalesce(previous, Loan.interest_from, Loan.disbursed_on),
            Loan.accrued_through,
        )
        .join(Loan, Loan.id == LoanInstallment.loan_id)
        .where(  # each loan's installments after its last raised due, by the (loan, due
            Loan.id.between(low, high),  # date) index: the range is given for both tables so
            LoanInstallment.loan_id.between(low, high),  # the database reads only the partition
            Loan.status == "active",
            LoanInstallment.due_date <= day,
            LoanInstallment.due_date
            > func.coalesce(Loan.interest_posted_through, Loan.disbursed_on),
        )
        .group_by(LoanInstallment.loan_id, LoanInstallment.due_date, *loan_columns)
        .order_by(LoanInstallment.loan_id, LoanInstallment.due_date)
    ).all()
    return [tuple(row) for row in found]
