"""Business-day rules and due-date generation."""

from datetime import date

import pytest

from lms.core.calendar import BusinessCalendar, BusinessDayRule, Weekday
from lms.core.frequency import LAST_DAY, Cycle, Frequency, add_months, first_cycle_date_after

# 2026-05-31 is a Sunday; 2026-06-01 a Monday; 2026-05-30 a Saturday.
SUNDAYS_AND_JUNE_1 = BusinessCalendar.of([Weekday.SUNDAY], [date(2026, 6, 1)])


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (BusinessDayRule.UNCHANGED, date(2026, 5, 31)),
        (BusinessDayRule.FOLLOWING, date(2026, 6, 2)),
        (BusinessDayRule.PRECEDING, date(2026, 5, 30)),
        (BusinessDayRule.MODIFIED_FOLLOWING, date(2026, 5, 30)),
    ],
)
def test_adjust_month_end_sunday(rule: BusinessDayRule, expected: date) -> None:
    assert SUNDAYS_AND_JUNE_1.adjust(date(2026, 5, 31), rule) == expected


def test_modified_following_stays_following_inside_the_month() -> None:
    cal = BusinessCalendar.of([Weekday.SATURDAY, Weekday.SUNDAY])
    assert cal.adjust(date(2026, 11, 14), BusinessDayRule.MODIFIED_FOLLOWING) == date(2026, 11, 16)
    assert cal.adjust(date(2026, 11, 16), BusinessDayRule.FOLLOWING) == date(2026, 11, 16)


def test_calendar_needs_a_working_day() -> None:
    with pytest.raises(ValueError, match="working weekday"):
        BusinessCalendar.of(list(Weekday))


def test_month_arithmetic_does_not_drift() -> None:
    cycle = Cycle(Frequency.MONTHLY)
    anchor = date(2026, 1, 31)
    assert [cycle.add(anchor, k) for k in range(4)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert cycle.dates(anchor, 0, 4) == [cycle.add(anchor, k) for k in range(4)]
    assert cycle.add(date(2028, 1, 30), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 15), 1, LAST_DAY) == date(2026, 2, 28)
    assert cycle.add(date(2026, 3, 31), -1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("frequency", "every", "expected"),
    [
        (Frequency.DAILY, 10, [date(2026, 1, 10), date(2026, 1, 20), date(2026, 1, 30)]),
        (Frequency.WEEKLY, 1, [date(2026, 1, 10), date(2026, 1, 17), date(2026, 1, 24)]),
        (Frequency.FORTNIGHTLY, 1, [date(2026, 1, 10), date(2026, 1, 24), date(2026, 2, 7)]),
        (Frequency.SEMI_MONTHLY, 1, [date(2026, 1, 10), date(2026, 1, 25), date(2026, 2, 10)]),
        (Frequency.MONTHLY, 2, [date(2026, 1, 10), date(2026, 3, 10), date(2026, 5, 10)]),
        (Frequency.QUARTERLY, 1, [date(2026, 1, 10), date(2026, 4, 10), date(2026, 7, 10)]),
        (Frequency.HALF_YEARLY, 1, [date(2026, 1, 10), date(2026, 7, 10), date(2027, 1, 10)]),
        (Frequency.YEARLY, 1, [date(2026, 1, 10), date(2027, 1, 10), date(2028, 1, 10)]),
    ],
)
def test_frequencies(frequency: Frequency, every: int, expected: list[date]) -> None:
    cycle = Cycle(frequency, every)
    assert [cycle.add(date(2026, 1, 10), k) for k in range(3)] == expected
    assert cycle.dates(date(2026, 1, 10), 0, 3) == expected


def test_semi_monthly_from_the_second_half() -> None:
    cycle = Cycle(Frequency.SEMI_MONTHLY)
    assert [cycle.add(date(2026, 1, 20), k) for k in range(-1, 3)] == [
        date(2026, 1, 5),
        date(2026, 1, 20),
        date(2026, 2, 5),
        date(2026, 2, 20),
    ]


def test_first_cycle_date_is_a_full_period_away() -> None:
    monthly = Cycle(Frequency.MONTHLY)
    assert first_cycle_date_after(date(2026, 1, 10), monthly, 5) == date(2026, 3, 5)
    assert first_cycle_date_after(date(2026, 1, 10), monthly, 10) == date(2026, 2, 10)
    assert first_cycle_date_after(date(2026, 1, 10), monthly, 15) == date(2026, 2, 15)
    assert first_cycle_date_after(date(2026, 1, 31), monthly, LAST_DAY) == date(2026, 2, 28)
