"""Loan use cases: onboard (from an origination system), disburse, take a repayment, read the
state. Keyword-only functions that work in the unit of work they are given and never commit.

Guarantees:
- Onboarding is idempotent on the external application id: the same id with the same request
  returns the same loan; with a different request it is a conflict, and nothing is written.
- Every money movement posts one balanced journal entry in the same transaction as the change
  to the loan, so the loan and its ledger never disagree.
- The stored installments always equal the replay of the loan's events (lms.core.replay).
- A repayment is idempotent on its idempotency key; concurrent repayments on one loan are
  serialised by a row lock on the loan (SQLite serialises every writer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select

from lms.core.allocation import STANDARD, Bucket, Component, FutureRule, Waterfall
from lms.core.frequency import Frequency
from lms.core.periods import build_timeline
from lms.core.replay import (
    Charge,
    ChargeReversal,
    ChargeWaiver,
    Event,
    Foreclosure,
    LoanMoratorium,
    LoanState,
    Payment,
    Prepayment,
    RateChange,
    Refund,
    Restructure,
    Reversal,
    SmallBalanceWaiver,
    Tranche,
    replay,
)
from lms.core.revision import Reschedule
from lms.core.rows import Installment
from lms.core.schedule import Schedule, generate_schedule
from lms.core.terms import BPITreatment, LoanTerms, MoratoriumInterest
from lms.ledger.accounts import Account
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing import disbursement
from lms.servicing.models import FIRST_STAMP, Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.spec import SpecError, parse_spec

_Query = TypeVar("_Query", bound=Select[Any])


def disburse_loan(
    uow: UnitOfWork, *, loan_id: int, posting_date: date, amount: Decimal | None = None
) -> Loan:
    """Pay the loan out on its disbursement date, in full or (`amount`) its first tranche;
    fees and deducted BPI are kept back. Later tranches: lms.servicing.tranches."""
    loan = locked_loan(uow, loan_id)
    if loan.status != "approved":
        raise ConflictError(f"loan {loan_id} is {loan.status}, not approved")
    _first_tranche(loan, amount)
    terms = loan_terms(loan)
    if terms.precision.apply(terms.principal) != terms.principal:
        raise InvalidError([("amount", f"must be a multiple of {terms.precision.step}")])
    schedule = generate_schedule(terms)
    _post_disbursement(uow, loan, terms, schedule, posting_date)
    uow.session.add_all(
        LoanInstallment(
            loan_id=loan.id,
            number=row.number,
            due_date=row.due_date,
            principal=row.principal,
            interest=row.interest,
            principal_paid=row.principal * 0,
            interest_paid=row.interest * 0,
        )
        for row in schedule.installments
    )
    loan.status, loan.disbursed_on, loan.last_event_on = (
        "active",
        terms.disbursement_date,
        terms.disbursement_date,
    )
    loan.oldest_unpaid_due = schedule.installments[0].due_date
    loan.principal_outstanding = sum((row.principal for row in schedule.installments), Decimal(0))
    loan.interest_from = interest_from(terms)
    for column, value in FIRST_STAMP.items():
        setattr(loan, column, value)
    uow.session.flush()
    return loan


def _first_tranche(loan: Loan, amount: Decimal | None) -> None:
    """A disbursement of less than the sanctioned amount pays out the first tranche."""
    tranche = disbursement.first_tranche(loan.principal, amount)
    if tranche is not None:
        loan.first_tranche = tranche


def _post_disbursement(
    uow: UnitOfWork, loan: Loan, terms: LoanTerms, schedule: Schedule, posting_date: date
) -> None:
    """The disbursement's journal entry and events (lms.servicing.disbursement): fees the product
    collects apart become a charge the borrower owes from disbursement."""
    collected = disbursement.collects_fees(uow.session.get(Product, loan.product_id))
    charges = schedule.fee_charges
    entries = disbursement.disbursement_entries(loan.id, terms, schedule, collected=collected)
    now = datetime.now(UTC)
    events = [
        LoanEvent(loan_id=loan.id, created_at=now, **event._asdict())
        for event in disbursement.disbursement_events(terms, charges, collected=collected)
    ]
    uow.session.add_all(events)
    uow.session.flush()
    for entry in entries:  # paid out (and the advance EMIs kept back)
        post_entry(uow, entry, posting_date=posting_date, event_id=events[-1].id)


def net_payout(uow: UnitOfWork, loan: Loan) -> Decimal:
    """What the bank pays the borrower at disbursement: the principal (or first tranche) less
    the fees, broken-period interest and advance EMIs kept back, as the entries have it."""
    terms, schedule = loan_terms(loan), loan_schedule(loan)
    collected = disbursement.collects_fees(uow.session.get(Product, loan.product_id))
    entries = disbursement.disbursement_entries(loan.id, terms, schedule, collected=collected)
    bank = Account.DISBURSEMENT_BANK
    lines = [line for entry in entries for line in entry.lines if line.account is bank]
    return sum((line.credit - line.debit for line in lines), Decimal(0))


def interest_from(terms: LoanTerms) -> date | None:
    """Where installment 1's interest starts, if not at disbursement (a deducted BPI covers
    the days before): accrual starts there."""
    if terms.bpi is not BPITreatment.DEDUCT:
        return None
    start = build_timeline(terms).first_period_start
    return None if start == terms.disbursement_date else start


def loan_terms(loan: Loan) -> LoanTerms:
    """The loan's LoanTerms (parsed once per distinct terms: they never change); a loan paid
    out in tranches starts its schedule from the first tranche."""
    spec = loan.terms
    if loan.first_tranche is not None:
        first, sanctioned = loan.first_tranche.normalize(), loan.principal.normalize()
        spec = {**spec, "principal": str(first), "sanctioned": str(sanctioned)}
    return _terms_cached(json.dumps(spec, sort_keys=True))


def loan_schedule(loan: Loan) -> Schedule:
    """The loan's schedule (generated once per distinct terms)."""
    return _schedule_cached(loan_terms(loan))


