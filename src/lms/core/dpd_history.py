"""A loan's days past due at every day-end of a stretch of days, from one walk of its replay
per set of reversals known.

The classification has a memory (an NPA is upgraded only when nothing is overdue), so to
classify a date one needs the DPD of every day before it. Replaying every day is exact but slow
for a long loan; this is exact and walks the replay once (once more for each day a reversal
becomes known, from which the reversed payment is void from its value date): a replay walks
only the days with an event or an installment falling due, and which events count depends only
on their dates (value dates, reversals' known dates, charge days...); so between one such day
and the next the replayed book is the same, and DPD either stays 0 or grows by one a day
(`dpd_marks`).

Guarantee: pure; `dpd_by_day(...)` yields `(day, replay(rows, events, day, waterfall,
terms).dpd)` for each day from `first` to `last`, in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from lms.core.allocation import STANDARD, Component, Waterfall
from lms.core.book import Book
from lms.core.events import Event, Reversal
from lms.core.money import ZERO
from lms.core.replay import Walk
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


def dpd_marks(
    rows: Sequence[Installment],
    events: Sequence[Event],
    first: date,
    last: date,
    waterfall: Waterfall = STANDARD,
    terms: LoanTerms | None = None,
) -> list[tuple[date, int]]:
    """(day, DPD at its day-end, as `replay(..., day)` has it) for `first` and each later day
    through `last` on which DPD may do other than count on: an event's day, a due date, a
    reversal becoming known. Between two marks DPD stays 0 or grows by one a day. One walk per
    set of reversals known."""
    known = sorted({e.known_on for e in events if isinstance(e, Reversal)})
    starts = [first, *(k for k in known if first < k <= last)]
    marks: list[tuple[date, int]] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - timedelta(days=1) if n + 1 < len(starts) else last
        marks += _marks(Walk(rows, events, end, waterfall, terms), start)
    return marks


def _marks(walk: Walk, start: date) -> list[tuple[date, int]]:
    """The walk to its end, DPD kept at `start` and at each day walked from it on."""
    marks: list[tuple[date, int]] = []
    while (day := walk.next_day()) is not None:
        if day > start and not marks:
            marks.append((start, _dpd(walk.book, start)))
        walk.step()
        if day >= start:
            marks.append((day, _dpd(walk.book, day)))
    return marks or [(start, _dpd(walk.book, start))]


def _dpd(book: Book, day: date) -> int:
    """Days past due at the day-end of `day`: from the oldest installment due and unpaid."""
    for r in book.rows:
        if r.due_date > day:
            break
        paid = book.paid.get((r.number, Component.PRINCIPAL), ZERO) + book.paid.get(
            (r.number, Component.INTEREST), ZERO
        )
        if r.total - paid > ZERO:
            return (day - r.due_date).days + 1
    return 0
