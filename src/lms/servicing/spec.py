"""The schedule spec: loan terms as JSON, validated field by field, turned into LoanTerms.

Documented in docs/schedule-spec.md. Amounts and rates are read as exact decimals (JSON numbers
are parsed as Decimal, never float; strings are accepted too). Unknown keys are refused.

Guarantee: `parse_spec` either returns LoanTerms that the core accepts, or raises `SpecError`
listing every problem as (field path, reason); it writes nothing and reads no clock.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lms.core.calendar import NO_HOLIDAYS, BusinessCalendar, BusinessDayRule, Weekday
from lms.core.daycount import DayCount, DaysInMonth, DaysInYear, day_count
from lms.core.frequency import LAST_DAY, Cycle, Frequency
from lms.core.money import Rounding, RoundingMode
from lms.core.terms import (
    MAX_AMOUNT,
    Balloon,
    BPITreatment,
    BulletInterest,
    Fee,
    FeePayee,
    InterestBasis,
    LoanTerms,
    Method,
    Moratorium,
    MoratoriumInterest,
    Recalculation,
    StepPolicy,
    TrancheRepayment,
)
from lms.core.validation import ScheduleError, check_terms
from lms.servicing.calendars import business_calendar


class SpecError(ValueError):
    """A spec that cannot become LoanTerms: every problem as (field path, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))


# Amounts and rates are exact decimals (JSON numbers or strings) and finite; an amount is never
# above what storage holds (lms.core.terms.MAX_AMOUNT). Counts are JSON integers only ("12" and
# true are refused). Each field adds its own lower bound.
Amount = Annotated[Decimal, Field(allow_inf_nan=False, le=MAX_AMOUNT)]
Rate = Annotated[Decimal, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]


def _iso_date_text(value: object) -> object:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


def _positive_step(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


Step = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_positive_step)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoundingSpec(_Strict):
    step: Step = Decimal("0.01")
    mode: RoundingMode = RoundingMode.HALF_UP


class MoratoriumSpec(_Strict):
    periods: Count = Field(ge=0)
    type: Literal["principal", "full"] = "full"
    interest: MoratoriumInterest | None = None


class StepSpec(_Strict):
    every: Count = Field(ge=1)
    percent: Rate | None = None
    amount: Amount | None = Field(default=None, ge=-MAX_AMOUNT)


class BalloonSpec(_Strict):
    amount: Amount | None = Field(default=None, ge=0)
    percent: Rate | None = Field(default=None, ge=0, lt=100)


class HolidaySpec(_Strict):
    country: str | None = None  # ISO 3166 code of the `holidays` package, e.g. "IN"
    subdiv: str | None = None  # state, e.g. "MH"
    dates: tuple[IsoDate, ...] = ()  # lender-defined holidays
    weekly_off: tuple[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], ...
    ] = ()

    @model_validator(mode="after")
    def _state_needs_country(self) -> HolidaySpec:
        if self.subdiv is not None and self.country is None:
            raise ValueError("subdiv (a state) needs country")
        return self


class FeeSpec(_Strict):
    name: str = "fee"
    amount: Amount | None = Field(default=None, ge=0)
    percent: Rate | None = Field(default=None, ge=0, le=100)
    payee: FeePayee = FeePayee.LENDER
    tax: Rate = Field(default=Decimal(0), ge=0, le=100)  # tax rate on the fee, percent (GST: 18)


