"""Revising a schedule part-way: a part-prepayment, a new rate (floating loans) or a new
tranche changes the principal or the rate from a day on, and the installments not yet due are
worked out again.

The installment running on the day (the first one due after it) keeps what it had accrued
until the day and takes the rest of its period at the new balance and rate: its interest is
its period's interest at the old balance and rate plus the change in balance x rate for the
days from the revision to its due date, both unrounded, rounded once to the component
precision (so a revision on the period's first day gives exactly the new balance x rate for
the period, rounded once). Under the periodic basis the change is that of the period's
interest (balance x periodic rate) pro rata of the period's days still to run, and days of a
broken period before the first full period count by the day count; under the actual-days
basis every day counts by the day count. What the row carries on top of its period's interest
(broken-period interest, an earlier revision in the same period) is kept as it was rounded:
the row does not hold its unrounded parts. From there the
balance is amortised again with the due dates the loan already has, by the borrower's choice:

- `reduce_emi`: the same number of installments, a new level EMI (lower after a prepayment,
  higher after a tranche or a rate rise);
- `reduce_tenure`: the same EMI, as many installments as it takes (fewer after a prepayment,
  more after a rate rise; refused if the EMI no longer covers the interest). A stub of one
  rounding step is paid with the row before it, and at the schedule's own last installment up to
  what that installment carried beyond the EMI (so a revision that changes nothing gives back
  the same schedule).
- a restructure names the new number of installments (a level EMI over them) or the new EMI
  (as many installments as it takes, a stub of one rounding step paid with the row before it);
  installments beyond the schedule's last take the loan's next due dates. A loan whose every
  installment has fallen due can be restructured only so (with arrears capitalised): its new
  installments start on its first due date after the day and are numbered by their place on
  its timeline (the numbers of due dates that passed unscheduled are skipped).

The first installment's principal is the new EMI less its interest for a whole period, so what
it carries on top (interest accrued before the day, broken-period interest) is paid on top.

Guarantees: installments due on or before the day are unchanged; the new rows repay exactly the
new balance; no interest is charged twice or lost for any day; pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms.core.amortization import level_installment
from lms.core.bpi import broken_period_interest
from lms.core.interest import Rates, apply_factor
from lms.core.money import exact
from lms.core.periods import build_timeline
from lms.core.rows import Installment
from lms.core.terms import MAX_INSTALLMENTS, BPITreatment, InterestBasis, LoanTerms, Method


class Reschedule(StrEnum):
    """What a revision keeps: the number of installments, or the EMI."""

    REDUCE_EMI = "reduce_emi"
    REDUCE_TENURE = "reduce_tenure"
    ADJUST_LAST = "adjust_last"  # the same EMI and number of installments: the last takes the rest
    INTEREST_ONLY = "interest_only"  # pre-EMI: interest only, the principal at the last


CHOICES = frozenset({Reschedule.REDUCE_EMI.value, Reschedule.REDUCE_TENURE.value})  # a borrower's


@dataclass(frozen=True, slots=True)
class Revision:
    """From `day` on, the principal changes by `principal_change` (negative: prepaid; positive:
    a new tranche) and the rate becomes `rate_after` (it was `rate_before`)."""

    day: date
    principal_change: Decimal
    rate_before: Decimal
    rate_after: Decimal
    keep: Reschedule
    count: int | None = None  # a restructure: this many installments from the running one on
    emi: Decimal | None = None  # a restructure: this EMI, the tenure following from it
    broken: bool = False  # the running installment's period was changed (a new due day)


class RevisionError(ValueError):
    """A revision the loan's schedule cannot take (the reason is the message)."""


