"""Step: penal charges, levied on the last day of each month for the month's overdue days.

RBI (April 2024): a penalty for default is a charge on the overdue amount, never interest
added to the rate, never compounded, never on charges. The product's rule is a percent a year:
for each day of the month the loan's overdue principal and interest at the day-end (from the
daily snapshots) earns rate / 365 of it; the month's sum is rounded once to the paisa (so no
sub-paisa residue is lost day by day) and levied with its GST as one penal charge, owed from the
month end and paid first by the usual waterfall.

Set-based: one query sums the partition's month of snapshots; the charges are written as
events and journal entries in a few statements (loans holding unapplied funds are replayed one
by one, since the funds pay the charge at once). Guarantee: one charge per loan and month (the
event's reference `penal:YYYY-MM` is unique per loan).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update

from lms.batch.failures import per_loan
from lms.batch.models import LoanSnapshot
from lms.core.accrual import penal_charge
from lms.db import UnitOfWork
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.loans.models import Loan, LoanEvent, Product
from lms.loans.repayments import resettle
from lms.loans.service import locked_loan

NAME = "penal"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if (day + timedelta(days=1)).month == day.month:
        return 0  # only at a month end
    overdue = func.sum(LoanSnapshot.principal_due + LoanSnapshot.interest_due)
    rows = uow.session.execute(
        select(
            LoanSnapshot.loan_id,
            overdue,
            Product.penal_rate,
            Product.penal_tax,
            Loan.excess,
            Loan.last_event_on,
        )
        .join(Loan, Loan.id == LoanSnapshot.loan_id)
        .join(Product, Product.id == Loan.product_id)
        .where(
            LoanSnapshot.loan_id.between(low, high),
            LoanSnapshot.day.between(day.replace(day=1), day),
            Loan.status == "active",
            Product.penal_rate.is_not(None),
        )
        .group_by(
            LoanSnapshot.loan_id,
            Product.penal_rate,
            Product.penal_tax,
            Loan.excess,
            Loan.last_event_on,
        )
    ).all()
    charges = []
    for loan_id, days_overdue, rate, tax_rate, excess, last in rows:
        amount, tax = penal_charge(
            Decimal(days_overdue), rate or Decimal(0), tax_rate or Decimal(0)
        )
        if amount > 0:  # money held, or received that day, pays the charge at once: replay
            replay_it = excess > 0 or (last is not None and last >= day)
            charges.append((loan_id, amount, tax, replay_it))
    _levy(uow, day, charges)
    return len(charges)


def _levy(uow: UnitOfWork, day: date, charges: list[tuple[int, Decimal, Decimal, bool]]) -> None:
    if not charges:
        return
    now, reference = datetime.now(UTC), f"penal:{day:%Y-%m}"
    uow.session.execute(
        insert(LoanEvent.metadata.tables["loan_events"]),
        [
            {
                "loan_id": loan_id,
                "kind": "penal",
                "value_date": day,
                "amount": amount,
                "tax": tax,
                "reference": reference,
                "created_at": now,
            }
            for loan_id, amount, tax, _ in charges
        ],
    )
    plain = [rules.penal_charge(str(k), day, a, t) for k, a, t, held in charges if not held]
    post_entries(uow, plain, posting_date=day)
    # the charge is the loan's latest event: its stored state (installments untouched) is its
    # state on the day, and the ledger check reads the charge from there
    uow.session.execute(
        update(Loan)
        .where(Loan.id.in_([k for k, _, _, held in charges if not held]), Loan.last_event_on < day)
        .values(last_event_on=day)
        .execution_options(synchronize_session=False)
    )
    for loan_id, _, _, held in charges:
        if held:  # its unapplied funds (or that day's payments) pay the charge: replay it
            with per_loan(uow, day, NAME, loan_id):
                resettle(uow, locked_loan(uow, loan_id), day=day, posting_date=day)
