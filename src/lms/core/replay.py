"""A loan's state on any date, as a pure function of its schedule and its events.

`replay(schedule, events, as_of)` walks the days on which something happens up to `as_of`: a
payment is split by the waterfall over what is owed on its value date, and what it cannot place
is held as unapplied funds (excess), which pays the next installment on its due date. A reversal
(a returned cheque or NACH debit) voids its payment from the payment's own value date once the
reversal is known, so a backdated payment or a reversal is just another replay. A refund pays
unapplied funds back (never more than is held on its date).

Days past due follow the IRACP rule: an amount is overdue if unpaid at the day-end of its due
date; DPD counts from the oldest unpaid due date, the due date itself being day 1.

Guarantees: pure and deterministic (the same schedule, events and date give the same state);
paid parts never exceed what was owed; every rupee paid is either applied or in the excess.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import STANDARD, Bucket, Component, Owed, Part, Waterfall, allocate
from lms.core.money import ZERO
from lms.core.rows import Installment


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received for the loan, effective on `value_date`."""

    value_date: date
    amount: Decimal
    reference: str  # UTR, UMRN debit id, receipt number: unique within the loan


@dataclass(frozen=True, slots=True)
class Reversal:
    """The payment `reference` returned, known on `known_on`; it is void from its value date."""

    known_on: date
    reference: str


@dataclass(frozen=True, slots=True)
class Refund:
    """Unapplied funds paid back to the borrower on `value_date`."""

    value_date: date
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge levied on the loan on `day` (a bounce charge, later penal charges): owed from
    that day as a fee, `amount` plus `tax` (GST)."""

    day: date
    amount: Decimal
    tax: Decimal
    reference: str


Event = Payment | Reversal | Refund | Charge


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """One installment as scheduled and how much of it is paid."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.principal + self.interest - self.principal_paid - self.interest_paid


@dataclass(frozen=True, slots=True)
class Applied:
    """How one payment was applied (for statements)."""

    payment: Payment
    parts: tuple[Part, ...]
    held: Decimal  # left as unapplied funds


@dataclass(frozen=True, slots=True)
class ExcessApplied:
    """Unapplied funds used on a due date (for the ledger: from unapplied funds to dues)."""

    day: date
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class LoanState:
    """Everything about a loan's repayment position at the day-end of `as_of`."""

    as_of: date
    installments: tuple[InstallmentState, ...]
    excess: Decimal  # unapplied funds held for the next due date (or a refund)
    principal_outstanding: Decimal  # principal not yet repaid, due or not
    principal_due: Decimal  # unpaid principal of installments due on or before `as_of`
    interest_due: Decimal  # unpaid interest of installments due on or before `as_of`
    dpd: int  # days past due at the day-end of `as_of`
    closed_on: date | None  # the day everything owed was paid
    applied: tuple[Applied, ...]
    excess_applied: tuple[ExcessApplied, ...]
    charges_due: Decimal  # charges (with their tax) levied by `as_of` and not yet paid


class ReplayError(ValueError):
    """Events that cannot belong to the loan (a duplicate reference, a reversal of nothing)."""


def replay(
    rows: Sequence[Installment],
    events: Sequence[Event],
    as_of: date,
    waterfall: Waterfall = STANDARD,
) -> LoanState:
    """The loan's state at the day-end of `as_of`, from its schedule rows and its events."""
    payments = _live_payments(events, as_of)
    refunds = sorted(
        (e for e in events if isinstance(e, Refund) and e.value_date <= as_of), key=_by_day
    )
    book = _Book(rows)
    applied: list[Applied] = []
    from_excess: list[ExcessApplied] = []
    charges = sorted(
        (e for e in events if isinstance(e, Charge) and e.day <= as_of), key=_by_charge
    )
    days = (
        {p.value_date for p in payments}
        | {r.value_date for r in refunds}
        | {c.day for c in charges}
    )
    for day in sorted(days | {r.due_date for r in rows if r.due_date <= as_of}):
        for charge in (c for c in charges if c.day == day):
            book.levy(charge)
        if book.excess and (
            any(r.due_date == day for r in rows) or any(c.day == day for c in charges)
        ):
            parts, _ = book.apply(book.take_excess(), day, waterfall)
            if parts:
                from_excess.append(ExcessApplied(day, parts))
        for payment in (p for p in payments if p.value_date == day):
            parts, held = book.apply(payment.amount, day, waterfall)
            applied.append(Applied(payment, parts, held))
        for refund in (r for r in refunds if r.value_date == day):
            if refund.amount > book.excess:
                raise ReplayError(
                    f"refund {refund.reference!r} exceeds the unapplied funds {book.excess}"
                )
            book.excess -= refund.amount
    return book.state(as_of, tuple(applied), tuple(from_excess))


def _by_charge(charge: Charge) -> tuple[date, str]:
    return charge.day, charge.reference


def _by_day(refund: Refund) -> tuple[date, str]:
    return refund.value_date, refund.reference


