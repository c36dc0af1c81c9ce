"""Day counts against published worked examples (ISDA 2006 section 4.16, bond-basis tables)."""

from datetime import date
from fractions import Fraction

import pytest

from lms.core.daycount import DayCount, DaysInMonth, DaysInYear, day_count

CASES = [
    # convention, start, end, expected fraction (worked by hand)
    ("act/365f", date(2026, 1, 10), date(2026, 2, 10), Fraction(31, 365)),
    ("act/365f", date(2028, 2, 10), date(2028, 3, 10), Fraction(29, 365)),
    ("act/360", date(2026, 1, 10), date(2026, 2, 10), Fraction(31, 360)),
    ("act/364", date(2026, 1, 10), date(2026, 2, 10), Fraction(31, 364)),
    # ISDA ACT/ACT example: 2003-11-01 to 2004-05-01 = 61/365 + 121/366
    ("act/act", date(2003, 11, 1), date(2004, 5, 1), Fraction(61, 365) + Fraction(121, 366)),
    ("act/act", date(2027, 12, 15), date(2028, 1, 15), Fraction(17, 365) + Fraction(14, 366)),
    # 30/360 US: day 31 -> 30; end 31 -> 30 only when start is 30 or 31
    ("30/360", date(2007, 1, 31), date(2007, 2, 28), Fraction(28, 360)),
    ("30/360", date(2007, 2, 28), date(2007, 3, 31), Fraction(33, 360)),
    ("30/360", date(2007, 3, 30), date(2007, 4, 30), Fraction(30, 360)),
    ("30/360", date(2007, 3, 31), date(2007, 4, 30), Fraction(30, 360)),
    ("30/360", date(2007, 1, 15), date(2008, 1, 31), Fraction(376, 360)),
    # 30E/360: every 31 -> 30
    ("30e/360", date(2007, 2, 28), date(2007, 3, 31), Fraction(32, 360)),
    ("30e/360", date(2007, 1, 15), date(2008, 1, 31), Fraction(375, 360)),
]


@pytest.mark.parametrize(("name", "start", "end", "expected"), CASES)
def test_year_fraction(name: str, start: date, end: date, expected: Fraction) -> None:
    assert day_count(name).year_fraction(start, end) == expected
    assert day_count(name).year_fraction(end, start) == -expected


def test_fineract_settings_map_to_presets() -> None:
    assert DayCount(DaysInMonth.ACTUAL, DaysInYear.D365) == day_count("ACT/365F")
    assert DayCount(DaysInMonth.THIRTY_US, DaysInYear.D360).name == "30/360"
    assert DayCount(DaysInMonth.THIRTY_US, DaysInYear.D365).year_fraction(
        date(2026, 1, 10), date(2026, 2, 10)
    ) == Fraction(30, 365)
    assert day_count("30/360us") == day_count("30/360")


def test_thirty_day_months_need_a_fixed_year() -> None:
    with pytest.raises(ValueError, match="fixed year"):
        DayCount(DaysInMonth.THIRTY_EU, DaysInYear.ACTUAL)


def test_unknown_preset() -> None:
    with pytest.raises(KeyError):
        day_count("act/999")