def revision_blocker(terms: LoanTerms, first_future: int) -> str | None:
    """Why installments from number `first_future` on cannot be revised, or None."""
    if terms.method is not Method.EMI or terms.step is not None or terms.balloon is not None:
        return "only level-EMI schedules without steps or a balloon can be revised"
    special = max(
        terms.moratorium.periods,
        terms.grace_principal,
        terms.grace_interest,
        terms.interest_free_periods,
    )
    if first_future <= special:
        return "a moratorium, grace or interest-free period is still running"
    if terms.bpi in (BPITreatment.LAST, BPITreatment.SPREAD):
        timeline = build_timeline(terms)
        if broken_period_interest(terms, timeline, Rates.of(terms)):
            return "broken-period interest is still deferred to later installments"
    return None


def revised_rows(
    terms: LoanTerms, rows: Sequence[Installment], revision: Revision
) -> tuple[Installment, ...]:
    """`rows` with the installments due after `revision.day` worked out again."""
    kept = tuple(row for row in rows if row.due_date <= revision.day)
    future = [row for row in rows if row.due_date > revision.day]
    start = kept[-1].due_date if kept else None
    if not future:  # every installment has fallen due: only a restructure starts new ones
        future, start = _beyond(terms, kept, revision)
    blocker = revision_blocker(terms, future[0].number)
    if blocker is not None:
        raise RevisionError(blocker)
    before = sum((row.principal for row in future), Decimal(0))
    balance = before + revision.principal_change
    if balance <= 0:
        raise RevisionError("it repays all the principal not yet due: foreclose the loan instead")
    old = Rates.of(replace(terms, annual_rate=revision.rate_before))
    new = Rates.of(replace(terms, annual_rate=revision.rate_after))
    walk = _Walk(terms, new, balance, start)
    walk.broken = revision.broken
    first_interest = _running_interest(walk, future[0], revision.day, (old, before), (new, balance))
    if first_interest < 0:
        raise RevisionError("the installment running on the day would carry negative interest")
    if revision.keep is Reschedule.INTEREST_ONLY and revision.count is None:
        return (*kept, *walk.interest_only(future, first_interest))
    if revision.emi is not None:
        emi, count = revision.emi, MAX_INSTALLMENTS - len(kept)
        walk.fold = True
    elif revision.keep is Reschedule.REDUCE_EMI:
        count = revision.count or len(future)
        if len(kept) + count > MAX_INSTALLMENTS:
            raise RevisionError(f"the schedule would run past {MAX_INSTALLMENTS} installments")
        emi = terms.rounding.apply_ratio(*level_installment(balance, new.periodic, count))
    elif revision.keep is Reschedule.ADJUST_LAST:
        emi, count = _current_emi(terms, future, old, before), len(future)
    else:
        emi = _current_emi(terms, future, old, before)
        count = MAX_INSTALLMENTS - len(kept)
        walk.keep_emi(future, emi)
    return (*kept, *walk.rows(future, first_interest, emi, count))


def _beyond(
    terms: LoanTerms, kept: tuple[Installment, ...], revision: Revision
) -> tuple[list[Installment], date]:
    """For a restructure of a loan whose every installment has fallen due: an empty
    installment on the loan's first due date after the day (numbered by its place on the
    loan's timeline, so installments after it take the timeline's dates), and the due date
    before it, where its period starts (the new balance earns interest from the day)."""
    if (revision.count is None and revision.emi is None) or revision.principal_change <= 0:
        raise RevisionError(f"no installment falls due after {revision.day}")
    timeline = build_timeline(terms)
    index = kept[-1].number if kept else 0
    while timeline.due_date(index) <= revision.day:
        index += 1
        if index >= MAX_INSTALLMENTS:
            raise RevisionError(f"the schedule would run past {MAX_INSTALLMENTS} installments")
    zero = terms.precision.apply(Decimal(0))
    empty = Installment(index + 1, timeline.due_date(index), zero, zero, zero, zero)
    return [empty], timeline.due_date(index - 1)


