"""Restructuring a live loan: the principal re-amortised over a new tenure or at a new EMI, the
rate changed, the arrears capitalised (the loan re-aged to current) or left owed; previewed
before it is asked for, applied from its value date once approved.

Why it was restructured decides how the classification treats it (RBI, Prudential Framework
for Resolution of Stressed Assets, 7 Jun 2019, and the relief schemes under it):

- `financial_stress`: a standard loan is downgraded to NPA from the restructure's day; the
  loan stays NPA through the specified period (`LMS_RESTRUCTURE_SPECIFIED_MONTHS` from its
  first due date after), then is upgraded only if nothing is overdue.
- `relief_scheme`: a standard loan stays standard, marked restructured, and carries the higher
  provision of a restructured standard account through the specified period; an NPA stays NPA
  through it as above.
- `borrower_request`: a change asked for by a borrower in good standing (a longer tenure, a
  lower EMI); refused for a loan with anything overdue, which is financial stress.

Guarantees: a restructure is checked in full (the loan, the day, the plan: the replay must be
able to take it) before it is queued and again when it is applied; applying it stores one
event, replayed with the loan like any other, so the ledger follows by its posting rule (the
capitalised interest moved from receivable to principal); a restructure never capitalises a
charge (RBI: no interest on penal charges), which stays owed as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.frequency import Frequency, add_months
from lms.core.money import ZERO
from lms.core.replay import Event, Payment, ReplayError, Restructure, replay
from lms.core.terms import MAX_AMOUNT, MAX_INSTALLMENTS
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.plans import Plan, compared
from lms.servicing.repayments import book_event
from lms.servicing.service import (
    existing_loan,
    loan_history,
    loan_terms,
    loan_waterfall,
    locked_loan,
    reference_taken,
)

REASONS = ("financial_stress", "relief_scheme", "borrower_request")
FREQUENCIES = ("monthly", "quarterly", "half_yearly", "yearly")


@dataclass(frozen=True)
class RestructureAsk:
    """What is asked: the value date, the new tenure (installments from the next due date) or
    EMI (neither: as many installments as are left), the new rate (None: unchanged), whether
    the arrears are capitalised, the reason and the restructure's reference."""

    day: date
    reason: str
    reference: str
    installments: int | None = None
    emi: Decimal | None = None
    annual_rate: Decimal | None = None
    capitalise: bool = True
    due_day: int | None = None  # the installments move to this day of the month (0: its end)
    to_end: bool = False  # the arrears (not capitalised) move to the end: installments of their own
    # paid by the borrower on the day, before the restructure: what it pays is not capitalised
    down_payment: Decimal | None = None
    frequency: str | None = None  # monthly, quarterly, half_yearly or yearly from the day


@dataclass(frozen=True)
class RestructurePreview:
    day: date
    before: Plan
    after: Plan
    capitalised: Decimal  # arrears made principal
    downgraded: bool  # a standard loan made NPA by it
    specified_until: date | None  # the end of its specified period (None: a borrower's request)
    npa_held_until: date | None  # NPA at least until then, however well it is paid


def preview(
    uow: UnitOfWork, *, loan_id: int, ask: RestructureAsk, today: date
) -> RestructurePreview:
    """The loan's plan before and after the restructure asked for (nothing is written)."""
    return _checked(uow, existing_loan(uow, loan_id), ask, today)


def restructure(uow: UnitOfWork, *, loan_id: int, ask: RestructureAsk, today: date) -> LoanEvent:
    """Apply the restructure (approved): store its event, settle the loan and the ledger from
    its value date, mark the loan for the classification."""
    loan = locked_loan(uow, loan_id)
    seen = _checked(uow, loan, ask, today, applying=True)
    event = book_event(
        uow, loan, kind="restructure", value_date=ask.day, posting_date=today,
        reference=ask.reference, installments=ask.installments, amount=ask.emi,
        rate=ask.annual_rate, reschedule=_arrears(ask), reason=ask.reason, due_day=ask.due_day,
        frequency=ask.frequency,
    )  # fmt: skip
    loan.restructured_on, loan.restructure_reason = ask.day, ask.reason
    # a later restructure never shortens a hold or a specified period already running
    loan.specified_until = _later(loan.specified_until, seen.specified_until)
    loan.npa_held_until = _later(loan.npa_held_until, seen.npa_held_until)
    return event


