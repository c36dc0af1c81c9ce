"""Rules found by review: each pinned with exact values worked by hand."""

from datetime import date
from decimal import Decimal as D

import pytest

from lms.core.calendar import BusinessCalendar, BusinessDayRule, Weekday
from lms.core.frequency import Cycle, Frequency
from lms.core.money import Rounding, RoundingMode
from lms.core.schedule import generate_schedule
from lms.core.terms import (
    BPITreatment,
    BulletInterest,
    Fee,
    InterestBasis,
    LoanTerms,
    Method,
    Moratorium,
    MoratoriumInterest,
    StepPolicy,
)
from lms.core.validation import ScheduleError


def test_bullet_paid_at_maturity_keeps_its_broken_period_interest() -> None:
    # disbursed 10 Jan, cycle day 5: BPI 10 Jan - 5 Feb = 26 days = 100000 x 12 % x 26/365
    for treatment in (BPITreatment.FIRST, BPITreatment.SPREAD, BPITreatment.LAST):
        schedule = generate_schedule(
            LoanTerms(
                D(100000),
                D(12),
                date(2026, 1, 10),
                6,
                due_day=5,
                method=Method.BULLET,
                bullet_interest=BulletInterest.END,
                bpi=treatment,
            )
        )
        (only,) = schedule.installments
        # six full months at 1 % = 6000.00, plus the BPI 854.79
        assert (only.due_date, only.interest, only.total) == (
            date(2026, 8, 5),
            D("6854.79"),
            D("106854.79"),
        )
        assert schedule.total_interest == D("6854.79")


def test_semi_monthly_from_the_31st_falls_on_the_16th_and_month_end() -> None:
    terms = LoanTerms(D(12000), D(12), date(2026, 1, 31), 4, cycle=Cycle(Frequency.SEMI_MONTHLY))
    dates = [row.due_date for row in generate_schedule(terms).installments]
    assert dates == [date(2026, 2, 16), date(2026, 2, 28), date(2026, 3, 16), date(2026, 3, 31)]
    # 31 Jan - 16 Feb is a full half-month: periodic interest 12000 x 12 % / 24 = 60.00
    assert generate_schedule(terms).installments[0].interest == D("60.00")


def test_steps_that_drive_installments_to_zero_or_below_interest_are_refused() -> None:
    base = LoanTerms(D(100000), D(12), date(2026, 1, 10), 12)
    with pytest.raises(ScheduleError, match="step: an installment would fall to zero"):
        generate_schedule(
            LoanTerms(**{**_fields(base), "step": StepPolicy(every=2, amount=D(-5000))})
        )
    with pytest.raises(ScheduleError, match=r"step: the first installment .* not cover"):
        generate_schedule(
            LoanTerms(**{**_fields(base), "step": StepPolicy(every=1, percent=D(60))})
        )
    with pytest.raises(ScheduleError, match=r"step\.percent: must be greater than -100"):
        generate_schedule(
            LoanTerms(**{**_fields(base), "step": StepPolicy(every=1, percent=D(-100))})
        )


def test_fees_must_leave_something_to_disburse() -> None:
    fee = Fee("processing", percent=D(85), tax_percent=D(18))  # 85000 + 15300 tax
    with pytest.raises(ScheduleError, match="fees: upfront fees and their tax must be less"):
        generate_schedule(LoanTerms(D(100000), D(12), date(2026, 1, 10), 12, fees=(fee,)))


def test_equal_principal_part_rounded_to_a_thousand_keeps_paisa_places() -> None:
    terms = LoanTerms(
        D(100000),
        D(12),
        date(2026, 1, 10),
        6,
        method=Method.EQUAL_PRINCIPAL,
        rounding=Rounding(D(1000)),
    )
    rows = generate_schedule(terms).installments
    assert [str(row.principal) for row in rows] == [
        "17000.00",
        "17000.00",
        "17000.00",
        "17000.00",
        "17000.00",
        "15000.00",
    ]


def _fields(terms: LoanTerms) -> dict[str, object]:
    return {name: getattr(terms, name) for name in LoanTerms.__dataclass_fields__}


def test_an_early_single_row_is_timed_at_its_own_due_date_for_the_apr() -> None:
    # an EMI rounded up to 100 repays 100 at once; 98 out (fee 2), 100 back a month later:
    # (100 / 98 - 1) x 12 = 24.49 %
    terms = LoanTerms(
        D(100),
        D(0),
        date(2024, 1, 15),
        12,
        rounding=Rounding(D(100), RoundingMode.UP),
        fees=(Fee("pf", amount=D(2)),),
    )
    schedule = generate_schedule(terms)
    assert [(r.due_date, r.total) for r in schedule.installments] == [
        (date(2024, 2, 15), D("100.00"))
    ]
    assert (schedule.net_disbursed, schedule.apr) == (D("98.00"), D("24.49"))


def test_a_holiday_moving_the_first_date_back_never_gives_negative_interest() -> None:
    terms = LoanTerms(
        D(100000),
        D(12),
        date(2024, 3, 1),
        5,
        first_due_date=date(2024, 3, 10),  # a Sunday: moved back to Friday 8 March
        cycle=Cycle(Frequency.DAILY),
        interest_basis=InterestBasis.ACTUAL_DAYS,
        bpi=BPITreatment.DEDUCT,
        calendar=BusinessCalendar.of([Weekday.SATURDAY, Weekday.SUNDAY]),
        business_day_rule=BusinessDayRule.PRECEDING,
    )
    schedule = generate_schedule(terms)
    assert schedule.bpi == D("230.14")  # 1 - 8 March, 7 days: 100000 x 12 % x 7 / 365
    first = schedule.installments[0]
    assert (first.due_date, first.interest) == (date(2024, 3, 8), D("0.00"))
    assert min(row.interest for row in schedule.installments) >= 0


def test_interest_free_periods_win_over_a_bullet_at_maturity_and_a_moratorium() -> None:
    bullet = LoanTerms(
        D(100000),
        D(12),
        date(2024, 1, 15),
        6,
        method=Method.BULLET,
        bullet_interest=BulletInterest.END,
        interest_free_periods=3,
    )
    assert generate_schedule(bullet).installments[0].interest == D("3000.00")  # 3 x 1000
    deferred = LoanTerms(
        D(100000),
        D(12),
        date(2024, 1, 15),
        8,
        moratorium=Moratorium(3, MoratoriumInterest.FIRST_INSTALLMENT),
        interest_free_periods=2,
    )
    # installments 1-2 free, 3's interest deferred to 4: 4 pays 1000 + 1000
    assert generate_schedule(deferred).installments[3].interest == D("2000.00")


def test_rounding_the_installment_to_zero_and_dates_past_9999_are_refused() -> None:
    with pytest.raises(ScheduleError, match=r"rounding\.step: rounds the installment to zero"):
        generate_schedule(
            LoanTerms(D(100), D(12), date(2024, 1, 15), 3, rounding=Rounding(D(1000)))
        )
    with pytest.raises(ScheduleError, match="installments: a due date would fall after"):
        generate_schedule(
            LoanTerms(D(100), D(12), date(2024, 1, 15), 1200, cycle=Cycle(Frequency.YEARLY, 10))
        )
