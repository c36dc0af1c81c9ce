"""A moratorium on a live loan, as a relief scheme grants it: the installments of the next N
periods deferred (no principal), their interest collected (principal-only), capitalised,
deferred to the first installment after, or waived; the loan ends N installments later
(lms.core.relief). Previewed, asked for, approved by a second person, applied from its day.

A moratorium is not a restructure (RBI, COVID-19 regulatory package, 27 Mar 2020: the
rescheduling of payments under a moratorium does not change the asset classification): the
deferred installments are not overdue, so DPD does not age for them; what was overdue before
the moratorium stays overdue and ages as before.

Guarantees: checked in full (the replay must take it) before it is queued and when it is
applied; one stored event, replayed with the loan, so a capitalisation posts by its rule on
each deferred due date; nothing else revises the schedule (prepayments, rate changes,
restructures) until the last deferred installment has fallen due.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from lms.core.replay import Event, LoanMoratorium, ReplayError, replay
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.plans import Plan, compared
from lms.servicing.repayments import book_event
from lms.servicing.service import (
    MORATORIUM_INTEREST,
    existing_loan,
    loan_history,
    loan_terms,
    loan_waterfall,
    locked_loan,
    reference_taken,
)

INTEREST = MORATORIUM_INTEREST  # what the API and the stored event call each choice
LONGEST = 24  # periods: the longest moratorium a relief scheme grants here


@dataclass(frozen=True)
class MoratoriumAsk:
    day: date
    periods: int
    interest: str  # a key of INTEREST
    reference: str


@dataclass(frozen=True)
class MoratoriumPreview:
    before: Plan
    after: Plan  # its installments as they will stand once it has run, if nothing is paid
    deferred_until: date  # the last deferred installment's due date


def preview(uow: UnitOfWork, *, loan_id: int, ask: MoratoriumAsk, today: date) -> MoratoriumPreview:
    """The loan's plan before and after the moratorium asked for (nothing is written)."""
    return _checked(uow, existing_loan(uow, loan_id), ask, today)


def grant(uow: UnitOfWork, *, loan_id: int, ask: MoratoriumAsk, today: date) -> LoanEvent:
    """Apply the moratorium (approved): store its event, settle the loan and the ledger."""
    loan = locked_loan(uow, loan_id)
    seen = _checked(uow, loan, ask, today)
    loan.relief_until = seen.deferred_until
    return book_event(
        uow, loan, kind="moratorium", value_date=ask.day, posting_date=today,
        reference=ask.reference, installments=ask.periods, reschedule=ask.interest,
    )  # fmt: skip


def _checked(uow: UnitOfWork, loan: Loan, ask: MoratoriumAsk, today: date) -> MoratoriumPreview:
    if loan.status != "active" or loan.disbursed_on is None:
        raise ConflictError(f"loan {loan.id} is {loan.status}; only an active loan gets relief")
    problems = []
    if not loan.disbursed_on < ask.day <= today:
        problems.append(
            ("day", f"must be after the disbursement and not after the business date {today}")
        )
    if not 1 <= ask.periods <= LONGEST:
        problems.append(("periods", f"must be from 1 to {LONGEST}"))
    if ask.interest not in INTEREST:
        problems.append(("interest", f"must be one of {', '.join(INTEREST)}"))
    if not ask.reference or reference_taken(uow, loan.id, "moratorium", ask.reference):
        problems.append(("reference", f"{ask.reference!r} is already a moratorium of the loan"))
    if problems:
        raise InvalidError(problems)
    terms = loan_terms(loan)
    rows, events = loan_history(uow, loan)
    waterfall = loan_waterfall(uow, loan)
    event = LoanMoratorium(ask.day, ask.periods, INTEREST[ask.interest], ask.reference)
    before = replay(rows, events, ask.day, waterfall, terms)
    try:
        after = replay(rows, [*events, event], ask.day, waterfall, terms)
        replay(rows, [*events, event], max(ask.day, loan.last_event_on or ask.day), waterfall,
               terms)  # fmt: skip
    except ReplayError as exc:
        raise InvalidError([("day", str(exc).split(": ", 1)[-1])]) from None
    deferred = [i.due_date for i in after.installments if i.due_date > ask.day][: ask.periods]
    # the installments as they will stand once it has run, nothing paid in it (a capitalising
    # moratorium's interest grows the balance on each deferred due date)
    known = [e for e in events if _day_of(e) <= ask.day]
    ran = replay(rows, [*known, event], deferred[-1], waterfall, terms)
    after = replace(after, installments=ran.installments)
    return MoratoriumPreview(*compared(before, after, terms.cycle.periods_per_year), deferred[-1])


def _day_of(event: Event) -> date:
    for name in ("value_date", "day", "known_on"):
        if hasattr(event, name):
            return getattr(event, name)  # type: ignore[no-any-return]
    raise TypeError(event)
