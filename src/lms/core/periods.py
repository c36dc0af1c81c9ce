"""Due dates and interest periods of a schedule.

The first due date is given, or follows from the disbursement date: one period later, or, with a
fixed cycle day, the first cycle date at least one full period after disbursement (the gap before
it is the broken period). Every later due date is the first due date plus k periods (no drift);
a date on a holiday moves by the business-day rule. Under the actual-days basis interest runs
between the moved dates, because that is when the borrower pays; under the periodic basis a full
period keeps its periodic interest whatever the move.

Guarantee: interest periods are contiguous: installment k's runs from installment k-1's due date
(installment 1's from disbursement, or from the start of the first full period when broken-period
interest is charged separately) to its own due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache

from lms.core.calendar import BusinessCalendar, BusinessDayRule
from lms.core.frequency import Cycle, first_cycle_date_after
from lms.core.terms import BPITreatment, LoanTerms

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Due dates of a schedule, with the broken period before the first."""

    disbursement: date
    first_due: date  # unadjusted
    first_period_start: date  # where installment 1's interest starts
    bpi_start: date | None  # broken period [bpi_start, first_period_start), if any
    full_start: date  # start of the full regular period that ends on the first due date
    cycle_day: int | None  # day of month of every due date (None: the first due date's day)
    terms: LoanTerms

    def due_date(self, index: int) -> date:
        return self.due_dates(0, index + 1)[-1]

    def due_dates(self, start: int, stop: int) -> list[date]:
        """Due dates of installments `start` to `stop - 1` (0-based), after holiday moves.

        A moved date must stay strictly after the previous due date (and after disbursement);
        where the rule would break that (daily or weekly loans around a holiday), the date
        moves to the next business day after the previous due date, and later dates follow.
        """
        terms = self.terms
        dates = _due_dates(
            terms.cycle,
            self.first_due,
            stop,
            self.cycle_day,
            terms.calendar,
            terms.business_day_rule,
            self.disbursement,
        )
        return list(dates[start:])

    def first_period_regular(self) -> bool:
        """Whether installment 1's interest period is one full period."""
        return self.first_period_start == self.full_start

    def first_period_length(self) -> Fraction:
        """Disbursement to the first due date in regular periods: whole periods counted back
        from the first due date, plus the stub before them as a fraction of its period."""
        cycle, day = self.terms.cycle, self.cycle_day
        whole, end = 0, self.first_due
        start = self.full_start
        while start > self.disbursement:
            whole += 1
            end, start = start, cycle.add(self.first_due, -(whole + 1), day)
        return whole + Fraction((end - self.disbursement).days, (end - start).days)


def build_timeline(terms: LoanTerms) -> Timeline:
    """Work out the first due date, the cycle day and the broken period for `terms`.

    The cycle day is the product's `due_day`; without one, the day of disbursement when the
    first due date follows from it (a loan disbursed on the 31st falls due on the 31st, or the
    month's last day), else the given first due date's day.
    """
    disbursement = terms.disbursement_date
    first_due = terms.first_due_date
    cycle_day = terms.due_day
    if first_due is None:
        if cycle_day is not None:
            first_due = first_cycle_date_after(disbursement, terms.cycle, cycle_day)
        else:
            cycle_day = disbursement.day
            first_due = terms.cycle.add(disbursement, 1, cycle_day)
    full_start = terms.cycle.add(first_due, -1, cycle_day)
    # a holiday can move the first due date back before the full period starts (daily loans):
    # the broken period then ends at the moved date, so no period runs backwards
    moved_first_due = _due_dates(
        terms.cycle, first_due, 1, cycle_day, terms.calendar, terms.business_day_rule, disbursement
    )[0]
    bpi_end = min(full_start, moved_first_due)
    if terms.bpi is not BPITreatment.NONE and bpi_end > disbursement:
        start, bpi_start = bpi_end, disbursement
    else:
        start, bpi_start = disbursement, None
    return Timeline(disbursement, first_due, start, bpi_start, full_start, cycle_day, terms)


@lru_cache(maxsize=4096)
def _due_dates(
    cycle: Cycle,
    first_due: date,
    stop: int,
    due_day: int | None,
    calendar: BusinessCalendar,
    rule: BusinessDayRule,
    disbursement: date,
) -> tuple[date, ...]:
    """The first `stop` due dates (see `Timeline.due_dates`). Cached: loans disbursed on the
    same day with the same cycle share their dates, and a book has many such cohorts."""
    unadjusted = cycle.dates(first_due, 0, stop, due_day)
    if rule is BusinessDayRule.UNCHANGED:
        return tuple(unadjusted)
    out: list[date] = []
    floor = disbursement
    for day in unadjusted:
        moved = calendar.adjust(day, rule)
        if moved <= floor:
            moved = calendar.adjust(floor + ONE_DAY, BusinessDayRule.FOLLOWING)
        out.append(moved)
        floor = moved
    return tuple(out)
