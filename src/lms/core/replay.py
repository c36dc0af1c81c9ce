"""A loan's state on any date, as a pure function of its schedule and its events.

`replay(rows, events, as_of, waterfall, terms)` walks the days on which something happens up to
`as_of`. Each day, in this order: a rate change or a further tranche revises the installments
not yet due; charges are levied, and waivers forgive what is unpaid of them; unapplied funds
(excess) pay what falls due; payments are split by the waterfall over what is owed, and what
they cannot place is held as excess; a
part-prepayment pays what is still due and reduces the principal by the rest (the installments
not yet due are worked out again, lms.core.revision); a restructure capitalises what is still
unpaid and re-amortises the principal; a moratorium defers the next installments (on a
capitalising moratorium's due dates, what the day left unpaid of their interest joins the
principal); a small-balance waiver forgives what is still owed; refunds pay excess back. On the day of a
foreclosure, prepayments come first, then everything falls due, then excess and payments.
A reversal (a returned cheque or NACH debit) voids its payment from the payment's own value
date once the reversal is known, so a backdated payment or a reversal is just another replay;
a charge reversal voids a charge levied in error in every replay (`live_charges`).
If a returned payment's surplus had been refunded, what the excess no longer covers is owed
back by the borrower (a recovery, owed like a charge but not income).

Days past due follow the IRACP rule: an amount is overdue if unpaid at the day-end of its due
date; DPD counts from the oldest unpaid due date, the due date itself being day 1.

Guarantees: pure and deterministic (the same rows, events and date give the same state; the
order events are listed in does not matter, except that of rate changes on one day: they apply
in the order given, so the last recorded is in force); paid parts never exceed what was owed;
every rupee paid is either applied, prepaid principal, or in the excess.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lms.core.allocation import STANDARD, Component, Waterfall
from lms.core.book import (
    Applied,
    Book,
    Capitalised,
    ExcessApplied,
    InstallmentState,
    LoanState,
    ReplayError,
    Waived,
)
from lms.core.events import (
    Charge,
    ChargeReversal,
    ChargeWaiver,
    Event,
    Foreclosure,
    LoanMoratorium,
    Money,
    Payment,
    Prepayment,
    RateChange,
    Refund,
    Restructure,
    Reversal,
    SmallBalanceWaiver,
    Tranche,
)
from lms.core.live_changes import capitalise_deferred, disburse, forgive, grant
from lms.core.live_changes import restructure as restructure_book
from lms.core.money import ZERO
from lms.core.rows import Installment
from lms.core.terms import LoanTerms

PRINCIPAL, INTEREST = Component.PRINCIPAL, Component.INTEREST

__all__ = [
    "Applied",
    "Charge",
    "ChargeReversal",
    "ChargeWaiver",
    "DayEnd",
    "Event",
    "ExcessApplied",
    "Foreclosure",
    "InstallmentState",
    "LoanMoratorium",
    "LoanState",
    "Payment",
    "Prepayment",
    "RateChange",
    "Refund",
    "ReplayError",
    "Restructure",
    "Reversal",
    "SmallBalanceWaiver",
    "Tranche",
    "Waived",
    "day_ends",
    "live_charges",
    "replay",
]


@dataclass
class _Day:
    """What happens on one day, each list in a fixed order."""

    rate_changes: list[RateChange] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    waivers: list[ChargeWaiver] = field(default_factory=list)
    prepayments: list[Prepayment] = field(default_factory=list)
    foreclosure: bool = False
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    restructures: list[Restructure] = field(default_factory=list)
    moratoria: list[LoanMoratorium] = field(default_factory=list)
    small_balances: list[SmallBalanceWaiver] = field(default_factory=list)

    def settles(self) -> bool:
        """Whether the day brings money or changes the terms (not a charge alone, which the
        close levies): after the last due date, such a day settles interest on the actual
        balance."""
        return bool(
            self.payments or self.prepayments or self.foreclosure or self.refunds
            or self.rate_changes or self.tranches or self.restructures or self.moratoria
            or self.small_balances
        )  # fmt: skip


def replay(
    rows: Sequence[Installment],
    events: Sequence[Event],
    as_of: date,
    waterfall: Waterfall = STANDARD,
    terms: LoanTerms | None = None,
) -> LoanState:
    """The loan's state at the day-end of `as_of`, from its schedule rows and its events.
    `terms` are needed only for events that revise the schedule (prepayments, rate changes,
    foreclosure)."""
    walk = Walk(rows, events, as_of, waterfall, terms)
    walk.run_to(as_of)
    return walk.book.state(as_of, tuple(walk.applied), tuple(walk.from_excess))


class Walk:
    """A replay under way, one day with something on it (an event, a due date) at a time, up
    to `through`: `book` is the loan after the last day walked (`day`), and changes as the walk
    goes on."""

    def __init__(
        self, rows: Sequence[Installment], events: Sequence[Event], through: date,
        waterfall: Waterfall = STANDARD, terms: LoanTerms | None = None,
    ) -> None:  # fmt: skip
        self.book = Book(rows, terms)
        self.applied: list[Applied] = []
        self.from_excess: list[ExcessApplied] = []
        self.day: date | None = None
        self._calendar = _calendar(events, through)
        self._days = sorted(self._calendar)
        self._waterfall, self._through = waterfall, through

    def next_day(self, until: date | None = None) -> date | None:
        """The next day the walk would take (up to `until`, or to its end), without taking it."""
        limit = self._through if until is None else min(until, self._through)
        return _next_day(self.book, self._days, self.day, limit)

    def step(self, until: date | None = None) -> date | None:
        """Walk the next day (up to `until`, or to the walk's end); its date, or None."""
        day = self.next_day(until)
        if day is not None:
            today = self._calendar.get(day, _Day())
            _run_day(self.book, day, today, self._waterfall, self.applied, self.from_excess)
            self.day = day
        return day

    def run_to(self, until: date) -> None:
        """Walk every day up to `until`."""
        while self.step(until) is not None:
            pass


class DayEnd(NamedTuple):
    """What a statement reads of a loan at a day-end (a part of its LoanState)."""

    principal_outstanding: Decimal
    applied: tuple[Applied, ...]
    excess_applied: tuple[ExcessApplied, ...]
    capitalised: tuple[Capitalised, ...] = ()
    forgiven: tuple[Capitalised, ...] = ()
    excess: Decimal = ZERO  # unapplied funds held
    rows: tuple[Installment, ...] = ()  # the schedule as it stands then


def day_ends(
    rows: Sequence[Installment],
    events: Sequence[Event],
    days: Sequence[date],
    waterfall: Waterfall = STANDARD,
    terms: LoanTerms | None = None,
) -> dict[date, DayEnd]:
    """The loan at the day-end of each of `days`, each as `replay(..., day)` has it, in one
    walk per set of reversals known (a day's replay differs from a later day's only by the
    payments reversed in between: a reversal takes effect from the day it becomes known)."""
    known = sorted({e.known_on for e in events if isinstance(e, Reversal)})
    groups: dict[int, list[date]] = {}
    for day in sorted(set(days)):
        groups.setdefault(bisect_right(known, day), []).append(day)
    ends: dict[date, DayEnd] = {}
    for group in groups.values():
        ends.update(_walk(rows, events, group, waterfall, terms))
    return ends


def _walk(
    rows: Sequence[Installment],
    events: Sequence[Event],
    days: list[date],
    waterfall: Waterfall,
    terms: LoanTerms | None,
) -> dict[date, DayEnd]:
    """One replay through the last of `days` (ascending), keeping the loan at each."""
    walk = Walk(rows, events, days[-1], waterfall, terms)
    ends: dict[date, DayEnd] = {}
    for wanted in days:
        walk.run_to(wanted)
        book = walk.book
        left = sum(
            (r.principal - book.paid.get((r.number, PRINCIPAL), ZERO) for r in book.rows), book.zero
        )
        ends[wanted] = DayEnd(
            left, tuple(walk.applied), tuple(walk.from_excess), tuple(book.capitalised),
            tuple(book.forgiven), book.excess, book.rows,
        )  # fmt: skip
    return ends


def _next_day(book: Book, event_days: list[date], after: date | None, as_of: date) -> date | None:
    """The next day after `after` (up to `as_of`) with an event or an installment falling due;
    due dates are read from the book each time: a revision may have moved or added them."""
    candidates = []
    start = bisect_right(event_days, after) if after is not None else 0
    if start < len(event_days):
        candidates.append(event_days[start])
    due = book.next_due_after(after)
    if due is not None:
        candidates.append(due)
    day = min(candidates, default=None)
    return day if day is not None and day <= as_of else None


def _run_day(
    book: Book,
    day: date,
    today: _Day,
    waterfall: Waterfall,
    applied: list[Applied],
    from_excess: list[ExcessApplied],
) -> None:
    deviation = book.deviation  # interest on the actual balance (lms.core.actual_balance)
    if deviation is not None and book.due_on(day):
        deviation.settle(book, day)
    elif deviation is not None and today.settles() and book.rows and day > book.rows[-1].due_date:
        deviation.settle_matured(book, day)
    for change in today.rate_changes:
        book.revise(day, ZERO, change.annual_rate, change.keep, change.reference)
    for tranche in today.tranches:
        disburse(book, tranche)
    for charge in today.charges:
        book.levy(charge)
    for waiver in today.waivers:
        book.waive(waiver)
    if today.foreclosure:
        _foreclose(book, day, today, waterfall, applied)
    if book.excess and (book.due_on(day) or today.charges):
        parts, _ = book.apply(book.take_excess(), day, waterfall)
        if parts:
            from_excess.append(ExcessApplied(day, parts))
    for payment in today.payments:
        parts, held = book.apply(payment.amount, day, waterfall)
        applied.append(Applied(payment, parts, held))
    if not today.foreclosure:  # after the day's dues are met by its other money
        applied.extend(book.prepay(p, waterfall) for p in today.prepayments)
    for restructure in [] if today.foreclosure else today.restructures:  # what money left
        restructure_book(book, restructure)
    if day in book.capitalise_at:  # a deferred installment's interest the day left unpaid
        capitalise_deferred(book, day)
    for moratorium in [] if today.foreclosure else today.moratoria:
        grant(book, moratorium)
    for small in today.small_balances:  # what the day's money left, forgiven
        forgive(book, small)
    for refund in today.refunds:
        book.refund(refund)
    if deviation is not None:
        deviation.mark(book, day)


def _foreclose(
    book: Book, day: date, today: _Day, waterfall: Waterfall, applied: list[Applied]
) -> None:
    """A foreclosure's day: a restructure or moratorium of the day first (the loan as changed
    is what is foreclosed), then what was prepaid that day, then everything falls due."""
    for restructure in today.restructures:
        restructure_book(book, restructure)
    for moratorium in today.moratoria:
        grant(book, moratorium)
    applied.extend(book.prepay(p, waterfall) for p in today.prepayments)
    book.foreclose(day)
    if book.deviation is not None:
        book.deviation.settle_foreclosure(book, day)


def _calendar(events: Sequence[Event], as_of: date) -> dict[date, _Day]:
    """Events up to `as_of` by day (payments reversed by then left out), each day's lists in
    reference order (the same-day order cannot change what is paid, only statement lines)."""
    calendar: dict[date, _Day] = {}

    def on(day: date) -> _Day:
        return calendar.setdefault(day, _Day())

    for money in _live_money(events, as_of):
        if isinstance(money, Prepayment):
            on(money.value_date).prepayments.append(money)
        else:
            on(money.value_date).payments.append(money)
    for event in events:
        if isinstance(event, RateChange) and event.day <= as_of:
            on(event.day).rate_changes.append(event)
        elif isinstance(event, Tranche) and event.day <= as_of:
            on(event.day).tranches.append(event)
        elif isinstance(event, Refund) and event.value_date <= as_of:
            on(event.value_date).refunds.append(event)
        elif isinstance(event, Foreclosure) and event.day <= as_of:
            on(event.day).foreclosure = True
        elif isinstance(event, ChargeWaiver) and event.day <= as_of:
            on(event.day).waivers.append(event)
        elif isinstance(event, Restructure) and event.day <= as_of:
            on(event.day).restructures.append(event)
        elif isinstance(event, LoanMoratorium) and event.day <= as_of:
            on(event.day).moratoria.append(event)
        elif isinstance(event, SmallBalanceWaiver) and event.day <= as_of:
            on(event.day).small_balances.append(event)
    for charge in live_charges(events, as_of):
        on(charge.day).charges.append(charge)
    for today in calendar.values():
        today.tranches.sort(key=lambda e: e.reference)
        today.charges.sort(key=lambda e: e.reference)
        today.refunds.sort(key=lambda e: e.reference)
        today.waivers.sort(key=lambda e: (len(e.reference), e.reference))  # waiver-9, waiver-10
    return calendar


def live_charges(events: Sequence[Event], as_of: date) -> list[Charge]:
    """The charges levied by `as_of` and not reversed (a reversed one never counts)."""
    void = {e.reference for e in events if isinstance(e, ChargeReversal)}
    return [
        e for e in events if isinstance(e, Charge) and e.day <= as_of and e.reference not in void
    ]


def _live_money(events: Sequence[Event], as_of: date) -> list[Money]:
    """Payments and prepayments known by `as_of` and not reversed by then, by value date and
    reference."""
    received: dict[str, Money] = {}
    for event in events:
        if isinstance(event, Payment | Prepayment):
            if event.reference in received:
                raise ReplayError(f"payment reference {event.reference!r} is used twice")
            if event.amount <= ZERO:
                raise ReplayError(f"payment {event.reference!r} must be positive")
            received[event.reference] = event
    voided = set()
    for event in events:
        if isinstance(event, Reversal):
            if event.reference not in received:
                raise ReplayError(f"reversal of unknown payment {event.reference!r}")
            if event.known_on <= as_of:
                voided.add(event.reference)
    live = [m for m in received.values() if m.value_date <= as_of and m.reference not in voided]
    return sorted(live, key=lambda m: (m.value_date, m.reference))
