"""Step: small balances forgiven or refunded. A loan whose every installment has fallen due
and which still owes something, but no more than its product's `small_balance` (a rounding
shortfall, a few rupees of a charge), has the rest forgiven so it closes: a small-balance
waiver (an event of the replay: what is unpaid of the installments to the write-off expense by
its posting rule, each charge by a waiver), on the day it first qualifies. A closed loan
holding unapplied funds of no more than the threshold (an overpaid last EMI) has them refunded
to the borrower (a refund, by its posting rule); more than that waits for staff to refund.

Not for an NPA (its interest is held in suspense: a remainder there is for collections or a
settlement). Candidates come from the stored installments in one query; each is replayed
(its charges count) and, if it qualifies, settled through the servicing layer. Guarantee: a
loan that fails is recorded and skipped; the others complete.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from lms.close.failures import per_loan
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment, Product
from lms.servicing.repayments import book_event, refund_excess
from lms.servicing.service import locked_loan, replayed

NAME = "small_balances"
KEY = "loan"
RETRY = True


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if uow.session.scalar(select(Product.id).where(Product.small_balance.is_not(None))) is None:
        return 0  # no product forgives small balances: nothing to read
    unpaid = func.sum(
        LoanInstallment.principal + LoanInstallment.interest
        - LoanInstallment.principal_paid - LoanInstallment.interest_paid
    )  # fmt: skip
    candidates = uow.session.execute(
        select(Loan.id, Product.small_balance)
        .join(Product, Product.id == Loan.product_id)
        .join(LoanInstallment, LoanInstallment.loan_id == Loan.id)
        .where(
            Loan.id.between(low, high), Loan.status == "active",
            Product.small_balance.is_not(None),
            or_(Loan.asset_class.is_(None), Loan.asset_class != "NPA"),
        )
        .group_by(Loan.id, Product.small_balance)
        .having(func.max(LoanInstallment.due_date) <= day, unpaid <= Product.small_balance)
    ).all()  # fmt: skip
    done = 0
    for loan_id, limit in candidates:
        with per_loan(uow, day, NAME, loan_id):
            done += _forgive(uow, loan_id, limit or Decimal(0), day)
    overpaid = uow.session.scalars(
        select(Loan.id)
        .join(Product, Product.id == Loan.product_id)
        .where(
            Loan.id.between(low, high), Loan.status == "closed", Loan.written_off_on.is_(None),
            Loan.excess > Decimal(0), Loan.excess <= Product.small_balance,
        )
        .order_by(Loan.id)
    ).all()  # fmt: skip
    for loan_id in overpaid:
        with per_loan(uow, day, NAME, loan_id):
            loan = locked_loan(uow, loan_id)
            refund_excess(uow, loan_id=loan_id, amount=loan.excess, value_date=day,
                          reference=f"small-excess:{day.isoformat()}", posting_date=day)  # fmt: skip
            done += 1
    return done


def _forgive(uow: UnitOfWork, loan_id: int, limit: Decimal, day: date) -> int:
    loan = locked_loan(uow, loan_id)
    state = replayed(uow, loan, max(day, loan.last_event_on or day))
    owed = state.principal_due + state.interest_due + state.charges_due
    if not Decimal(0) < owed <= limit:
        return 0
    book_event(uow, loan, kind="small_balance", value_date=day, posting_date=day,
               reference=f"small-balance:{day.isoformat()}")  # fmt: skip
    return 1