def _live_payments(events: Sequence[Event], as_of: date) -> list[Payment]:
    """Payments known by `as_of` and not reversed by then, by value date (then reference: the
    same-day order cannot change what is paid, only the order of the statement lines)."""
    payments: dict[str, Payment] = {}
    for event in events:
        if isinstance(event, Payment):
            if event.reference in payments:
                raise ReplayError(f"payment reference {event.reference!r} is used twice")
            if event.amount <= ZERO:
                raise ReplayError(f"payment {event.reference!r} must be positive")
            payments[event.reference] = event
    voided = set()
    for event in events:
        if isinstance(event, Reversal):
            if event.reference not in payments:
                raise ReplayError(f"reversal of unknown payment {event.reference!r}")
            if event.known_on <= as_of:
                voided.add(event.reference)
    live = [p for p in payments.values() if p.value_date <= as_of and p.reference not in voided]
    return sorted(live, key=lambda p: (p.value_date, p.reference))


class _Book:
    """Paid parts per installment and component, and the excess, while replaying.

    Rows are in due-date order, so what is owed on a day is a slice: from the first row not yet
    fully paid to the last row due that day (all rows, if the waterfall pays in advance).
    """

    def __init__(self, rows: Sequence[Installment]) -> None:
        self.rows = rows
        zero = rows[0].principal * 0 if rows else ZERO
        self.paid = {
            (r.number, c): zero for r in rows for c in (Component.INTEREST, Component.PRINCIPAL)
        }
        self.due_dates = [r.due_date for r in rows]
        self.first_open = 0  # rows before this one are fully paid
        self.left = sum((r.total for r in rows), zero)  # everything still owed
        self.excess = zero
        self.closed_on: date | None = None
        self.charges: list[Charge] = []  # charge k (1-based) is "installment" -k in parts

    def levy(self, charge: Charge) -> None:
        self.charges.append(charge)
        self.paid[-len(self.charges), Component.FEE] = charge.amount * 0
        self.left += charge.amount + charge.tax
        self.closed_on = None  # owing again

    def take_excess(self) -> Decimal:
        amount, self.excess = self.excess, self.excess * 0
        return amount

    def apply(
        self, amount: Decimal, day: date, waterfall: Waterfall
    ) -> tuple[tuple[Part, ...], Decimal]:
        ahead = any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order)
        parts, left = allocate(amount, self._owed(day, ahead), day, waterfall)
        for part in parts:
            self.paid[part.installment, part.component] += part.amount
            self.left -= part.amount
        self.excess += left
        while self.first_open < len(self.rows) and not self._unpaid(self.rows[self.first_open]):
            self.first_open += 1
        if self.closed_on is None and self.left == ZERO:
            self.closed_on = day
        return parts, left

    def _owed(self, day: date, ahead: bool) -> list[Owed]:
        stop = len(self.rows) if ahead else bisect_right(self.due_dates, day)
        owed = []
        for row in self.rows[self.first_open : stop]:
            for component, scheduled in (
                (Component.INTEREST, row.interest),
                (Component.PRINCIPAL, row.principal),
            ):
                left = scheduled - self.paid[row.number, component]
                if left > ZERO:
                    owed.append(Owed(row.number, row.due_date, component, left))
        for k, charge in enumerate(self.charges, start=1):
            left = charge.amount + charge.tax - self.paid[-k, Component.FEE]
            if left > ZERO and charge.day <= day:
                owed.append(Owed(-k, charge.day, Component.FEE, left))
        return owed

    def charges_due(self) -> Decimal:
        owed = (
            c.amount + c.tax - self.paid[-k, Component.FEE] for k, c in enumerate(self.charges, 1)
        )
        return sum(owed, self.excess * 0)

    def _unpaid(self, row: Installment) -> Decimal:
        return (
            row.total
            - self.paid[row.number, Component.INTEREST]
            - self.paid[row.number, Component.PRINCIPAL]
        )

    def state(
        self, as_of: date, applied: tuple[Applied, ...], from_excess: tuple[ExcessApplied, ...]
    ) -> LoanState:
        installments = tuple(
            InstallmentState(
                r.number,
                r.due_date,
                r.principal,
                r.interest,
                self.paid[r.number, Component.PRINCIPAL],
                self.paid[r.number, Component.INTEREST],
            )
            for r in self.rows
        )
        due = [i for i in installments if i.due_date <= as_of]
        oldest = next((i.due_date for i in due if i.unpaid > ZERO), None)
        zero = self.excess * 0
        return LoanState(
            as_of=as_of,
            installments=installments,
            excess=self.excess,
            principal_outstanding=sum((i.principal - i.principal_paid for i in installments), zero),
            principal_due=sum((i.principal - i.principal_paid for i in due), zero),
            interest_due=sum((i.interest - i.interest_paid for i in due), zero),
            dpd=(as_of - oldest).days + 1 if oldest is not None else 0,
            closed_on=self.closed_on,
            applied=applied,
            excess_applied=from_excess,
            charges_due=self.charges_due(),
        )
