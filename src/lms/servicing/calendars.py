"""Holiday calendars from the `holidays` package (India and its states) plus lender dates.

This is where holiday data enters: it is turned into a `BusinessCalendar` (plain data) before it
reaches the pure core. Guarantee: the same country, state, years and extra dates always give the
same calendar; an unknown country or state raises `ValueError` naming it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date

import holidays

from lms.core.calendar import BusinessCalendar, Weekday


def public_holidays(country: str, subdivision: str | None, years: Iterable[int]) -> set[date]:
    """Public holidays of `country` (ISO code, e.g. IN) and optional state (e.g. MH)."""
    try:
        with warnings.catch_warnings():
            # The package warns when asked for years beyond its lunar-calendar tables (India:
            # after 2035); it still gives fixed-date and rule-based holidays for those years, and
            # the lender's own dates fill the rest (docs/schedule-spec.md).
            warnings.simplefilter("ignore", UserWarning)
            table = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
    except NotImplementedError as exc:  # the package's word for an unknown country or state
        raise ValueError(str(exc)) from None
    return set(table.keys())


def business_calendar(
    *,
    country: str | None,
    subdivision: str | None,
    years: Iterable[int],
    extra_dates: Iterable[date] = (),
    weekly_off: Iterable[Weekday] = (),
) -> BusinessCalendar:
    """A calendar of the country's (and state's) holidays, the lender's dates and weekly offs."""
    dates = set(extra_dates)
    if country:
        dates |= public_holidays(country, subdivision, years)
    return BusinessCalendar.of(weekly_off, dates)