def _checked(
    uow: UnitOfWork, loan: Loan, ask: RestructureAsk, today: date, applying: bool = False
) -> RestructurePreview:
    if loan.status != "active" or loan.disbursed_on is None:
        raise ConflictError(f"loan {loan.id} is {loan.status}; only an active loan is restructured")
    _check_fields(uow, loan, ask, today)
    terms = loan_terms(loan)
    rows, events = loan_history(uow, loan)
    events = [*events, *_down_payment(ask, events, applying)]
    waterfall = loan_waterfall(uow, loan)
    before = replay(rows, events, ask.day, waterfall, terms)
    if ask.reason == "borrower_request" and (before.dpd > 0 or _held(loan, ask.day)):
        raise InvalidError(
            [("reason", "the loan is overdue, an NPA or in a restructure's specified period")]
        )
    event = Restructure(
        ask.day, ask.reference, ask.installments, ask.emi, ask.annual_rate, ask.capitalise,
        ask.due_day, ask.to_end, None if ask.frequency is None else Frequency(ask.frequency),
    )  # fmt: skip
    try:
        after = replay(rows, [*events, event], ask.day, waterfall, terms)
        last = max(ask.day, loan.last_event_on or ask.day)  # the events after it still fit
        replay(rows, [*events, event], last, waterfall, terms)
    except ReplayError as exc:
        raise InvalidError([("plan", str(exc).split(": ", 1)[-1])]) from None
    first_due = next((i.due_date for i in after.installments if i.due_date > ask.day), None)
    specified = None
    if ask.reason != "borrower_request" and first_due is not None:
        months = get_settings().restructure_specified_months
        specified = add_months(first_due, months, first_due.day)
    npa_now = loan.asset_class == "NPA" or ask.reason == "financial_stress"
    capitalised = sum(  # this restructure's own, not an earlier one's or a moratorium's
        (p.amount for c in after.capitalised if c.reference == ask.reference for p in c.parts),
        ZERO,
    )
    return RestructurePreview(
        ask.day, *compared(before, after, terms.cycle.periods_per_year), capitalised,
        downgraded=ask.reason == "financial_stress" and loan.asset_class != "NPA",
        specified_until=specified, npa_held_until=specified if npa_now else None,
    )  # fmt: skip


def _held(loan: Loan, day: date) -> bool:
    """Whether the loan is an NPA, or inside a restructure's specified period, on `day`."""
    running = loan.specified_until is not None and day < loan.specified_until
    return loan.asset_class == "NPA" or running


def _later(kept: date | None, new: date | None) -> date | None:
    return max((d for d in (kept, new) if d is not None), default=None)


def _down_payment(ask: RestructureAsk, events: list[Event], applying: bool) -> list[Payment]:
    """A preview counts the down payment asked for as paid on the day (what of it has not been
    received yet); applying the restructure needs it received (ConflictError)."""
    if ask.down_payment is None:
        return []
    received = sum(
        (e.amount for e in events if isinstance(e, Payment) and e.value_date == ask.day), ZERO
    )
    short = ask.down_payment - received
    if short <= 0:
        return []
    if applying:
        raise ConflictError(
            f"the down payment of {ask.down_payment} is not received: {received} was paid on"
            f" {ask.day}; post the payment with that value date first"
        )
    return [Payment(ask.day, short, f"{ask.reference}:down-payment")]


def _arrears(ask: RestructureAsk) -> str:
    """What the restructure does with the arrears, as its event stores it."""
    return "to_end" if ask.to_end else "capitalise" if ask.capitalise else "keep"


def _check_fields(uow: UnitOfWork, loan: Loan, ask: RestructureAsk, today: date) -> None:
    assert loan.disbursed_on is not None
    problems = []
    if not loan.disbursed_on < ask.day <= today:
        problems.append(
            ("day", f"must be after the disbursement and not after the business date {today}")
        )
    elif loan.restructured_on is not None and ask.day < loan.restructured_on:
        problems.append(("day", f"is before the loan's last restructure ({loan.restructured_on})"))
    if ask.reason not in REASONS:
        problems.append(("reason", f"must be one of {', '.join(REASONS)}"))
    if ask.installments is not None and ask.emi is not None:
        problems.append(("emi", "give the new number of installments or the new EMI, not both"))
    if ask.installments is not None and not 1 <= ask.installments <= MAX_INSTALLMENTS:
        problems.append(("installments", f"must be from 1 to {MAX_INSTALLMENTS}"))
    if ask.emi is not None and not ZERO < ask.emi <= MAX_AMOUNT:
        problems.append(("emi", "must be an amount above zero"))
    if ask.annual_rate is not None and not ZERO <= ask.annual_rate <= Decimal(100):
        problems.append(("annual_rate", "must be from 0 to 100 percent"))
    if ask.down_payment is not None and not ZERO < ask.down_payment <= MAX_AMOUNT:
        problems.append(("down_payment", "must be an amount above zero"))
    if ask.frequency is not None and ask.frequency not in FREQUENCIES:
        problems.append(("frequency", f"must be one of {', '.join(FREQUENCIES)}"))
    elif ask.frequency is not None and ask.installments is None and ask.emi is None:
        problems.append(("installments", "a new frequency needs the new number of installments"))
    if ask.to_end and ask.capitalise:
        problems.append(
            ("to_end", "moves arrears that are not capitalised: capitalise must be false")
        )
    if not ask.reference or reference_taken(uow, loan.id, "restructure", ask.reference):
        problems.append(("reference", f"{ask.reference!r} is already a restructure of the loan"))
    if problems:
        raise InvalidError(problems)
