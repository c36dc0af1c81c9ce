"""Simulation scenarios: loan terms, dated events and observation dates, as JSON.

Documented in docs/simulate-spec.md. The terms are a schedule spec (docs/schedule-spec.md);
events are payments (`pay`), part-prepayments (`prepay`), reversals of either (`reverse`),
further tranches (`disburse`), rate changes (`rate`), charges (`charge`), refunds of excess
(`refund`), restructures (`restructure`), moratoria (`moratorium`) and a foreclosure
(`foreclose`); each observation date gets the loan's state at its
day-end from `lms.core.replay`, and its asset class from the loan's DPD on every day since the
disbursement (`lms.core.classification.classify_history`, as the daily close stamps it).

Guarantee: `load_scenario` either returns a `Scenario` whose events fit the loan, or raises
`SpecError` naming every problem by its path (`events[2].amount`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lms.core.accrual import penal_charge
from lms.core.allocation import Component
from lms.core.classification import Stamp, classify_loan_history
from lms.core.dpd_history import dpd_by_day
from lms.core.frequency import LAST_DAY, Frequency, add_months
from lms.core.periods import build_timeline
from lms.core.replay import (
    Charge,
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
    Tranche,
    replay,
)
from lms.core.revision import Reschedule
from lms.core.schedule import Schedule, generate_schedule
from lms.core.terms import MAX_AMOUNT, LoanTerms
from lms.servicing.service import MORATORIUM_INTEREST
from lms.servicing.spec import IsoDate, SpecError, parse_spec, problem_of


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PayEvent(_Strict):
    type: Literal["pay"]
    date: IsoDate
    amount: Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
    reference: str = Field(min_length=1, max_length=64)


class ReverseEvent(_Strict):
    type: Literal["reverse"]
    date: IsoDate
    reference: str = Field(min_length=1, max_length=64)


Reschedule_ = Literal["reduce_emi", "reduce_tenure"]


class PrepayEvent(PayEvent):
    type: Literal["prepay"]  # type: ignore[assignment]
    reschedule: Reschedule_


class DisburseEvent(PayEvent):
    type: Literal["disburse"]  # type: ignore[assignment]


class RefundEvent(PayEvent):
    type: Literal["refund"]  # type: ignore[assignment]


class ChargeEvent(PayEvent):
    type: Literal["charge"]  # type: ignore[assignment]
    tax: Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)] = Decimal(0)


class RateEvent(_Strict):
    type: Literal["rate"]
    date: IsoDate
    annual_rate: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
    reschedule: Reschedule_
    reference: str = Field(default="rate", min_length=1, max_length=64)


class ForecloseEvent(_Strict):
    type: Literal["foreclose"]
    date: IsoDate


class RestructureEvent(_Strict):
    """A restructure (lms.servicing.restructures): a new tenure or EMI, a new rate, the arrears
    capitalised or kept; its reason decides the classification's hold."""

    type: Literal["restructure"]
    date: IsoDate
    reference: str = Field(default="restructure", min_length=1, max_length=64)
    installments: int | None = Field(None, ge=1, le=1200)
    emi: Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)] | None = None
    annual_rate: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    capitalise: bool = True
    due_day: Annotated[int, Field(ge=1, le=31)] | Literal["last"] | None = None
    to_end: bool = False
    frequency: Literal["monthly", "quarterly", "half_yearly", "yearly"] | None = None
    reason: Literal["financial_stress", "relief_scheme", "borrower_request"] = "financial_stress"
    specified_months: int = Field(12, ge=1, le=60)

    @model_validator(mode="after")
    def _one_plan(self) -> RestructureEvent:
        if self.installments is not None and self.emi is not None:
            raise ValueError("give installments or emi, not both")
        return self

    @model_validator(mode="after")
    def _end_is_not_capitalised(self) -> RestructureEvent:
        if self.to_end and self.capitalise:
            raise ValueError("to_end moves arrears that are not capitalised: set capitalise false")
        return self