@lru_cache(maxsize=4096)
def _terms_cached(spec: str) -> LoanTerms:
    return parsed_spec(json.loads(spec))


@lru_cache(maxsize=4096)
def _schedule_cached(terms: LoanTerms) -> Schedule:
    return generate_schedule(terms)


# how a moratorium's event names what happens to its deferred installments' interest
MORATORIUM_INTEREST = {
    "collected": MoratoriumInterest.COLLECTED,
    "capitalised": MoratoriumInterest.CAPITALISED,
    "deferred": MoratoriumInterest.FIRST_INSTALLMENT,
    "waived": MoratoriumInterest.WAIVED,
}


def loan_history(uow: UnitOfWork, loan: Loan) -> tuple[tuple[Installment, ...], list[Event]]:
    """The loan's schedule rows and its events after disbursement as replay events, in one
    query. Amounts are put back to the loan's precision (storage keeps four decimal places)."""
    terms = loan_terms(loan)
    stored = uow.session.execute(
        select(
            LoanEvent.kind,
            LoanEvent.value_date,
            LoanEvent.amount,
            LoanEvent.reference,
            LoanEvent.tax,
            LoanEvent.rate,
            LoanEvent.reschedule,
            LoanEvent.reason,
            LoanEvent.charge_reference,
            LoanEvent.installments,
            LoanEvent.due_day,
            LoanEvent.frequency,
        )
        .where(LoanEvent.loan_id == loan.id, LoanEvent.kind != "disbursement")
        .order_by(LoanEvent.id)
    )
    events: list[Event] = []
    for (
        kind,
        day,
        amount,
        reference,
        tax,
        rate,
        reschedule,
        reason,
        charge,
        count,
        *moved,
    ) in stored:
        money = terms.precision.apply(amount or Decimal(0))
        ref = reference or ""
        if kind in ("charge", "penal"):
            levy = terms.precision.apply(tax or Decimal(0))
            component = Component.PENAL if kind == "penal" else Component.FEE
            events.append(Charge(day, money, levy, ref, component))
        elif kind == "payment":
            events.append(Payment(day, money, ref))
        elif kind == "prepayment":
            events.append(Prepayment(day, money, ref, Reschedule(reschedule or "reduce_emi")))
        elif kind == "rate_change":
            events.append(
                RateChange(day, rate or Decimal(0), ref, Reschedule(reschedule or "reduce_emi"))
            )
        elif kind == "reversal":
            events.append(Reversal(day, ref, reason or "returned"))
        elif kind == "charge_reversal":
            events.append(ChargeReversal(day, ref))
        elif kind == "charge_waiver":
            events.append(ChargeWaiver(day, charge or "", money, ref))
        elif kind == "refund":
            events.append(Refund(day, money, ref))
        elif kind == "tranche":
            events.append(Tranche(day, money, ref))
        elif kind == "foreclosure":
            events.append(Foreclosure(day))
        elif kind == "small_balance":
            events.append(SmallBalanceWaiver(day, ref))
        elif kind == "moratorium":
            mode = MORATORIUM_INTEREST[reschedule or "collected"]
            events.append(LoanMoratorium(day, count or 0, mode, ref))
        elif kind == "restructure":
            emi = None if amount is None else money
            events.append(
                Restructure(
                    day,
                    ref,
                    count,
                    emi,
                    rate,
                    reschedule == "capitalise",
                    moved[0],
                    reschedule == "to_end",
                    None if moved[1] is None else Frequency(moved[1]),
                )
            )
    return loan_schedule(loan).installments, events


def replayed(
    uow: UnitOfWork,
    loan: Loan,
    as_of: date,
    history: tuple[tuple[Installment, ...], list[Event]] | None = None,
) -> LoanState:
    """The loan's state at the day-end of `as_of` (from `history` if the caller has it)."""
    rows, events = history if history is not None else loan_history(uow, loan)
    return replay(rows, events, as_of, loan_waterfall(uow, loan), loan_terms(loan))


