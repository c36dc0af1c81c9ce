"""A loan's days past due at every day-end of a stretch of days, from a few replays.

The classification has a memory (an NPA is upgraded only when nothing is overdue), so to
classify a date one needs the DPD of every day before it. Replaying every day is exact but slow
for a long loan; this is exact and replays only where DPD may change otherwise than by counting
on. A replay walks only the days with an event or an installment falling due, and which events
count depends only on their dates (value dates, reversals' known dates, charge days...); so
between one such day and the next the replayed book is the same, and DPD either stays 0 or
grows by one a day.

Guarantee: pure; `dpd_by_day(...)` yields `(day, replay(rows, events, day, waterfall,
terms).dpd)` for each day from `first` to `last`, in order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import date, timedelta

from lms.core.allocation import STANDARD, Waterfall
from lms.core.book import LoanState
from lms.core.events import Event
from lms.core.replay import replay
from lms.core.rows import Installment
from lms.core.terms import LoanTerms


def dpd_by_day(
    rows: Sequence[Installment],
    events: Sequence[Event],
    first: date,
    last: date,
    waterfall: Waterfall = STANDARD,
    terms: LoanTerms | None = None,
) -> Iterator[tuple[date, int]]:
    """The DPD at the day-end of each day from `first` to `last` (see the module's guarantee)."""
    marks = sorted({value for event in events for value in _dates(event)})
    day = first
    while day <= last:
        state = replay(rows, events, day, waterfall, terms)
        stop = min(_next_mark(marks, state, day), last + timedelta(days=1))
        for n in range((stop - day).days):
            yield day + timedelta(days=n), state.dpd + n if state.dpd else 0
        day = stop


def _next_mark(marks: list[date], state: LoanState, day: date) -> date:
    """The first day after `day` on which an event is dated or an installment falls due."""
    later = [i.due_date for i in state.installments if i.due_date > day]
    index = bisect_right(marks, day)
    if index < len(marks):
        later.append(marks[index])
    return min(later, default=date.max)


def _dates(event: Event) -> list[date]:
    """Every date an event carries (any of them may decide whether a replay counts it)."""
    values = (getattr(event, f.name) for f in fields(event))
    return [value for value in values if isinstance(value, date)]