def _running_interest(
    walk: _Walk,
    first: Installment,
    day: date,
    old: tuple[Rates, Decimal],
    new: tuple[Rates, Decimal],
) -> Decimal:
    """The running installment's interest after the revision: its period's interest at the old
    balance and rate plus the change for the days from `day` (`_tail`), rounded once; plus
    what the row carried beyond its period's interest (its interest less that interest rounded:
    nothing for a regular row), already rounded where it was worked out."""
    terms, (old_rates, before) = walk.terms, old
    due = first.due_date
    irregular_first = walk.broken or (
        first.number == 1 and not walk.timeline.first_period_regular()
    )
    if terms.interest_basis is InterestBasis.PERIODIC and not irregular_first:
        period = apply_factor(before, old_rates.periodic_factor)
    else:
        period = old_rates.interest_between(before, walk.previous, due)
    carried = first.interest - terms.precision.apply(period)
    return carried + terms.precision.apply(period + _tail(walk, first, day, old, new))


def _tail(
    walk: _Walk,
    first: Installment,
    day: date,
    old: tuple[Rates, Decimal],
    new: tuple[Rates, Decimal],
) -> Decimal:
    """The unrounded change in the running installment's interest for its days from `day`.

    Under the periodic basis a regular period's interest is balance x periodic rate, so the
    change is that of balance x periodic rate, pro rata of the period's days still to run (a
    change on the period's first day moves all of it, never more); days of a broken period
    before it (BPI) count by the day count. Otherwise, every day counts by the day count.
    """
    (old_rates, before), (new_rates, balance) = old, new
    terms, timeline, start = walk.terms, walk.timeline, walk.previous
    due = first.due_date
    irregular_first = walk.broken or (first.number == 1 and not timeline.first_period_regular())
    if terms.interest_basis is not InterestBasis.PERIODIC or irregular_first:
        changed = new_rates.interest_between(balance, day, due)
        return changed - old_rates.interest_between(before, day, due)
    ctx = exact()
    period = apply_factor(balance, new_rates.periodic_factor) - apply_factor(
        before, old_rates.periodic_factor
    )
    left, days = (due - max(day, start)).days, (due - start).days
    tail = ctx.divide(ctx.multiply(period, left), days)
    if day < start:  # inside the broken period that comes before the first full period
        broken = new_rates.interest_between(balance, day, start)
        tail += broken - old_rates.interest_between(before, day, start)
    return tail


def _current_emi(
    terms: LoanTerms, future: list[Installment], rates: Rates, balance: Decimal
) -> Decimal:
    """The level EMI the loan pays now: a row that is neither the next nor the last; with
    fewer rows left, the level EMI of the balance over them (rounded as the loan rounds)."""
    if len(future) >= 3:
        return future[1].total
    return terms.rounding.apply_ratio(*level_installment(balance, rates.periodic, len(future)))


