"""Interest on the actual balance (a product setting, the "interest recalculation" of other
systems): interest runs day by day on the principal actually outstanding, not on the balance
the schedule expected.

The schedule's installments carry interest on the scheduled balance. While replaying, each
day-end records how far the actual principal strays from it:

    deviation = overdue principal - principal paid ahead - unapplied funds (excess),

never below minus the principal not yet due. Overdue principal keeps earning interest until it
is paid; money received ahead of a due date reduces the balance from the day it arrives (held
as excess until the due date, it earns the borrower interest at the loan's rate). Overdue
interest and charges earn nothing: interest is not compounded (RBI: penal charges, never
penal interest), unless the product, for lenders elsewhere, sets `compound_overdue_interest`:
then overdue interest counts in the deviation like overdue principal.

On an installment's due date, before anything else that day, its interest grows (or shrinks)
by the deviation's interest over its period (each stretch at the rate then in force, under
the loan's day count, unrounded and rounded once to the component precision). The product
chooses what the installments not yet due do:

- `keep_emi`: the installment keeps its total (its principal moves the other way) and the
  difference goes to the principal not yet due, repaid at the same EMI; the last installment
  takes what is left;
- `reamortise`: the same, with a new level EMI over the installments left.

The difference stays with the installment when there is nothing after it or the installments
after it cannot be revised (a moratorium running): its total changes. A foreclosure's
installment takes its period's difference up to the foreclosure day. After the last due date,
principal still unpaid keeps earning: on each day with money or a change of terms (not a charge
the close levies), the interest since the last settlement falls due as an installment of
interest only, numbered after the last.

Guarantees: pure; a loan that is paid on its due dates (no overdue, nothing held) has exactly
its schedule; no day's deviation is charged twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from lms.core.allocation import Component
from lms.core.interest import Rates
from lms.core.periods import build_timeline
from lms.core.revision import Reschedule, Revision, RevisionError, revised_rows
from lms.core.rows import Installment
from lms.core.terms import LoanTerms, Recalculation

if TYPE_CHECKING:
    from lms.core.book import Book

RESCHEDULE = {
    Recalculation.KEEP_EMI: Reschedule.ADJUST_LAST,
    Recalculation.REAMORTISE: Reschedule.REDUCE_EMI,
}
REFERENCE = "interest on the actual balance"


class Deviation:
    """The day-ends' deviations of one loan since the last installment settled: a list of
    (day, deviation, annual rate) in day order, each holding until the next."""

    def __init__(self, terms: LoanTerms) -> None:
        self.terms = terms
        self.start = build_timeline(terms).first_period_start
        self.marks: list[tuple[date, Decimal, Decimal]] = []

    def mark(self, book: Book, day: date) -> None:
        """Record the deviation at the day-end of `day` (a day the replay walked)."""
        unpaid = sum(
            (r.principal - book.paid[r.number, Component.PRINCIPAL] for r in book.rows),
            book.zero,
        )
        scheduled = sum((r.principal for r in book.rows if r.due_date > day), book.zero)
        deviation = max(unpaid - book.excess - scheduled, -scheduled)
        if self.terms.compound_overdue_interest:  # a setting for lenders outside India
            deviation += sum(
                (r.interest - book.paid[r.number, Component.INTEREST]
                 for r in book.rows if r.due_date <= day),
                book.zero,
            )  # fmt: skip
        rate = book.rate if book.rate is not None else self.terms.annual_rate
        if self.marks and self.marks[-1][0] == day:
            self.marks.pop()
        if not self.marks or self.marks[-1][1:] != (deviation, rate):
            self.marks.append((day, deviation, rate))

    def interest(self, start: date, end: date) -> Decimal:
        """The deviation's unrounded interest from `start` to `end`."""
        total = Decimal(0)
        for i, (day, deviation, rate) in enumerate(self.marks):
            until = self.marks[i + 1][0] if i + 1 < len(self.marks) else end
            begin, finish = max(day, start), min(until, end)
            if deviation and finish > begin:
                rates = Rates.of(replace(self.terms, annual_rate=rate))
                total += rates.interest_between(deviation, begin, finish)
        return total

    def settle(self, book: Book, day: date) -> None:
        """On `day`, a due date: the installment due takes its period's difference."""
        index = next((i for i, r in enumerate(book.rows) if r.due_date == day), None)
        if index is None:
            return
        start = book.rows[index - 1].due_date if index else self.start
        difference = self.terms.precision.apply(self.interest(start, day))
        self._forget(day)
        if difference:
            _charge(book, index, difference, day, RESCHEDULE[self.terms.recalculation])

    def settle_matured(self, book: Book, day: date) -> None:
        """On a day after the last due date: principal still unpaid keeps earning, and the
        interest since the last due date (or settlement) falls due that day, as an installment
        of interest only after the last (a new due: what was raised before stays as it was)."""
        final = book.rows[-1]
        difference = self.terms.precision.apply(self.interest(final.due_date, day))
        self._forget(day)
        if difference > 0:
            extra = Installment(
                final.number + 1, day, book.zero, difference, difference, final.balance
            )
            book.set_rows((*book.rows, extra))

    def settle_foreclosure(self, book: Book, day: date) -> None:
        """On a foreclosure's day: its installment (the last) takes the difference so far."""
        final = book.rows[-1]
        start = book.rows[-2].due_date if len(book.rows) > 1 else self.start
        difference = self.terms.precision.apply(self.interest(max(start, self.start), day))
        self._forget(day)
        if difference and final.due_date == day:
            row = final._replace(interest=final.interest + difference)
            book.set_rows((*book.rows[:-1], row._replace(total=row.principal + row.interest)))

    def _forget(self, day: date) -> None:
        """Drop what `day` settled: the deviation in force on it carries on from it."""
        before = [m for m in self.marks if m[0] <= day]
        after = [m for m in self.marks if m[0] > day]
        self.marks = [(day, *before[-1][1:]), *after] if before else after


def _charge(book: Book, index: int, difference: Decimal, day: date, keep: Reschedule) -> None:
    """Installment `index` takes `difference` of interest; its principal moves the other way
    (within what is unpaid of it and what is not yet due) to the installments after it, unless
    they cannot be revised: then the installment's total changes."""
    rows, row = book.rows, book.rows[index]
    later = sum((r.principal for r in rows[index + 1 :]), book.zero)
    unpaid = row.principal - book.paid[row.number, Component.PRINCIPAL]
    shift = min(difference, unpaid) if difference > 0 else max(difference, -later)
    if later and shift and _revisable(book, day, shift, keep):
        book.set_rows((*rows[:index], _moved(row, difference, shift), *rows[index + 1 :]))
        book.revise(day, shift, book.rate, keep, REFERENCE)
    else:
        book.set_rows((*rows[:index], _moved(row, difference, book.zero), *rows[index + 1 :]))


def _revisable(book: Book, day: date, shift: Decimal, keep: Reschedule) -> bool:
    """Whether the installments after `day` can take `shift` more principal (none while a
    moratorium defers them, or where the schedule cannot be revised)."""
    until, terms, rate = book.relief_until, book.terms, book.rate
    if terms is None or rate is None or (until is not None and day < until):
        return False
    try:
        revised_rows(terms, book.rows, Revision(day, shift, rate, rate, keep))
    except RevisionError:
        return False
    return True


def _moved(row: Installment, difference: Decimal, shift: Decimal) -> Installment:
    return Installment(
        row.number,
        row.due_date,
        row.principal - shift,
        row.interest + difference,
        row.total + difference - shift,
        row.balance + shift,
    )