class MoratoriumEvent(_Strict):
    """A moratorium (lms.core.relief): the next `periods` installments deferred."""

    type: Literal["moratorium"]
    date: IsoDate
    periods: int = Field(ge=1, le=24)
    interest: Literal["collected", "capitalised", "deferred", "waived"]
    reference: str = Field(default="moratorium", min_length=1, max_length=64)


AnyEvent = (
    PayEvent
    | PrepayEvent
    | ReverseEvent
    | DisburseEvent
    | RefundEvent
    | ChargeEvent
    | RateEvent
    | ForecloseEvent
    | RestructureEvent
    | MoratoriumEvent
)


class PenalSpec(_Strict):
    """A penal charge rule: percent a year on overdue amounts, levied at each month end."""

    rate: Annotated[Decimal, Field(gt=0, le=100, allow_inf_nan=False)]
    tax: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] = Decimal(0)


class ScenarioSpec(_Strict):
    terms: dict[str, Any]
    events: tuple[Annotated[AnyEvent, Field(discriminator="type")], ...] = ()
    observe: tuple[IsoDate, ...] = Field(min_length=1)
    penal: PenalSpec | None = None


@dataclass(frozen=True)
class Scenario:
    terms: LoanTerms
    schedule: Schedule
    events: tuple[Event, ...]
    observe: tuple[date, ...]
    penal: tuple[Decimal, Decimal] | None = None  # percent a year, GST percent
    restructure: tuple[str, int] | None = None  # the last restructure's reason, months held

    @property
    def accrual_start(self) -> date:
        """Where installment 1's interest starts (for accrued interest)."""
        return build_timeline(self.terms).first_period_start

    def observed(self) -> list[tuple[LoanState, Stamp]]:
        """The loan's state at the day-end of each observation date (with the penal charges
        the daily close would have levied at each month end before it, if a rule is given) and
        its classification at that day-end, classified day by day from the disbursement as the daily close does (an NPA
        stays NPA until nothing is overdue; the loan is its borrower's only facility)."""
        rows = self.schedule.installments
        events = [*self.events, *self._penal_charges(max(self.observe))]
        states = [replay(rows, events, day, terms=self.terms) for day in self.observe]
        self._check_prepayments(states)
        first = min(self.terms.disbursement_date, *self.observe)
        daily = list(dpd_by_day(rows, events, first, max(self.observe), terms=self.terms))
        stamps = dict(classify_loan_history(daily, held=self._held(daily, events)))
        return [(state, stamps[state.as_of]) for state in states]

    def _held(self, daily: list[tuple[date, int]], events: list[Event]) -> tuple[date, date] | None:
        """The last restructure's NPA hold, as lms.servicing.restructures sets it: through the
        specified period from its first due date after, for financial stress, or for a loan
        that was NPA the day before (a borrower's request holds nothing)."""
        if self.restructure is None:
            return None
        reason, months = self.restructure
        day = max(e.day for e in self.events if isinstance(e, Restructure))
        after = replay(self.schedule.installments, events, day, terms=self.terms)
        first_due = next((i.due_date for i in after.installments if i.due_date > day), None)
        if reason == "borrower_request" or first_due is None:
            return None
        until = add_months(first_due, months, first_due.day)
        if reason == "financial_stress":
            return (day, until)
        before = dict(classify_loan_history(d for d in daily if d[0] < day))
        stamp = before.get(day - timedelta(days=1))
        return (day, until) if stamp is not None and stamp.npa_since is not None else None

    def _check_prepayments(self, states: list[LoanState]) -> None:
        for state in states:
            for applied in state.applied:
                if isinstance(applied.payment, Prepayment) and applied.held:
                    index = self.events.index(applied.payment)
                    raise SpecError(
                        [
                            (
                                f"events[{index}]",
                                "prepays all the principal not yet due: use foreclose",
                            )
                        ]
                    )

    def _penal_charges(self, last: date) -> list[Charge]:
        """Month by month, as the close levies them: the day-end overdue amounts of the
        month's days (after the penal charges of earlier months) at the rule's rate."""
        if self.penal is None:
            return []
        rows, charges = self.schedule.installments, list[Charge]()
        day = self.terms.disbursement_date
        overdue = Decimal(0)
        while day < last:
            day += timedelta(days=1)
            state = replay(rows, [*self.events, *charges], day, terms=self.terms)
            overdue += state.principal_due + state.interest_due
            if (day + timedelta(days=1)).month != day.month:  # a month end: levy, start again
                amount, tax = penal_charge(overdue, *self.penal)
                if amount:
                    reference = f"penal:{day:%Y-%m}"
                    charges.append(Charge(day, amount, tax, reference, Component.PENAL))
                overdue = Decimal(0)
        return charges


