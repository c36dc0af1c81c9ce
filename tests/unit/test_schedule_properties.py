"""Property tests: for any valid terms, the schedule repays the principal exactly and sanely."""

import os
from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise
from unittest.mock import patch

import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from lms.core import schedule as schedule_module
from lms.core.calendar import NO_HOLIDAYS, BusinessCalendar, BusinessDayRule, Weekday
from lms.core.frequency import Cycle, Frequency
from lms.core.money import Rounding, RoundingMode
from lms.core.schedule import Schedule, generate_schedule
from lms.core.terms import (
    Balloon,
    BPITreatment,
    InterestBasis,
    LoanTerms,
    Method,
    Moratorium,
    MoratoriumInterest,
    StepPolicy,
)
from lms.core.validation import ScheduleError, terms_problems

amounts = st.integers(min_value=1_000_00, max_value=5_00_00_000_00).map(lambda p: D(p) / 100)
rates = st.integers(min_value=0, max_value=3600).map(lambda r: D(r) / 100)
dates = st.integers(min_value=0, max_value=3000).map(lambda d: date(2024, 1, 1) + timedelta(d))
roundings = st.sampled_from(
    [
        Rounding(),
        Rounding(D(1), RoundingMode.UP),
        Rounding(D(10)),
        Rounding(D(1), RoundingMode.DOWN),
    ]
)


@st.composite
def loan_terms(draw: st.DrawFn) -> LoanTerms:
    method = draw(st.sampled_from(list(Method)))
    count = draw(st.integers(min_value=1, max_value=72))
    holiday = st.integers(min_value=0, max_value=max(0, count - 1))
    level = method is Method.EMI
    precision = draw(st.sampled_from([Rounding(), Rounding(), Rounding(D(1))]))
    terms = LoanTerms(
        principal=precision.apply(draw(amounts)),
        precision=precision,
        annual_rate=draw(rates),
        disbursement_date=draw(dates),
        installments=count,
        cycle=Cycle(draw(st.sampled_from(list(Frequency))), draw(st.integers(1, 3))),
        due_day=draw(st.none() | st.integers(0, 31)),
        method=method,
        interest_basis=draw(st.sampled_from(list(InterestBasis))),
        rounding=draw(roundings),
        moratorium=Moratorium(draw(holiday), draw(st.sampled_from(list(MoratoriumInterest)))),
        grace_principal=draw(st.sampled_from([0, 0, 1, 2])),
        grace_interest=draw(st.sampled_from([0, 0, 1, 2])),
        interest_free_periods=draw(st.sampled_from([0, 0, 1])),
        step=draw(st.none() | _steps()) if level else None,
        balloon=draw(st.none() | st.builds(Balloon, percent=st.sampled_from([D(10), D(25)])))
        if method in (Method.EMI, Method.EQUAL_PRINCIPAL)
        else None,
        bpi=draw(st.sampled_from(list(BPITreatment))),
        calendar=draw(st.sampled_from([NO_HOLIDAYS, SUNDAYS_AND_FESTIVALS])),
        business_day_rule=draw(st.sampled_from(list(BusinessDayRule))),
    )
    assume(not terms_problems(terms))
    return terms


SUNDAYS_AND_FESTIVALS = BusinessCalendar.of(
    [Weekday.SUNDAY], [date(2024, 1, 26) + timedelta(days=k * 41) for k in range(120)]
)


def _steps() -> st.SearchStrategy[StepPolicy]:
    return st.one_of(
        st.builds(StepPolicy, every=st.integers(1, 12), percent=st.sampled_from([D(5), D(-3)])),
        st.builds(StepPolicy, every=st.integers(1, 12), amount=st.sampled_from([D(100), D(-50)])),
    )


def schedule_of(terms: LoanTerms) -> Schedule:
    """The schedule, or the example is rejected when only generation can tell the terms are
    invalid (a step that would drive an installment to zero or below the interest)."""
    try:
        return generate_schedule(terms)
    except ScheduleError as error:
        assert error.problems[0].field == "step"
        reject()


def check_invariants(terms: LoanTerms, schedule: Schedule) -> None:
    rows = schedule.installments
    assert rows, "a schedule has at least one installment"
    assert sum(row.principal for row in rows) == terms.principal + schedule.capitalised_interest
    assert rows[-1].balance == 0
    assert all(row.balance >= 0 and row.principal >= 0 and row.interest >= 0 for row in rows)
    assert all(row.total == row.principal + row.interest for row in rows)
    assert all(a.due_date < b.due_date for a, b in pairwise(rows))
    assert rows[0].due_date > terms.disbursement_date
    deducted = schedule.bpi if terms.bpi is BPITreatment.DEDUCT else 0
    assert sum(row.total for row in rows) + deducted == schedule.total_payable
    assert schedule.total_payable == terms.principal + schedule.total_interest


@settings(max_examples=int(os.environ.get("LMS_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(loan_terms())
def test_any_valid_terms_repay_the_principal_exactly(terms: LoanTerms) -> None:
    schedule = schedule_of(terms)
    check_invariants(terms, schedule)
    assert generate_schedule(terms) == schedule  # same terms, same schedule


@settings(max_examples=150, deadline=None)
@given(
    principal=amounts,
    rate=rates,
    start=dates,
    installment_share=st.integers(min_value=2, max_value=60),
)
def test_fixed_installment_gives_the_count(
    principal: D, rate: D, start: date, installment_share: int
) -> None:
    # more than the first month's interest, so the loan amortizes
    fixed = (principal / installment_share + principal * rate / 1200 + 1).quantize(D(1))
    terms = LoanTerms(principal, rate, start, installments=None, fixed_installment=fixed)
    schedule = generate_schedule(terms)
    check_invariants(terms, schedule)
    rows = schedule.installments
    assert all(row.total == fixed for row in rows[:-1])
    assert 0 < rows[-1].total <= fixed


def test_fixed_installment_below_the_interest_is_refused() -> None:
    terms = LoanTerms(D(1000), D(24), date(2024, 1, 1), installments=None, fixed_installment=D(20))
    with pytest.raises(ScheduleError, match="fixed_installment: too small"):
        generate_schedule(terms)


def _general_pay(self, start, dates, factors):  # type: ignore[no-untyped-def]
    """Route every installment through the general `_row` path."""
    return any(
        self._row(start + i, due, f) for i, (due, f) in enumerate(zip(dates, factors, strict=True))
    )


@settings(max_examples=150, deadline=None)
@given(loan_terms())
def test_hot_path_equals_the_general_path(terms: LoanTerms) -> None:
    fast = schedule_of(terms)
    with patch.object(schedule_module._Walk, "_pay", _general_pay):
        slow = generate_schedule(terms)
    assert slow == fast
