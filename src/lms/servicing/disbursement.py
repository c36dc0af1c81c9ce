"""Paying a loan out: the rules that single disbursement (`lms.servicing.service.disburse_loan`)
and bulk onboarding (`lms.servicing.bulk_onboarding.onboard_bulk`) share, so the two cannot drift.

Guarantees: the disbursement's journal entry is `lms.ledger.rules.disbursement` of the
schedule's fee charges and, when the product deducts it, its broken-period interest; a product
that collects its upfront fees apart (`fee_collection == "collect"`) pays the principal out
less only the BPI, and the fees with their tax become one `charge` event (reference
FEES_COLLECTED) that the borrower owes from the disbursement date, listed before the
disbursement event. A loan paid out in tranches pays its first tranche (`first_tranche`: above
0, below the sanctioned amount) at disbursement, and its schedule, fees and entry start from it.
Pure: no database, nothing written here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lms.core.events import FEES_COLLECTED
from lms.core.kfs import FeeCharge
from lms.core.money import ZERO
from lms.core.schedule import Schedule
from lms.core.terms import BPITreatment, LoanTerms
from lms.ledger import rules
from lms.ledger.rules import JournalEntry
from lms.platform.errors import InvalidError
from lms.servicing.models import Product


class EventFigures(NamedTuple):
    """A loan event that paying out writes, as its columns (the loan and time stamp aside)."""

    kind: str
    value_date: date
    amount: Decimal
    tax: Decimal | None
    reference: str | None


def collects_fees(product: Product | None) -> bool:
    """Whether the product's upfront fees are owed by the borrower instead of deducted."""
    return product is not None and product.fee_collection == "collect"


def first_tranche(sanctioned: Decimal, amount: Decimal | None) -> Decimal | None:
    """The first tranche when `amount` pays out less than the sanctioned amount (None: the
    loan is paid out in full)."""
    if amount is None or amount == sanctioned:
        return None
    if not 0 < amount < sanctioned:
        raise InvalidError([("amount", f"a first tranche must be above 0 and below {sanctioned}")])
    return amount


def disbursement_entry(
    loan_id: int,
    terms: LoanTerms,
    fee_charges: tuple[FeeCharge, ...],
    bpi: Decimal,
    *,
    collected: bool,
) -> JournalEntry:
    """The disbursement's journal entry: principal lent, less the fees and their tax (unless
    `collected`) and the schedule's BPI `bpi` when the terms deduct it."""
    deducted = bpi if terms.bpi is BPITreatment.DEDUCT else ZERO
    return rules.disbursement(
        str(loan_id),
        terms.disbursement_date,
        terms.principal,
        fee_charges,
        deducted,
        fees_collected=collected,
    )


def disbursement_entries(
    loan_id: int,
    terms: LoanTerms,
    schedule: Schedule,
    *,
    collected: bool,
) -> list[JournalEntry]:
    """The entries of paying out: the disbursement, then the advance EMIs kept back (if any)."""
    entry = disbursement_entry(
        loan_id, terms, schedule.fee_charges, schedule.bpi, collected=collected
    )
    if not schedule.advance:
        return [entry]
    return [entry, rules.advance_emi(str(loan_id), terms.disbursement_date, schedule.advance)]


def disbursement_events(
    terms: LoanTerms, fee_charges: tuple[FeeCharge, ...], *, collected: bool
) -> tuple[EventFigures, ...]:
    """The events of paying out, in order: the collected fees' charge (if any), then the
    disbursement of the principal."""
    day = terms.disbursement_date
    paid_out = EventFigures("disbursement", day, terms.principal, None, None)
    if not (collected and fee_charges):
        return (paid_out,)
    amount = sum((f.amount for f in fee_charges), ZERO)
    tax = sum((f.tax for f in fee_charges), ZERO)
    return (EventFigures("charge", day, amount, tax, FEES_COLLECTED), paid_out)
