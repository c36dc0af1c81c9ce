"""Step: unapplied funds pay installments falling due today (loans holding excess only).

These are the few loans whose stored state changes without an event; each is replayed to the
day through the servicing layer (`resettle`), which raises its dues, moves the excess and
posts the ledger. Guarantee: a loan that fails is recorded and skipped; the others complete.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import exists, select

from lms.batch.failures import per_loan
from lms.db import UnitOfWork
from lms.loans.models import Loan, LoanInstallment
from lms.loans.repayments import resettle
from lms.loans.service import locked_loan

NAME = "excess"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    due_today = exists().where(LoanInstallment.loan_id == Loan.id, LoanInstallment.due_date == day)
    ids = uow.session.scalars(
        select(Loan.id)
        .where(
            Loan.id.between(low, high), Loan.status == "active", Loan.excess > Decimal(0), due_today
        )
        .order_by(Loan.id)
    ).all()
    for loan_id in ids:
        with per_loan(uow, day, NAME, loan_id):
            resettle(uow, locked_loan(uow, loan_id), day=day, posting_date=day)
    return len(ids)