def load_scenario(text: str | bytes) -> Scenario:
    """Parse a scenario; raises SpecError with every problem found."""
    try:
        raw = text.decode("utf-8-sig") if isinstance(text, bytes) else text
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise SpecError([("(file)", f"not usable JSON: {exc}")]) from None
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([problem_of(error) for error in exc.errors()]) from None
    try:
        terms = parse_spec(spec.terms)
    except SpecError as exc:
        raise SpecError([(f"terms.{field}", reason) for field, reason in exc.problems]) from None
    events = tuple(_event(e) for e in spec.events)
    _check_references(events)
    penal = None if spec.penal is None else (spec.penal.rate, spec.penal.tax)
    restructures = [e for e in spec.events if isinstance(e, RestructureEvent)]
    last = max(restructures, key=lambda e: e.date, default=None)
    hold = None if last is None else (last.reason, last.specified_months)
    return Scenario(terms, generate_schedule(terms), events, spec.observe, penal, hold)


def _event(spec: AnyEvent) -> Event:
    if isinstance(spec, MoratoriumEvent):
        interest = MORATORIUM_INTEREST[spec.interest]
        return LoanMoratorium(spec.date, spec.periods, interest, spec.reference)
    if isinstance(spec, RestructureEvent):
        moved = LAST_DAY if spec.due_day == "last" else spec.due_day
        return Restructure(spec.date, spec.reference, spec.installments, spec.emi,
                           spec.annual_rate, spec.capitalise, moved, spec.to_end,
                           None if spec.frequency is None else Frequency(spec.frequency))  # fmt: skip
    if isinstance(spec, PrepayEvent):
        return Prepayment(spec.date, spec.amount, spec.reference, Reschedule(spec.reschedule))
    if isinstance(spec, DisburseEvent):
        return Tranche(spec.date, spec.amount, spec.reference)
    if isinstance(spec, RefundEvent):
        return Refund(spec.date, spec.amount, spec.reference)
    if isinstance(spec, ChargeEvent):
        return Charge(spec.date, spec.amount, spec.tax, spec.reference)
    if isinstance(spec, PayEvent):
        return Payment(spec.date, spec.amount, spec.reference)
    if isinstance(spec, RateEvent):
        return RateChange(spec.date, spec.annual_rate, spec.reference, Reschedule(spec.reschedule))
    if isinstance(spec, ForecloseEvent):
        return Foreclosure(spec.date)
    return Reversal(spec.date, spec.reference)


def _check_references(events: tuple[Event, ...]) -> None:
    problems = []
    paid: set[str] = set()
    for index, event in enumerate(events):
        if isinstance(event, Payment | Prepayment):
            if event.reference in paid:
                problems.append((f"events[{index}].reference", "already used by another payment"))
            paid.add(event.reference)
    for index, event in enumerate(events):
        if isinstance(event, Reversal) and event.reference not in paid:
            problems.append((f"events[{index}].reference", "reverses no payment of the scenario"))
    if problems:
        raise SpecError(problems)