class _Walk:
    """Amortises a balance over due dates at a level EMI; the last row takes the rest."""

    def __init__(self, terms: LoanTerms, rates: Rates, balance: Decimal, start: date | None):
        self.terms, self.rates, self.balance = terms, rates, balance
        self.timeline = build_timeline(terms)
        self.previous = start if start is not None else self.timeline.first_period_start
        self.fold = False  # keeping the EMI: pay a small stub with the row before it
        self.last_number, self.last_extra = 0, Decimal(0)
        self.broken = False  # the first row's period is not a regular one: interest by days

    def keep_emi(self, future: list[Installment], emi: Decimal) -> None:
        """Keep `emi`: the schedule's own last installment may carry more than the EMI (what
        rounding and day counts left over), and a stub up to that much is paid with it, so a
        revision that changes nothing gives the same schedule; elsewhere only a stub of one
        rounding step is paid with the row before it."""
        self.fold = True
        self.last_number = future[-1].number
        self.last_extra = max(future[-1].total - emi, Decimal(0))

    def rows(
        self,
        future: list[Installment],
        first_interest: Decimal,
        emi: Decimal,
        count: int,
        number: int | None = None,
    ) -> list[Installment]:
        """`count` rows at most, numbered from `number` (default: the first of `future`), due
        on the dates of `future` and then on the loan's timeline."""
        out: list[Installment] = []
        number = future[0].number if number is None else number
        while self.balance > 0:
            index = len(out)
            if index == count:
                raise RevisionError("the schedule would run past the longest tenure allowed")
            due = (
                future[index].due_date
                if index < len(future)
                else self.timeline.due_date(number + index - 1)
            )
            regular = self.terms.precision.apply(apply_factor(self.balance, self.factor(due)))
            interest = first_interest if index == 0 else regular
            principal = min(emi - regular, self.balance)
            if index == count - 1 or (
                self.fold and self.balance - principal <= self._stub_allowed(number + index)
            ):
                principal = self.balance
            if principal <= 0:
                raise RevisionError(
                    "the EMI no longer covers the interest: choose reduce_emi (a higher EMI)"
                )
            self.balance -= principal
            out.append(
                Installment(
                    number + index, due, principal, interest, principal + interest, self.balance
                )
            )
            self.previous = due
        return out

    def interest_only(
        self, future: list[Installment], first_interest: Decimal
    ) -> list[Installment]:
        """The rows of `future` paying interest only, the last also the balance (pre-EMI)."""
        out, zero = [], self.terms.precision.apply(Decimal(0))
        for index, row in enumerate(future):
            regular = self.terms.precision.apply(
                apply_factor(self.balance, self.factor(row.due_date))
            )
            interest = first_interest if index == 0 else regular
            principal = self.balance if index == len(future) - 1 else zero
            self.balance -= principal
            out.append(
                Installment(row.number, row.due_date, principal, interest, principal + interest,
                            self.balance)
            )  # fmt: skip
            self.previous = row.due_date
        return out

    def _stub_allowed(self, number: int) -> Decimal:
        dust = self.terms.rounding.step
        return dust + (self.last_extra if number == self.last_number else 0)

    def factor(self, due: date) -> tuple[Decimal, Decimal]:
        if self.terms.interest_basis is InterestBasis.PERIODIC:
            return self.rates.periodic_factor
        return self.rates.factor_between(self.previous, due)


def amortised_rows(
    terms: LoanTerms,
    rate: Decimal,
    balance: Decimal,
    previous: date,
    number: int,
    count: int,
    extra: Decimal = Decimal(0),
) -> list[Installment]:
    """`balance` repaid at `rate` by a level EMI over `count` installments numbered from
    `number`, due on the loan's own due dates (installment n on the timeline's n-th), the
    period before the first starting on `previous`; `extra` (interest deferred to it) is paid
    on top of the first. The last row takes what rounding leaves."""
    rates = Rates.of(replace(terms, annual_rate=rate))
    walk = _Walk(terms, rates, balance, previous)
    emi = terms.rounding.apply_ratio(*level_installment(balance, rates.periodic, count))
    due = walk.timeline.due_date(number - 1)
    first = terms.precision.apply(apply_factor(balance, walk.factor(due))) + extra
    return walk.rows([], first, emi, count, number)


def rate_rise_effect(
    terms: LoanTerms, rows: Sequence[Installment], rise: Decimal
) -> tuple[Decimal, int]:
    """What a rate `rise` (percentage points) from disbursement would do, as the KFS of a
    floating-rate loan shows it: (the EMI if the tenure is kept, the number of installments
    if the EMI is kept). Raises RevisionError if the schedule cannot be revised."""
    day = terms.disbursement_date
    higher = terms.annual_rate + rise
    keep_tenure = revised_rows(
        terms, rows, Revision(day, Decimal(0), terms.annual_rate, higher, Reschedule.REDUCE_EMI)
    )
    keep_emi = revised_rows(
        terms, rows, Revision(day, Decimal(0), terms.annual_rate, higher, Reschedule.REDUCE_TENURE)
    )
    emi = keep_tenure[1].total if len(keep_tenure) > 2 else keep_tenure[0].total
    return emi, len(keep_emi)
