"""Bulk schedule generation: the vectorised lane gives exactly the core's schedules."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.calendar import NO_HOLIDAYS, BusinessCalendar, BusinessDayRule, Weekday
from lms.core.daycount import day_count
from lms.core.frequency import Cycle, Frequency
from lms.core.money import Rounding, RoundingMode
from lms.core.schedule import generate_schedule
from lms.core.terms import (
    BPITreatment,
    Fee,
    FeePayee,
    InterestBasis,
    LoanTerms,
    Method,
    Moratorium,
)
from lms.core.validation import ScheduleError
from lms.servicing.bulk import LoanColumns, generate_schedules, is_fast_product

INDIA_2026 = BusinessCalendar.of(
    [Weekday.SUNDAY], [date(2026, 1, 26), date(2026, 8, 15), date(2026, 10, 2), date(2027, 1, 26)]
)

FEES = [
    (),
    (Fee("processing", percent=D("2.5"), tax_percent=D(18)),),
    (Fee("stamp", amount=D(500), payee=FeePayee.THIRD_PARTY), Fee("pf", percent=D(1))),
]

products = st.builds(
    lambda basis, frequency, every, rounding, bpi, rule, calendar, dc, due_day, fees: LoanTerms(
        D(1),
        D(1),
        date(2026, 1, 1),
        1,
        interest_basis=basis,
        cycle=Cycle(frequency, every),
        rounding=rounding,
        bpi=bpi,
        business_day_rule=rule,
        calendar=calendar,
        day_count=day_count(dc),
        due_day=due_day,
        fees=fees,
    ),
    st.sampled_from(list(InterestBasis)),
    st.sampled_from([Frequency.MONTHLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY]),
    st.sampled_from([1, 1, 2]),
    st.sampled_from(
        [
            Rounding(),
            Rounding(D(1), RoundingMode.UP),
            Rounding(D(10)),
            Rounding(D("0.01"), RoundingMode.HALF_EVEN),
        ]
    ),
    st.sampled_from([BPITreatment.NONE, BPITreatment.DEDUCT]),
    st.sampled_from(list(BusinessDayRule)),
    st.sampled_from([NO_HOLIDAYS, INDIA_2026]),
    st.sampled_from(["act/365f", "act/360", "act/364"]),
    st.sampled_from([None, None, 0, 1, 5, 15, 28, 31]),
    st.sampled_from(FEES),
)


@st.composite
def loan_columns(draw: st.DrawFn) -> LoanColumns:
    size = draw(st.integers(min_value=1, max_value=25))
    loans = st.tuples(
        st.integers(min_value=1_000_00, max_value=10_00_00_000_00).map(lambda p: D(p) / 100),
        st.integers(min_value=0, max_value=3000).map(lambda r: D(r) / 100),
        st.integers(min_value=0, max_value=800).map(lambda d: date(2025, 11, 1) + timedelta(d)),
        st.integers(min_value=1, max_value=60),
        st.none() | st.integers(min_value=1, max_value=70),
    )
    rows = draw(st.lists(loans, min_size=size, max_size=size))
    return LoanColumns(
        principal=[r[0] for r in rows],
        annual_rate=[r[1] for r in rows],
        disbursement_date=[r[2] for r in rows],
        installments=[r[3] for r in rows],
        first_due_date=[None if r[4] is None else r[2] + timedelta(r[4]) for r in rows],
    )


@settings(max_examples=150, deadline=None)
@given(products, loan_columns())
def test_every_loan_equals_the_core_schedule(product: LoanTerms, loans: LoanColumns) -> None:
    if product.due_day is not None:  # a given first due date must fall on the due day
        loans = replace(loans, first_due_date=None)
    batch = generate_schedules(product, loans)
    assert is_fast_product(product)
    for i in range(len(loans)):
        try:
            expected = generate_schedule(batch.terms(i))
        except ScheduleError:  # the batch refused the loans as a whole: it must have said so
            raise AssertionError("the core refuses a loan the batch accepted") from None
        got = batch.schedule(i)
        assert got == expected
        assert [tuple(map(str, row)) for row in got.installments] == [
            tuple(map(str, row)) for row in expected.installments
        ]
        assert (str(got.emi), str(got.bpi)) == (str(expected.emi), str(expected.bpi))
        assert tuple(map(str, batch.emi_and_bpi(i))) == (str(expected.emi), str(expected.bpi))
        units = [
            (r.number, r.due_date, *(int(v * 100) for v in r[2:])) for r in expected.installments
        ]
        assert batch.rows(i) == units


def _columns(count: int = 3) -> LoanColumns:
    return LoanColumns(
        principal=[D("250000.00"), D("1000000"), D("49999.99")][:count],
        annual_rate=[D("10.5"), D("8.65"), D("24")][:count],
        disbursement_date=[date(2026, 1, 10), date(2026, 1, 31), date(2026, 2, 28)][:count],
        installments=[36, 240, 12][:count],
    )


def test_known_emis_in_minor_units() -> None:
    batch = generate_schedules(LoanTerms(D(1), D(1), date(2026, 1, 1), 1), _columns())
    assert batch.fast_count == 3
    # 2,50,000 at 10.5 % for 36 months; 10,00,000 at 8.65 % for 240; 49,999.99 at 24 % for 12
    # (numpy_financial.pmt: 8125.6109, 8773.4027, 4727.9789)
    assert [str(batch.schedule(i).emi) for i in range(3)] == ["8125.61", "8773.40", "4727.98"]
    # interest 2,50,000 x 10.5 % / 12 = 2,187.50; principal 8,125.61 - 2,187.50 = 5,938.11
    assert batch.rows(0)[0] == (1, date(2026, 2, 10), 593811, 218750, 812561, 24406189)
    assert batch.rows(1)[0][1] == date(2026, 2, 28)  # 31 Jan + 1 month: the month's last day


def test_other_products_go_through_the_core() -> None:
    product = LoanTerms(D(1), D(1), date(2026, 1, 1), 1, method=Method.FLAT)
    assert not is_fast_product(product)
    batch = generate_schedules(product, _columns())
    assert batch.fast_count == 0
    assert batch.schedule(2) == generate_schedule(batch.terms(2))
    moratorium = LoanTerms(D(1), D(1), date(2026, 1, 1), 1, moratorium=Moratorium(2))
    assert generate_schedules(moratorium, _columns()).fast_count == 0


def test_colliding_moved_dates_and_huge_amounts_go_through_the_core() -> None:
    # first due 1 Feb, a holiday: moved back to 31 Jan, the disbursement date itself
    product = LoanTerms(
        D(1),
        D(1),
        date(2026, 1, 1),
        1,
        calendar=BusinessCalendar.of([], [date(2026, 2, 1)]),
        business_day_rule=BusinessDayRule.PRECEDING,
    )
    loans = LoanColumns(
        # the largest amount at 999.99 %: 4 x principal x rate numerator leaves int64
        principal=[D(100000), D("99999999999999.99"), D(5000)],
        annual_rate=[D(12), D("999.99"), D(12)],
        disbursement_date=[date(2026, 1, 31), date(2026, 1, 15), date(2026, 1, 15)],
        installments=[12, 12, 12],
        first_due_date=[date(2026, 2, 1), None, None],
    )
    batch = generate_schedules(product, loans)
    assert batch.fast_count == 1
    for i in range(3):
        assert batch.schedule(i) == generate_schedule(batch.terms(i))
    assert batch.schedule(0).installments[0].due_date == date(2026, 2, 2)


def test_a_first_due_date_off_the_due_day_is_refused() -> None:
    product = LoanTerms(D(1), D(1), date(2026, 1, 1), 1, due_day=5)
    loans = replace(_columns(1), first_due_date=[date(2026, 2, 6)])
    with pytest.raises(ScheduleError, match=r"loans\[0\].first_due_date: must fall on the due_day"):
        generate_schedules(product, loans)


def test_a_bad_loan_is_named() -> None:
    loans = _columns()
    bad = LoanColumns(
        principal=[loans.principal[0], D(0), D("10.001")],
        annual_rate=loans.annual_rate,
        disbursement_date=loans.disbursement_date,
        installments=loans.installments,
    )
    with pytest.raises(ScheduleError) as caught:
        generate_schedules(LoanTerms(D(1), D(1), date(2026, 1, 1), 1), bad)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("loans[1].principal", "must be greater than zero")
    ]


def test_loans_the_core_refuses_are_refused_by_the_batch() -> None:
    product = LoanTerms(
        D(1), D(1), date(2026, 1, 1), 1, fees=(Fee("pf", amount=D(500), tax_percent=D(18)),)
    )
    small = replace(_columns(1), principal=[D(400)])  # fees 500 + 90 tax exceed the principal
    with pytest.raises(ScheduleError, match=r"loans\[0\]\.fees: upfront fees and their tax"):
        generate_schedules(product, small)
    huge = replace(_columns(1), principal=[D("200000000000000.00")])
    with pytest.raises(ScheduleError, match=r"loans\[0\]\.principal: must be at most"):
        generate_schedules(LoanTerms(D(1), D(1), date(2026, 1, 1), 1), huge)


def test_odd_rates_numpy_columns_and_the_product_due_day() -> None:
    product = LoanTerms(D(1), D(1), date(2026, 1, 1), 1, due_day=5)
    loans = LoanColumns(
        principal=[D(100000), D(100000)],
        annual_rate=[D("12.0000000000000000001"), D(12)],
        disbursement_date=[date(2026, 1, 10), date(2026, 1, 10)],
        installments=[12, 12],
        first_due_date=np.array([None, None], dtype=object),
        due_day=np.array([None, 10], dtype=object),
    )
    batch = generate_schedules(product, loans)
    assert batch.fast_count == 1  # the 19-decimal rate goes through the core
    assert [batch.terms(i).due_day for i in range(2)] == [5, 10]  # None: the product's day
    for i in range(2):
        assert batch.schedule(i) == generate_schedule(batch.terms(i))
    assert batch.schedule(0).installments[0].due_date == date(2026, 3, 5)
    assert batch.schedule(1).installments[0].due_date == date(2026, 2, 10)
