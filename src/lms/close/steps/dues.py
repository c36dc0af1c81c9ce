"""Step: raise the interest of installments falling due (up to today, for loans whose dues
were last raised before): each becomes receivable and is recognised as income, one entry per
loan and due date by the same rule and split as the servicing layer (lms.ledger.postings),
keyed by its due date so that a backdated event can restate it.

Set-based: one query finds the partition's dues, the entries and their lines are written in
two statements, and the loans' `interest_posted_through` in one. Guarantee: a due date is
raised once (the loan's `interest_posted_through` moves past it in the same transaction); on
an NPA it is held in suspense, not income; the accrual the close booked for the running
installment (lms.close.steps.accrue, kept on the loan) leaves the accrued account with its
first due instead of being recognised twice, and the loan's booked accrual becomes zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import update_rows
from lms.servicing.models import Loan, LoanInstallment

NAME = "dues"
KEY = "loan"

_LOANS = Loan.metadata.tables["loans"]


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    entries, latest = [], {}
    for loan_id, due, interest, cls, accrued in _dues(uow, day, low, high):
        first = loan_id not in latest  # the loan's first due raised takes its booked accrual
        latest[loan_id] = due
        if interest:  # the same rule and split as servicing (lms.ledger.postings._dues)
            taken = Decimal(accrued or 0) if first else Decimal(0)
            npa = cls == "NPA"
            entries.append(
                rules.interest_due(str(loan_id), due, Decimal(interest), npa=npa, accrued=taken)
            )
    post_entries(uow, entries, posting_date=day)
    raised = [
        {"id": k, "interest_posted_through": v, "accrued_interest": Decimal(0)}
        for k, v in latest.items()
    ]
    update_rows(uow, _LOANS, ("id",), raised)
    return len(latest)


def _dues(uow: UnitOfWork, day: date, low: int, high: int) -> list[tuple[Any, ...]]:
    """(loan, due date, interest, class, accrual booked) of every installment of the partition
    due by `day` and not yet raised, by loan and due date."""
    loan_columns = (Loan.asset_class, Loan.accrued_interest)
    found = uow.session.execute(
        select(
            LoanInstallment.loan_id,
            LoanInstallment.due_date,
            func.sum(LoanInstallment.interest),
            *loan_columns,
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
