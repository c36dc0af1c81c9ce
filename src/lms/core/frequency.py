"""Repayment frequencies and due-date generation.

Due dates are computed from an anchor (the first due date) by adding k periods to the anchor, not
by chaining from the previous date, so a cycle date of the 31st never drifts to the 28th after
February. A fixed cycle day (`due_day`, 1-31 or the last day) is clamped to the month's length.

Guarantee: `due_date(k)` is a pure function of (frequency, every, anchor, due_day, k); dates are
strictly increasing in k.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

LAST_DAY = 0  # `due_day` value meaning "the last day of the month"


class DateRangeError(ValueError):
    """A due date would fall outside the calendar (after 31 December 9999)."""


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    SEMI_MONTHLY = "semi_monthly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


# (unit, length): unit "d" counts days, "m" counts months; semi-monthly is its own unit.
_STEP: dict[Frequency, tuple[str, int]] = {
    Frequency.DAILY: ("d", 1),
    Frequency.WEEKLY: ("d", 7),
    Frequency.FORTNIGHTLY: ("d", 14),
    Frequency.SEMI_MONTHLY: ("s", 1),
    Frequency.MONTHLY: ("m", 1),
    Frequency.QUARTERLY: ("m", 3),
    Frequency.HALF_YEARLY: ("m", 6),
    Frequency.YEARLY: ("m", 12),
}

# Periods per year of one step; the periodic rate is annual rate / this (divided again by `every`).
_PERIODS_PER_YEAR: dict[Frequency, int] = {
    Frequency.DAILY: 365,
    Frequency.WEEKLY: 52,
    Frequency.FORTNIGHTLY: 26,
    Frequency.SEMI_MONTHLY: 24,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.HALF_YEARLY: 2,
    Frequency.YEARLY: 1,
}


@dataclass(frozen=True, slots=True)
class Cycle:
    """A repayment cycle: `every` steps of `frequency`, e.g. every 2 months, every 10 days."""

    frequency: Frequency = Frequency.MONTHLY
    every: int = 1

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError("every must be at least 1")

    @property
    def is_month_based(self) -> bool:
        """Monthly, quarterly, half-yearly or yearly: the cycles a due day of month applies to."""
        return _STEP[self.frequency][0] == "m"

    @property
    def periods_per_year(self) -> Fraction:
        """Regular periods in a year (52 weeks, 12 months, 365/N for every N days)."""
        return _periods_per_year(self.frequency, self.every)

    def dates(self, anchor: date, start: int, stop: int, due_day: int | None = None) -> list[date]:
        """`add(anchor, k, due_day)` for k in range(start, stop), computed in one pass."""
        unit, length = _STEP[self.frequency]
        if unit != "m":
            return [self.add(anchor, k, due_day) for k in range(start, stop)]
        day = due_day if due_day is not None else anchor.day
        step = length * self.every
        base = anchor.year * 12 + anchor.month - 1
        out = []
        if not 1 <= (base + step * max(stop - 1, start)) // 12 <= 9999:
            raise DateRangeError("a due date would fall after the year 9999")
        for k in range(start, stop):
            year, month = divmod(base + step * k, 12)
            last = _MONTH_DAYS[month]
            if month == 1 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
                last = 29
            out.append(date(year, month + 1, last if day == LAST_DAY or day > last else day))
        return out

    def add(self, anchor: date, k: int, due_day: int | None = None) -> date:
        """The date k periods after `anchor` (k may be negative), on `due_day` if given."""
        unit, length = _STEP[self.frequency]
        if unit == "d":
            try:
                return anchor + timedelta(days=length * self.every * k)
            except OverflowError:
                raise DateRangeError("a due date would fall after the year 9999") from None
        if unit == "s":
            return _semi_monthly(anchor, k * self.every, due_day or anchor.day)
        return add_months(
            anchor, length * self.every * k, due_day if due_day is not None else anchor.day
        )


@lru_cache(maxsize=64)
def _periods_per_year(frequency: Frequency, every: int) -> Fraction:
    return Fraction(_PERIODS_PER_YEAR[frequency], every)


def add_months(anchor: date, months: int, day: int) -> date:
    """`anchor` moved by `months`, on `day` (LAST_DAY or a day clamped to the month's length)."""
    year, month = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise DateRangeError("a due date would fall after the year 9999")
    last = _MONTH_DAYS[month]
    if month == 1 and calendar.isleap(year):
        last = 29
    return date(year, month + 1, last if day == LAST_DAY or day > last else day)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _semi_monthly(anchor: date, k: int, day: int) -> date:
    # Two dates a month, 15 days apart: day d and d+15 (or d-15 and d when d > 15), the later
    # clamped to the month's end (a cycle on the 31st gives the 16th and the month's last day).
    first_day = day if day <= 15 else day - 15
    second = anchor.day != first_day  # the anchor is the month's later date
    slot = k + (1 if second else 0)
    months, half = divmod(slot, 2)
    return add_months(anchor, months, first_day + 15 * half)


def first_cycle_date_after(start: date, cycle: Cycle, due_day: int) -> date:
    """The first date on cycle day `due_day` that is at least one full period after `start`."""
    earliest = cycle.add(start, 1)
    candidate = add_months(start, 0, due_day)
    while candidate < earliest:
        candidate = add_months(candidate, 1, due_day)
    return candidate
