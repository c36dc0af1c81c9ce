"""Step: penal charges, levied on the last day of each month for the month's overdue days.

RBI (April 2024): a penalty for default is a charge on the overdue amount, never interest
added to the rate, never compounded, never on charges. The product's rule is a percent a year:
for each day of the month the loan's overdue principal and interest at the day-end (from the
daily snapshots) earns rate / 365 of it; the month's sum is rounded once to the paisa (so no
sub-paisa residue is lost day by day) and levied with its GST as one penal charge, owed from the
month end and paid first by the usual waterfall. On an NPA the charge is held in suspense, not
income, until received (as interest is).

A backdated payment restated later (the restate step) has the month's charge worked out again
(`restate_month`): a wrong charge is reversed, the right one levied on the month end, and
what waivers forgave of the wrong one is forgiven of the right one.

Set-based: one query sums the partition's month of snapshots; the charges are written as
events and journal entries in a few statements (loans holding unapplied funds are replayed one
by one, since the funds pay the charge at once). Guarantee: one live charge per loan and month
(references `penal:YYYY-MM`, then `penal:YYYY-MM:2`... for a restated one; unique per loan).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lms.close.levies import Levy, levy
from lms.close.models import LoanSnapshot
from lms.core.accrual import penal_charge
from lms.platform.db import UnitOfWork
from lms.servicing.charges import waivers_of
from lms.servicing.models import Loan, LoanEvent, Product

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
            Loan.asset_class,
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
            Loan.asset_class,
        )
    ).all()
    charges = []
    for loan_id, days_overdue, rate, tax_rate, excess, last, cls in rows:
        amount, tax = penal_charge(
            Decimal(days_overdue), rate or Decimal(0), tax_rate or Decimal(0)
        )
        if amount > 0:  # money held, or received that day, pays the charge at once: replay
            replay_it = excess > 0 or (last is not None and last >= day)
            reference = f"penal:{day:%Y-%m}"
            charges.append(Levy(loan_id, amount, tax, replay_it, cls == "NPA", "penal", reference))
    levy(uow, day, charges, NAME)
    return len(charges)


def _carried_waivers(
    uow: UnitOfWork, loan_id: int, voided: list[str], reference: str | None
) -> list[LoanEvent]:
    """The waivers of the charges `voided`, made again for the charge `reference` levied in
    their place (on their own days, for their amounts: the replay forgives no more than is
    unpaid), so a restated month keeps what the lender forgave of it."""
    waivers = select(LoanEvent).where(
        LoanEvent.loan_id == loan_id,
        LoanEvent.kind == "charge_waiver",
        LoanEvent.charge_reference.in_(voided),
    )
    taken, now = waivers_of(uow, loan_id), datetime.now(UTC)
    return [
        LoanEvent(
            loan_id=loan_id, kind="charge_waiver", value_date=w.value_date, amount=w.amount,
            reference=f"waiver-{taken + n}", charge_reference=reference, reason=w.reason,
            created_at=now,
        )
        for n, w in enumerate(uow.session.scalars(waivers.order_by(LoanEvent.id)), start=1)
    ]  # fmt: skip


def restate_month(uow: UnitOfWork, loan: Loan, month_end: date, today: date) -> int | None:
    """The penal charge of `month_end`'s month worked out again from the loan's (restated)
    snapshots; if it differs from the one levied, that one is reversed (a charge reversal known
    today) and the right one levied on the month end. Returns the first event it added (the
    caller replays the loan because of it), or None if nothing changed."""
    product = uow.session.get(Product, loan.product_id)
    if product is None or product.penal_rate is None:
        return None
    overdue = uow.session.scalar(
        select(func.sum(LoanSnapshot.principal_due + LoanSnapshot.interest_due)).where(
            LoanSnapshot.loan_id == loan.id,
            LoanSnapshot.day.between(month_end.replace(day=1), month_end),
        )
    )
    amount, tax = penal_charge(
        Decimal(overdue or 0), product.penal_rate, product.penal_tax or Decimal(0)
    )
    month = f"penal:{month_end:%Y-%m}"
    events = uow.session.execute(
        select(LoanEvent.kind, LoanEvent.reference, LoanEvent.amount).where(
            LoanEvent.loan_id == loan.id,
            LoanEvent.kind.in_(("penal", "charge_reversal")),
            (LoanEvent.reference == month) | LoanEvent.reference.like(f"{month}:%"),
        )
    ).all()
    void = {ref for kind, ref, _ in events if kind == "charge_reversal"}
    live = [
        (ref, levied or 0) for kind, ref, levied in events if kind == "penal" and ref not in void
    ]
    if amount == sum((levied for _, levied in live), Decimal(0)):
        return None
    now = datetime.now(UTC)
    added = [
        LoanEvent(
            loan_id=loan.id, kind="charge_reversal", value_date=today, reference=ref,
            created_at=now,
        )
        for ref, _ in live
    ]  # fmt: skip
    if amount > 0:
        added.append(
            LoanEvent(
                loan_id=loan.id, kind="penal", value_date=month_end, amount=amount, tax=tax,
                reference=f"{month}:{sum(k == 'penal' for k, _, _ in events) + 1}",
                created_at=now,
            )
        )  # fmt: skip
    if amount > 0:
        added += _carried_waivers(uow, loan.id, [str(r) for r, _ in live], added[-1].reference)
    uow.session.add_all(added)
    assert loan.last_event_on is not None
    loan.last_event_on = max(loan.last_event_on, month_end)
    uow.session.flush()
    return added[0].id
