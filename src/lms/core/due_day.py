"""Changing the day of the month a loan's installments fall on, or how often they fall (a
restructure's `due_day` and `frequency`).

From the restructure's day, the installments not yet due move to the new day: the first to the
first such date after the day, the others one period (the new one, if it changes) after another
(monthly, quarterly, half-yearly or yearly loans; a loan paid by days or weeks keeps its
dates; a new frequency needs the new number of installments or EMI, as its periodic rate
differs). The loan's terms
take the new day and a first due date from which the timeline gives exactly those dates
(holiday moves included), so later revisions and installments beyond the schedule's last
find them the same way. The installment running on the day covers the changed period (shorter
or longer than a period): its interest runs by the day count from the due date before it to
its new date, on the balance before the restructure until the day and on the new balance
after (the revision marks the period broken).

Guarantees: pure; installments due on or before the day keep their dates; the moved
installments keep their numbers and stay in order after the day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from lms.core.frequency import Cycle, Frequency, add_months
from lms.core.interest import Rates
from lms.core.periods import build_timeline
from lms.core.revision import RevisionError

if TYPE_CHECKING:
    from lms.core.book import Book

MONTHLY_KINDS = frozenset(
    {Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.HALF_YEARLY, Frequency.YEARLY}
)


def first_on(day: date, due_day: int) -> date:
    """The first date on `due_day` (LAST_DAY: the month's end) strictly after `day`."""
    candidate = add_months(day, 0, due_day)
    return candidate if candidate > day else add_months(day, 1, due_day)


def move_due_day(
    book: Book, day: date, due_day: int | None, frequency: Frequency | None = None
) -> None:
    """Move the installments due after `day` to `due_day` (None: the day they fall on now)
    and, with `frequency`, one such period apart (RevisionError if they cannot)."""
    terms, rate = book.terms, book.rate
    if terms is None or rate is None:
        raise RevisionError("changing the due day needs the loan's terms")
    if terms.cycle.frequency not in MONTHLY_KINDS or (
        frequency is not None and frequency not in MONTHLY_KINDS
    ):
        raise RevisionError("the due day changes only for monthly, quarterly or yearly loans")
    cycle = terms.cycle if frequency is None else Cycle(frequency)
    if due_day is None:
        due_day = build_timeline(terms).cycle_day or day.day
    kept = [r for r in book.rows if r.due_date <= day]
    future = [r for r in book.rows if r.due_date > day]
    index = future[0].number - 1 if future else (kept[-1].number if kept else 0)
    first = first_on(day, due_day)
    moved = replace(
        terms, cycle=cycle, due_day=due_day, first_due_date=cycle.add(first, -index, due_day)
    )
    timeline = build_timeline(moved)
    dates = timeline.due_dates(index, index + len(future))
    if dates and dates[0] <= day:  # a holiday moved the first back onto or before the day
        raise RevisionError(f"the first installment on day {due_day} would fall by {day}")
    if future:
        before = sum((r.principal for r in future), Decimal(0))
        start = kept[-1].due_date if kept else timeline.first_period_start
        interest = Rates.of(replace(terms, annual_rate=rate)).interest_between(
            before, start, dates[0]
        )
        charged = terms.precision.apply(interest)
        running = future[0]._replace(
            due_date=dates[0], interest=charged, total=future[0].principal + charged
        )
        later = zip(future[1:], dates[1:], strict=True)
        future = [running, *(r._replace(due_date=d) for r, d in later)]
    book.terms = moved
    book.set_rows((*kept, *future))