def loan_waterfall(uow: UnitOfWork, loan: Loan) -> Waterfall:
    """The allocation waterfall of the loan's product version."""
    return loan_waterfall_of(uow, loan.product_id)


def loan_waterfall_of(uow: UnitOfWork, product_id: int) -> Waterfall:
    """The allocation waterfall of a product version."""
    return payment_rules_of(uow, product_id).waterfall


@dataclass(frozen=True)
class PaymentRules:
    """What a product version says about taking payments (one read of its row)."""

    waterfall: Waterfall
    backdate_days: int | None  # None: lms.servicing.payment_rules' default
    payment_ceiling: Decimal | None


def payment_rules_of(uow: UnitOfWork, product_id: int) -> PaymentRules:
    """The product's payment rules; read once per unit of work (the session's identity map
    answers again, with any change made in the same unit of work; the session's `info` holds
    the product, as the identity map keeps only weak references)."""
    held: dict[int, Product] = uow.session.info.setdefault("products", {})
    product = held.get(product_id) or uow.session.get(Product, product_id)
    if product is None:
        raise NotFoundError("product", product_id)
    held[product_id] = product
    return PaymentRules(
        _waterfall(json.dumps(product.waterfall), product.future_rule),
        product.backdate_days,
        product.payment_ceiling,
    )


@lru_cache(maxsize=256)
def _waterfall(order: str, future: str | None) -> Waterfall:
    pairs = json.loads(order)
    if pairs is None:
        return STANDARD
    return Waterfall(
        tuple((Bucket(b), Component(c)) for b, c in pairs), FutureRule(future or "next")
    )


def loan_state(uow: UnitOfWork, *, loan_id: int, as_of: date) -> LoanState:
    """The loan's state at the day-end of `as_of`, replayed from its stored events."""
    return replayed(uow, existing_loan(uow, loan_id), as_of)


def where_dpd(query: _Query, today: date, low: int | None, high: int | None) -> _Query:
    """`query` narrowed to loans whose days past due at the day-end of `today` are from `low`
    to `high` (either may be None): DPD = today - oldest unpaid due date + 1, if that date has
    come; loans with nothing unpaid (closed, not disbursed) have DPD 0."""
    if low:
        query = query.where(Loan.oldest_unpaid_due <= today - timedelta(days=low - 1))
    if high is not None:
        query = query.where(
            or_(
                Loan.oldest_unpaid_due.is_(None),
                Loan.oldest_unpaid_due >= today - timedelta(days=high - 1),
            )
        )
    return query


def reference_taken(uow: UnitOfWork, loan_id: int, kind: str, reference: str | None) -> bool:
    """Whether loan `loan_id` already has a `kind` event with this reference."""
    found = uow.session.scalar(
        select(LoanEvent.id).where(
            LoanEvent.loan_id == loan_id, LoanEvent.kind == kind, LoanEvent.reference == reference
        )
    )
    return found is not None


def existing_loan(uow: UnitOfWork, loan_id: int) -> Loan:
    """The loan, or a not-found error naming it."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    return loan


def locked_loan(uow: UnitOfWork, loan_id: int) -> Loan:
    """The loan, row-locked until the unit of work ends (serialises writers on one loan)."""
    loan = uow.session.scalar(select(Loan).where(Loan.id == loan_id).with_for_update())
    if loan is None:
        raise NotFoundError("loan", loan_id)
    return loan


def loan_spec(
    settings: dict[str, Any],
    *,
    principal: Decimal,
    annual_rate: Decimal,
    disbursement_date: date,
    installments: int | None,
    first_due_date: date | None = None,
    due_day: int | None = None,
) -> dict[str, Any]:
    """A loan's full schedule spec: its product's settings with its own fields."""
    spec: dict[str, Any] = {
        **settings,
        "principal": str(principal),
        "annual_rate": str(annual_rate),
        "disbursement_date": disbursement_date.isoformat(),
        "installments": installments,
    }
    if first_due_date is not None:
        spec["first_due_date"] = first_due_date.isoformat()
    if due_day is not None:
        spec["due_day"] = "last" if due_day == 0 else due_day
    return spec


def product_template(settings: dict[str, Any]) -> LoanTerms:
    """The product's settings as LoanTerms with placeholder loan fields (for bulk work)."""
    # placeholder loan fields large enough for any fixed fee; each loan brings its own
    sample = {
        **settings,
        "principal": "100000000",
        "annual_rate": "1",
        "disbursement_date": "2026-01-15",
    }
    # enough installments for the product's grace, moratorium and advance EMIs to leave one
    held = (
        int(settings.get("grace_principal", 0) or 0)
        + int((settings.get("moratorium") or {}).get("periods", 0) or 0)
        + int(settings.get("advance_emis", 0) or 0)
    )
    return parsed_spec({**sample, "installments": held + 1})


def parsed_spec(spec: dict[str, Any]) -> LoanTerms:
    try:
        return parse_spec(spec)
    except SpecError as exc:
        raise InvalidError(exc.problems) from None
