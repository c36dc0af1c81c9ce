"""Due dates of schedules: cycle days, month ends, holidays that would make dates collide."""

from datetime import date
from decimal import Decimal as D

from lms.core.calendar import BusinessCalendar, BusinessDayRule, Weekday
from lms.core.frequency import LAST_DAY, Cycle, Frequency
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms


def _dates(terms: LoanTerms) -> list[date]:
    return [row.due_date for row in generate_schedule(terms).installments]


def test_a_loan_disbursed_on_the_31st_falls_due_at_each_month_end() -> None:
    terms = LoanTerms(D(100000), D(12), date(2026, 1, 31), 4)
    schedule = generate_schedule(terms)
    assert _dates(terms) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    # 31 Jan - 28 Feb is the full month: periodic interest, 100000 x 1 %
    assert schedule.installments[0].interest == D("1000.00")


def test_a_given_first_due_date_sets_the_cycle_day() -> None:
    terms = LoanTerms(D(100000), D(12), date(2026, 1, 31), 3, first_due_date=date(2026, 2, 28))
    assert _dates(terms) == [date(2026, 2, 28), date(2026, 3, 28), date(2026, 4, 28)]
    # 28 Jan - 28 Feb is the full period; 31 Jan - 28 Feb is 28 days of it, on actual days
    assert generate_schedule(terms).installments[0].interest == D(
        "920.55"
    )  # 100000 x 12 % x 28/365


def test_due_day_last_and_clamped_days() -> None:
    last = LoanTerms(D(100000), D(12), date(2026, 1, 10), 3, due_day=LAST_DAY)
    assert _dates(last) == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    thirtieth = LoanTerms(D(100000), D(12), date(2026, 1, 10), 3, due_day=30)
    assert _dates(thirtieth) == [date(2026, 2, 28), date(2026, 3, 30), date(2026, 4, 30)]


def test_weekly_loan_around_holidays_keeps_dates_increasing() -> None:
    # weekly on Saturdays; Sunday off and the Saturday 2026-01-24 a holiday, rule: preceding
    calendar = BusinessCalendar.of([Weekday.SUNDAY], [date(2026, 1, 24), date(2026, 1, 23)])
    terms = LoanTerms(
        D(10000),
        D(24),
        date(2026, 1, 10),
        4,
        cycle=Cycle(Frequency.WEEKLY),
        calendar=calendar,
        business_day_rule=BusinessDayRule.PRECEDING,
    )
    assert _dates(terms) == [
        date(2026, 1, 17),
        date(2026, 1, 22),
        date(2026, 1, 31),
        date(2026, 2, 7),
    ]


def test_daily_loan_moves_forward_past_a_sunday() -> None:
    calendar = BusinessCalendar.of([Weekday.SUNDAY])
    terms = LoanTerms(
        D(5000),
        D(26),
        date(2026, 1, 15),  # Thursday
        4,
        cycle=Cycle(Frequency.DAILY),
        calendar=calendar,
        business_day_rule=BusinessDayRule.FOLLOWING,
    )
    # 16 Fri, 17 Sat, 18 Sun -> Mon 19, and 19 (already taken) -> Tue 20
    assert _dates(terms) == [
        date(2026, 1, 16),
        date(2026, 1, 17),
        date(2026, 1, 19),
        date(2026, 1, 20),
    ]
