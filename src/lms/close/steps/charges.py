"""Step: charges by rule (lms.core.charge_rules): on each installment falling due today, the
product's per-installment charges (a fee owed from today); on each installment still unpaid
the product's N days after its due date, its overdue charge (a penal charge, once per
installment and rule: `<rule>:<installment number>`).

After the classification (an overdue charge on an NPA is held in suspense) and before the
snapshot (which then counts today's charges). Set-based: one query reads the partition's
installments due today or N days ago on loans of products with such rules, one the charges
already levied for them; the charges are written by `lms.close.levies`. Guarantee: a charge
is levied once per installment and rule (a re-run levies nothing twice); one that a backdated
payment shows unearned is reversed when the loan is restated (`restate_overdue_charges`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.close.levies import Levy, levy
from lms.core.charge_rules import ChargeOn, ChargeRule, parse_rules
from lms.core.replay import Charge, ChargeReversal, replay
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.service import loan_history, loan_terms, loan_waterfall

NAME = "charges"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    products = {
        product: [r for r in parse_rules(raw) if r.on is not ChargeOn.EVENT]
        for product, raw in uow.session.execute(
            select(Product.id, Product.charge_rules).where(Product.charge_rules.is_not(None))
        )
    }
    products = {k: v for k, v in products.items() if v}
    if not products:
        return 0
    dues = {day} | {day - timedelta(days=r.days) for rs in products.values() for r in rs}
    rows = uow.session.execute(
        select(
            LoanInstallment.loan_id, LoanInstallment.number, LoanInstallment.due_date,
            LoanInstallment.principal + LoanInstallment.interest,
            LoanInstallment.principal_paid + LoanInstallment.interest_paid,
            Loan.product_id, Loan.excess, Loan.last_event_on, Loan.asset_class,
        )
        .join(Loan, Loan.id == LoanInstallment.loan_id)
        .where(
            Loan.id.between(low, high), Loan.status == "active",
            Loan.product_id.in_(list(products)), LoanInstallment.due_date.in_(sorted(dues)),
        )
    ).all()  # fmt: skip
    wanted: list[Levy] = []
    for loan, number, due, total, paid, product, excess, last, cls in rows:
        held = excess > 0 or (last is not None and last >= day)
        for rule in products[product]:
            found = _charge(rule, day, number, due, total - paid if rule.days else total)
            if found is not None:
                kind, reference, (amount, tax) = found
                wanted.append(Levy(loan, amount, tax, held, cls == "NPA", kind, reference))
    levied = set(  # what a re-run of today's close already levied (charges bear the day)
        uow.session.execute(
            select(LoanEvent.loan_id, LoanEvent.reference).where(
                LoanEvent.loan_id.between(low, high),
                LoanEvent.value_date == day,
                LoanEvent.kind.in_(("charge", "penal")),
            )
        ).all()
        if wanted
        else ()
    )
    charges = [c for c in wanted if (c.loan, c.reference) not in levied]
    levy(uow, day, charges, NAME)
    return len(charges)


def _charge(
    rule: ChargeRule, day: date, number: int, due: date, base: Decimal
) -> tuple[str, str, tuple[Decimal, Decimal]] | None:
    """(kind, reference, (amount, GST)) of `rule` on the installment, or None."""
    if rule.on is ChargeOn.INSTALLMENT and due == day:
        found = ("charge", f"{rule.name}:{due.isoformat()}", rule.charge(base))
    elif rule.on is ChargeOn.OVERDUE and due + timedelta(days=rule.days) == day and base > 0:
        found = ("penal", f"{rule.name}:{number}", rule.charge(base))
    else:
        return None
    return found if found[2][0] > 0 else None


def restate_overdue_charges(uow: UnitOfWork, loan: Loan, since: date, today: date) -> int | None:
    """After a backdated event from `since`: each overdue charge by rule levied on or after it
    whose installment the loan's replay (without that charge) shows paid at the day-end it was
    levied is reversed (a charge reversal known `today`). Returns the first reversal's id (the
    caller replays the loan), or None."""
    product = uow.session.get(Product, loan.product_id)
    names = {
        r.name
        for r in parse_rules(product.charge_rules if product is not None else None)
        if r.on is ChargeOn.OVERDUE
    }
    if not names:
        return None
    rows, events = loan_history(uow, loan)
    voided = {e.reference for e in events if isinstance(e, ChargeReversal)}
    levied = [
        e for e in events if isinstance(e, Charge) and e.day >= since
        and e.reference.split(":")[0] in names and e.reference not in voided
    ]  # fmt: skip
    added = []
    for charge in levied:
        others = [e for e in events if e is not charge]
        state = replay(rows, others, charge.day, loan_waterfall(uow, loan), loan_terms(loan))
        tail = charge.reference.rsplit(":", 1)[1]
        if not tail.isdigit():
            continue  # not an overdue charge by rule (`<rule>:<installment number>`)
        number = int(tail)
        item = next((i for i in state.installments if i.number == number), None)
        if item is None or item.unpaid <= 0:
            added.append(LoanEvent(loan_id=loan.id, kind="charge_reversal", value_date=today,
                                   reference=charge.reference, created_at=datetime.now(UTC)))  # fmt: skip
    if not added:
        return None
    uow.session.add_all(added)
    assert loan.last_event_on is not None
    loan.last_event_on = max(loan.last_event_on, today)
    uow.session.flush()
    return added[0].id
