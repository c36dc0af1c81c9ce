"""Charges on a live loan beside those the rules levy themselves (bounce, penal, foreclosure):
a charge added by staff (a legal or collection-visit charge the loan agreement provides for),
and a waiver that forgives what is unpaid of a charge, in part or in full.

A waiver is an event of the replay (lms.core.events.ChargeWaiver) with its own posting rule:
the receivable goes, the income it was booked to and the GST share come back out; the charge
stays in the history. Each waiver has a reason from `WAIVER_REASONS`, kept on its event.

Guarantees: nothing is written when a check fails; the loan is row-locked while it changes;
a waiver never forgives more than is unpaid of its charge on its day, never touches a charge
voided, the upfront fees or a refund owed back, and a charge's reference is unique within
its loan; every event records its actor (the unit of work's).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.core.charge_positions import ChargePosition, charge_positions
from lms.core.charge_rules import ChargeOn, parse_rules
from lms.core.events import FEES_COLLECTED
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Loan, LoanEvent, Product
from lms.servicing.repayments import book_event
from lms.servicing.service import (
    existing_loan,
    loan_history,
    loan_terms,
    locked_loan,
    reference_taken,
    replayed,
)

# why a charge is forgiven (kept on the waiver event; reports count waivers by reason)
WAIVER_REASONS = (
    "goodwill",  # a good payer's first slip
    "grievance",  # settling a borrower's complaint
    "bank_error",  # the bank or the lender's own error caused the charge
    "hardship",  # illness, death in the family, natural calamity
    "settlement",  # part of an agreed settlement
)
# references the system gives its own charges: a charge added by hand may not use them
SYSTEM_PREFIXES = ("bounce:", "penal:", "fees:", "recovery:", "foreclosure")


def add_charge(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    tax_rate: Decimal,
    reference: str,
    posting_date: date,
) -> LoanEvent:
    """Levy a fee of `amount` with GST at `tax_rate` percent on an active loan, owed from
    `posting_date` (the business date)."""
    loan = locked_loan(uow, loan_id)
    _check_active(loan, posting_date)
    precision = loan_terms(loan).precision
    problems = []
    if amount <= 0 or precision.apply(amount) != amount:
        problems.append(("amount", f"must be more than 0, a multiple of {precision.step}"))
    if not 0 <= tax_rate <= 28:
        problems.append(("tax_rate", "must be a GST rate from 0 to 28 percent"))
    if not reference.strip() or reference.startswith(SYSTEM_PREFIXES):
        problems.append(("reference", f"must be given and not start with {SYSTEM_PREFIXES}"))
    if problems:
        raise InvalidError(problems)
    if reference_taken(uow, loan.id, "charge", reference):
        raise ConflictError(f"reference {reference!r} is already a charge of loan {loan.id}")
    tax = precision.apply(amount * tax_rate / 100)
    return book_event(
        uow, loan, kind="charge", value_date=posting_date, posting_date=posting_date,
        amount=amount, tax=tax, reference=reference,
    )  # fmt: skip


def levy_by_rule(uow: UnitOfWork, *, loan_id: int, rule: str, posting_date: date) -> LoanEvent:
    """Levy the product's charge for event `rule` (a statement copy, a mandate swap: lms.core
    .charge_rules) on an active loan, owed from `posting_date`; referenced `<rule>:<n>`."""
    loan = locked_loan(uow, loan_id)
    _check_active(loan, posting_date)
    product = uow.session.get(Product, loan.product_id)
    rules = parse_rules(product.charge_rules if product is not None else None)
    found = next((r for r in rules if r.on is ChargeOn.EVENT and r.name == rule), None)
    if found is None:
        named = ", ".join(r.name for r in rules if r.on is ChargeOn.EVENT) or "none"
        raise InvalidError(
            [("rule", f"the product has no event charge {rule!r} (it has: {named})")]
        )
    amount, tax = found.charge(Decimal(0))
    references = uow.session.scalars(
        select(LoanEvent.reference).where(LoanEvent.loan_id == loan.id, LoanEvent.kind == "charge")
    )
    taken = sum(1 for r in references if r and r.startswith(f"{rule}:"))
    return book_event(
        uow, loan, kind="charge", value_date=posting_date, posting_date=posting_date,
        amount=amount, tax=tax, reference=f"{rule}:{taken + 1}",
    )  # fmt: skip


def waive_charge(
    uow: UnitOfWork,
    *,
    loan_id: int,
    charge: str,
    amount: Decimal,
    reason: str,
    posting_date: date,
) -> LoanEvent:
    """Forgive `amount` (with its GST share) of what is unpaid of the charge `charge`, from
    `posting_date` (the business date) on."""
    loan = checked_waiver(uow, loan_id=loan_id, charge=charge, amount=amount, reason=reason,
                          day=posting_date)  # fmt: skip
    return book_event(
        uow, loan, kind="charge_waiver", value_date=posting_date, posting_date=posting_date,
        amount=amount, reference=f"waiver-{waivers_of(uow, loan.id) + 1}",
        charge_reference=charge, reason=reason,
    )  # fmt: skip


def checked_waiver(
    uow: UnitOfWork, *, loan_id: int, charge: str, amount: Decimal, reason: str, day: date
) -> Loan:
    """The loan (row-locked), if a waiver of `amount` of its charge `charge` on `day` may be
    made; else the refusal naming the field and the reason."""
    loan = locked_loan(uow, loan_id)
    _check_active(loan, day)
    if reason not in WAIVER_REASONS:
        raise InvalidError([("reason", f"must be one of {', '.join(WAIVER_REASONS)}")])
    position = _position(uow, loan, charge, day)
    if not 0 < amount <= position.unpaid:
        raise InvalidError(
            [("amount", f"must be more than 0 and at most the {position.unpaid} unpaid")]
        )
    if loan_terms(loan).precision.apply(amount) != amount:
        raise InvalidError([("amount", "must be a whole number of the loan's smallest unit")])
    return loan


def waivers_of(uow: UnitOfWork, loan_id: int) -> int:
    """How many waivers the loan has had (its next is `waiver-<that + 1>`)."""
    mine = (LoanEvent.loan_id == loan_id) & (LoanEvent.kind == "charge_waiver")
    return uow.session.scalar(select(func.count()).where(mine)) or 0


def positions(uow: UnitOfWork, loan_id: int, as_of: date) -> list[ChargePosition]:
    """Every live charge of the loan at the day-end of `as_of`: levied, paid, waived, unpaid."""
    loan = existing_loan(uow, loan_id)
    if loan.last_event_on is None:
        return []
    return charge_positions(replayed(uow, loan, max(as_of, loan.last_event_on)))


def _position(uow: UnitOfWork, loan: Loan, charge: str, day: date) -> ChargePosition:
    """The charge `charge` at the day-end of `day`; refused if it cannot be waived."""
    if charge == FEES_COLLECTED or charge.startswith("recovery:"):
        raise InvalidError([("charge", "the upfront fees and refunds owed back are not waived")])
    history = loan_history(uow, loan)
    for position in charge_positions(replayed(uow, loan, day, history)):
        if position.charge.reference == charge:
            return position
    raise NotFoundError("charge", charge)


def _check_active(loan: Loan, day: date) -> None:
    if loan.status != "active" or loan.last_event_on is None:
        raise ConflictError(f"loan {loan.id} is {loan.status}: charges change only active loans")
    if day < loan.last_event_on:
        raise ConflictError(
            f"the business date {day} is before the loan's last event on {loan.last_event_on}"
        )
