"""Step: unapplied funds pay installments falling due (loans holding excess only), and a
capitalising moratorium adds a deferred installment's unpaid interest to the principal: on
today's due dates, or any since the loan's last event (a payment booked after its value date
leaves its state there).

These are the few loans whose stored state changes without an event; each is replayed to the
day through the servicing layer (`resettle`), which raises its dues, moves the excess or the
interest capitalised and posts the ledger. Guarantee: a loan that fails is recorded and
skipped; the others complete.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import exists, or_, select

from lms.close.failures import per_loan
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.repayments import resettle
from lms.servicing.service import locked_loan

NAME = "excess"
KEY = "loan"
RETRY = True  # a partition with failed loans is run again (the others are no-ops then)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    due_today = exists().where(  # today, or since its last event (a backdated payment's excess)
        LoanInstallment.loan_id == Loan.id,
        LoanInstallment.due_date <= day,
        LoanInstallment.due_date > Loan.last_event_on,
    )
    deferred_due = exists().where(  # a deferred installment (no principal) left unpaid
        LoanInstallment.loan_id == Loan.id,
        LoanInstallment.due_date <= day,
        LoanInstallment.due_date > Loan.last_event_on,
        LoanInstallment.principal == Decimal(0),
        LoanInstallment.interest > LoanInstallment.interest_paid,
    )
    held = (Loan.excess > Decimal(0)) & due_today
    # a loan in a moratorium (its deferred installments: a capitalising one's interest) only
    relieved = Loan.relief_until.is_not(None) & (Loan.relief_until > Loan.last_event_on)
    ids = uow.session.scalars(
        select(Loan.id)
        .where(
            Loan.id.between(low, high),
            Loan.status == "active",
            or_(held, relieved & deferred_due),
        )
        .order_by(Loan.id)
    ).all()
    for loan_id in ids:
        with per_loan(uow, day, NAME, loan_id):
            resettle(uow, locked_loan(uow, loan_id), day=day, posting_date=day)
    return len(ids)
