"""Business-day calendars: weekly off-days, holiday lists, and the rule that moves a due date.

Holidays enter as data (a frozenset of dates): the caller builds it from the `holidays` package
(India and its states) plus lender-defined dates. The core never looks anything up.

Guarantee: `adjust` returns a business day for every rule but `UNCHANGED`, and never moves a date
by more than the calendar requires; a calendar with every weekday off is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum, StrEnum


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class BusinessDayRule(StrEnum):
    """What happens to a due date that falls on a non-business day."""

    UNCHANGED = "unchanged"
    FOLLOWING = "following"  # next business day
    PRECEDING = "preceding"  # previous business day
    MODIFIED_FOLLOWING = "modified_following"  # next, unless that leaves the month: then previous


_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekly off-days plus dated holidays."""

    weekly_off: frozenset[Weekday] = frozenset()
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.weekly_off) >= 7:
            raise ValueError("a calendar needs at least one working weekday")

    @classmethod
    def of(
        cls, weekly_off: Iterable[Weekday] = (), holidays: Iterable[date] = ()
    ) -> BusinessCalendar:
        return cls(frozenset(weekly_off), frozenset(holidays))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekly_off and day not in self.holidays

    def adjust(self, day: date, rule: BusinessDayRule) -> date:
        """Move `day` to a business day by `rule`."""
        if rule is BusinessDayRule.UNCHANGED or self.is_business_day(day):
            return day
        if rule is BusinessDayRule.FOLLOWING:
            return self._step(day, _ONE_DAY)
        if rule is BusinessDayRule.PRECEDING:
            return self._step(day, -_ONE_DAY)
        moved = self._step(day, _ONE_DAY)
        return moved if moved.month == day.month else self._step(day, -_ONE_DAY)

    def _step(self, day: date, delta: timedelta) -> date:
        cursor = day + delta
        while not self.is_business_day(cursor):
            cursor += delta
        return cursor


NO_HOLIDAYS = BusinessCalendar()
