"""Day counts: how many days a period has and how long a year is, as exact fractions.

Conventions are built from Fineract's two product settings, "days in month" (actual, or 30 by the
US or European 30/360 rule) and "days in year" (actual, 360, 364 or 365); the named conventions
(ACT/365F, ACT/360, ACT/364, 30/360 US, 30E/360, ACT/ACT ISDA) are presets of the pair.

Guarantee: `year_fraction` is exact (a `Fraction`), so interest = balance x rate x fraction is
rounded once, at the point the caller names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction


class DaysInMonth(StrEnum):
    ACTUAL = "actual"
    THIRTY_US = "30"  # 30/360 US (bond basis): day 31 -> 30, and end-day 31 -> 30 if start is 30+
    THIRTY_EU = "30e"  # 30E/360 (Eurobond basis): any day 31 -> 30


class DaysInYear(StrEnum):
    ACTUAL = "actual"  # ACT/ACT ISDA: days in leap years over 366, others over 365
    D360 = "360"
    D364 = "364"
    D365 = "365"


@dataclass(frozen=True, slots=True)
class DayCount:
    """A day-count convention: a rule for days in a period and a length of year."""

    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    days_in_year: DaysInYear = DaysInYear.D365

    def __post_init__(self) -> None:
        if self.days_in_month is not DaysInMonth.ACTUAL and self.days_in_year is DaysInYear.ACTUAL:
            raise ValueError("30-day months need a fixed year length (360, 364 or 365 days)")

    @property
    def name(self) -> str:
        for name, preset in PRESETS.items():
            if preset == self:
                return name
        return f"{self.days_in_month.value}/{self.days_in_year.value}"

    def days(self, start: date, end: date) -> int:
        """Days from `start` (included) to `end` (excluded) under the month rule."""
        if self.days_in_month is DaysInMonth.ACTUAL:
            return (end - start).days
        return _thirty_days(start, end, european=self.days_in_month is DaysInMonth.THIRTY_EU)

    def year_fraction(self, start: date, end: date) -> Fraction:
        """The exact fraction of a year from `start` to `end` (negative if `end` < `start`)."""
        if end < start:
            return -self.year_fraction(end, start)
        if self.days_in_year is DaysInYear.ACTUAL:
            return _act_act_isda(start, end)
        return Fraction(self.days(start, end), int(self.days_in_year.value))

    def year_length(self, on: date) -> int:
        """Days in the year that contains `on`, for daily-rate conventions."""
        if self.days_in_year is DaysInYear.ACTUAL:
            return 366 if _is_leap(on.year) else 365
        return int(self.days_in_year.value)


PRESETS: dict[str, DayCount] = {
    "act/365f": DayCount(DaysInMonth.ACTUAL, DaysInYear.D365),
    "act/360": DayCount(DaysInMonth.ACTUAL, DaysInYear.D360),
    "act/364": DayCount(DaysInMonth.ACTUAL, DaysInYear.D364),
    "act/act": DayCount(DaysInMonth.ACTUAL, DaysInYear.ACTUAL),
    "30/360": DayCount(DaysInMonth.THIRTY_US, DaysInYear.D360),
    "30e/360": DayCount(DaysInMonth.THIRTY_EU, DaysInYear.D360),
}
PRESET_ALIASES = {"30/360us": "30/360", "30/360eu": "30e/360", "act/act isda": "act/act"}


def day_count(name: str) -> DayCount:
    """Look up a named convention (case-insensitive); raises `KeyError` for an unknown name."""
    key = name.strip().lower()
    return PRESETS[PRESET_ALIASES.get(key, key)]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _act_act_isda(start: date, end: date) -> Fraction:
    total = Fraction(0)
    cursor = start
    while cursor < end:
        year_end = date(cursor.year + 1, 1, 1)
        stop = min(year_end, end)
        total += Fraction((stop - cursor).days, 366 if _is_leap(cursor.year) else 365)
        cursor = stop
    return total


def _thirty_days(start: date, end: date, *, european: bool) -> int:
    d1, d2 = start.day, end.day
    if european:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        if d1 == 31:
            d1 = 30
        if d2 == 31 and d1 >= 30:
            d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)