class ScheduleSpec(_Strict):
    principal: Amount = Field(gt=0)
    annual_rate: Rate = Field(ge=0, le=1000)
    disbursement_date: IsoDate
    first_due_date: IsoDate | None = None
    installments: Count | None = Field(default=None, ge=1, le=1200)
    frequency: Frequency = Frequency.MONTHLY
    every: Count = Field(default=1, ge=1, le=366)
    method: Method = Method.EMI
    interest_basis: InterestBasis = InterestBasis.PERIODIC
    day_count: str | None = None
    days_in_year: DaysInYear | None = None
    days_in_month: DaysInMonth | None = None
    rounding: RoundingSpec = RoundingSpec()
    precision: Step | RoundingSpec = Decimal("0.01")
    fixed_installment: Amount | None = Field(default=None, gt=0)
    due_day: Count | Literal["last"] | None = None
    moratorium: MoratoriumSpec | None = None
    grace_principal: Count = Field(default=0, ge=0)
    grace_interest: Count = Field(default=0, ge=0)
    interest_free_periods: Count = Field(default=0, ge=0)
    step: StepSpec | None = None
    balloon: BalloonSpec | None = None
    bullet_interest: BulletInterest = BulletInterest.PERIODIC
    bpi: BPITreatment = BPITreatment.NONE
    holidays: HolidaySpec | None = None
    business_day_rule: BusinessDayRule = BusinessDayRule.UNCHANGED
    fees: tuple[FeeSpec, ...] = ()
    apr_includes_tax: Flag = True
    interest_on_actual_balance: Flag = False
    recalculation: Recalculation = Recalculation.KEEP_EMI
    compound_overdue_interest: Flag = False
    advance_emis: Count = Field(default=0, ge=0, le=12)
    tranche_repayment: TrancheRepayment = TrancheRepayment.EMI
    sanctioned: Amount | None = Field(default=None, gt=0)  # set for a loan paid out in tranches

    @field_validator("day_count")
    @classmethod
    def _known_day_count(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                day_count(value)
            except KeyError:
                raise ValueError(
                    "unknown; use act/365f, act/360, act/364, act/act, 30/360 or 30e/360"
                ) from None
        return value

    @field_validator("due_day", mode="before")
    @classmethod
    def _last_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("due_day")
    @classmethod
    def _day_of_month(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError("must be 1 to 31, or 'last'")
        return value


def load_spec(text: str | bytes) -> LoanTerms:
    """Parse JSON (text, or UTF-8 bytes; numbers read as exact decimals) into LoanTerms."""
    try:
        decoded = (
            text.decode("utf-8-sig") if isinstance(text, bytes) else text.removeprefix("\ufeff")
        )
        data = json.loads(decoded, parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise SpecError([("(file)", f"not UTF-8 text (byte {exc.start})")]) from None
    except json.JSONDecodeError as exc:
        raise SpecError([("(file)", f"not valid JSON: {exc.msg} at line {exc.lineno}")]) from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5000-digit integer, nesting too deep
        raise SpecError([("(file)", f"not usable JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise SpecError([("(file)", "must be a JSON object of loan terms")])
    return parse_spec(data)


def parse_spec(data: dict[str, Any]) -> LoanTerms:
    """Validate a decoded spec and build LoanTerms; raises SpecError with every problem."""
    try:
        spec = ScheduleSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([problem_of(error) for error in exc.errors()]) from None
    terms = _to_terms(spec)
    try:
        check_terms(terms)
    except ScheduleError as exc:
        raise SpecError([(p.field, p.message) for p in exc.problems]) from None
    return terms


def problem_of(error: Any) -> tuple[str, str]:
    """A pydantic error as (field path like fees[0].amount, reason)."""
    location = ""
    for part in error["loc"]:
        if isinstance(part, int):
            location += f"[{part}]"  # fees[0].amount, as the cross-field checks name it
        elif part not in _UNION_TAGS and not str(part).startswith(("literal[", "function-")):
            location += f".{part}" if location else str(part)
    location = location or "(spec)"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    return location, message


# Names pydantic adds to a location for the member of a union that failed (e.g. precision given
# as a number or as an object); they mean nothing to the person who wrote the spec.
_UNION_TAGS = frozenset({"decimal", "RoundingSpec", "int", "str", "constrained-decimal"})


def _to_terms(spec: ScheduleSpec) -> LoanTerms:
    precision = (
        spec.precision
        if isinstance(spec.precision, RoundingSpec)
        else RoundingSpec(step=spec.precision)
    )
    return LoanTerms(
        principal=spec.principal,
        annual_rate=spec.annual_rate,
        disbursement_date=spec.disbursement_date,
        installments=spec.installments,
        first_due_date=spec.first_due_date,
        cycle=Cycle(spec.frequency, spec.every),
        due_day=LAST_DAY if spec.due_day == "last" else spec.due_day,
        method=spec.method,
        interest_basis=spec.interest_basis,
        day_count=_day_count(spec),
        rounding=Rounding(spec.rounding.step, spec.rounding.mode),
        precision=Rounding(precision.step, precision.mode),
        fixed_installment=spec.fixed_installment,
        moratorium=_moratorium(spec.moratorium),
        grace_principal=spec.grace_principal,
        grace_interest=spec.grace_interest,
        interest_free_periods=spec.interest_free_periods,
        step=StepPolicy(spec.step.every, spec.step.percent, spec.step.amount)
        if spec.step
        else None,
        balloon=Balloon(spec.balloon.amount, spec.balloon.percent) if spec.balloon else None,
        bullet_interest=spec.bullet_interest,
        bpi=spec.bpi,
        calendar=_calendar(spec),
        business_day_rule=spec.business_day_rule,
        fees=tuple(Fee(f.name, f.amount, f.percent, f.payee, f.tax) for f in spec.fees),
        apr_includes_tax=spec.apr_includes_tax,
        actual_balance=spec.interest_on_actual_balance,
        recalculation=spec.recalculation,
        compound_overdue_interest=spec.compound_overdue_interest,
        advance_emis=spec.advance_emis,
        sanctioned=spec.sanctioned,
        tranche_repayment=spec.tranche_repayment,
    )


def _day_count(spec: ScheduleSpec) -> DayCount:
    if spec.day_count is not None:
        if spec.days_in_year is not None or spec.days_in_month is not None:
            raise SpecError(
                [("day_count", "give day_count or days_in_year/days_in_month, not both")]
            )
        return day_count(spec.day_count)
    try:
        return DayCount(
            spec.days_in_month or DaysInMonth.ACTUAL, spec.days_in_year or DaysInYear.D365
        )
    except ValueError as exc:
        raise SpecError([("days_in_month", str(exc))]) from None


def _moratorium(spec: MoratoriumSpec | None) -> Moratorium:
    if spec is None:
        return Moratorium()
    if spec.type == "principal":
        if spec.interest not in (None, MoratoriumInterest.COLLECTED):
            raise SpecError(
                [("moratorium.interest", "a principal-only moratorium collects interest")]
            )
        return Moratorium(spec.periods, MoratoriumInterest.COLLECTED)
    if spec.interest is MoratoriumInterest.COLLECTED:
        raise SpecError(
            [
                (
                    "moratorium.interest",
                    "a full moratorium cannot collect interest; use type 'principal'",
                )
            ]
        )
    return Moratorium(spec.periods, spec.interest or MoratoriumInterest.CAPITALISED)


def _calendar(spec: ScheduleSpec) -> BusinessCalendar:
    if spec.holidays is None:
        return NO_HOLIDAYS
    h = spec.holidays
    span_years = _span_years(spec)
    try:
        return business_calendar(
            country=h.country,
            subdivision=h.subdiv,
            years=range(spec.disbursement_date.year, spec.disbursement_date.year + span_years + 1),
            extra_dates=h.dates,
            weekly_off=[Weekday[day.upper()] for day in h.weekly_off],
        )
    except ValueError as exc:
        raise SpecError([("holidays", str(exc))]) from None


def _span_years(spec: ScheduleSpec) -> int:
    """Years of holiday data to load after the disbursement year: to the first due date, then
    the tenure, plus a margin (generous when a fixed installment leaves the tenure open)."""
    start = spec.first_due_date or spec.disbursement_date
    lead = start.year - spec.disbursement_date.year
    if spec.installments is None:
        return lead + 40
    per_year = Cycle(spec.frequency, spec.every).periods_per_year
    return lead + int(spec.installments / per_year) + 2
