"""A loan's days past due at every day-end of a stretch of days, from one walk of its replay
per set of reversals known.

The classification has a memory (an NPA is upgraded only when nothing is overdue), so to
classify a date one needs the DPD of every day before it. Replaying every day is exact but slow
for a long loan; this is exact and walks the replay once (once more for each day a reversal
becomes known, from which the reversed payment is void from its value date): a replay walks
only the days with an event or an installment falling due, and which events count depends only
on their dates (value dates, reversals' known dates, charge days...); so between one such day
and the next the replayed book is the same, and DPD either stays 0 or grows by one a day
(`lms.core.replay.dpd_marks`).

Guarantee: pure; `dpd_by_day(...)` yields `(day, replay(rows, events, day, waterfall,
terms).dpd)` for each day from `first` to `last`, in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from lms.core.allocation import STANDARD, Waterfall
from lms.core.events import Event
from lms.core.replay import dpd_marks
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
    marks = dpd_marks(rows, events, first, last, waterfall, terms)
    for n, (mark, dpd) in enumerate(marks):
        until = marks[n + 1][0] if n + 1 < len(marks) else last + timedelta(days=1)
        for k in range((until - mark).days):
            yield mark + timedelta(days=k), dpd + k if dpd else 0
