"""Step: unapplied funds pay installments falling due (loans holding excess only), a
capitalising moratorium adds a deferred installment's unpaid interest to the principal, and
an installment of a loan with interest on the actual balance takes what late or early money
changed of its interest (loans that owed principal, held money or had an event in its
period only: for the others nothing changes): on today's due dates, or any since the loan's
last event (a payment booked after its value date leaves its state there).

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
from lms.servicing.models import Loan, LoanInstallment, Product
from lms.servicing.repayments import resettle
from lms.servicing.service import locked_loan

NAME = "excess"
KEY = "loan"
RETRY = True  # a partition with failed loans is run again (the others are no-ops then)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    # the loan's installments, the partition's range named too: only its table partition is read
    in_range = (LoanInstallment.loan_id == Loan.id, LoanInstallment.loan_id.between(low, high))
    due_today = exists().where(  # today, or since its last event (a backdated payment's excess)
        *in_range,
        LoanInstallment.due_date <= day,
        LoanInstallment.due_date > Loan.last_event_on,
    )
    deferred_due = exists().where(  # a deferred installment (no principal) left unpaid
        *in_range,
        LoanInstallment.due_date <= day,
        LoanInstallment.due_date > Loan.last_event_on,
        LoanInstallment.principal == Decimal(0),
        LoanInstallment.interest > LoanInstallment.interest_paid,
    )
    held = (Loan.excess > Decimal(0)) & due_today
    recalculated = Loan.product_id.in_(
        select(Product.id).where(Product.settings["interest_on_actual_balance"].as_boolean())
    )
    owed_before = exists().where(  # principal unpaid of an installment due before today
        *in_range,
        LoanInstallment.due_date < day,
        LoanInstallment.principal_paid < LoanInstallment.principal,
    )
    settled_before = exists().where(  # its state stands on an earlier due date: no event since
        *in_range,
        LoanInstallment.due_date >= Loan.last_event_on,
        LoanInstallment.due_date < day,
    )
    # a loan in a moratorium (its deferred installments: a capitalising one's interest) only
    relieved = Loan.relief_until.is_not(None) & (Loan.relief_until > Loan.last_event_on)
    ids = uow.session.scalars(
        select(Loan.id)
        .where(
            Loan.id.between(low, high),
            Loan.status == "active",
            or_(
                held,
                relieved & deferred_due,
                recalculated & due_today & (owed_before | ~settled_before),
            ),
        )
        .order_by(Loan.id)
    ).all()
    for loan_id in ids:
        with per_loan(uow, day, NAME, loan_id):
            resettle(uow, locked_loan(uow, loan_id), day=day, posting_date=day)
    return len(ids)
