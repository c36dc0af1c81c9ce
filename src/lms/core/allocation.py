"""The allocation waterfall: how a payment is split over what the borrower owes.

The waterfall is data, as in Fineract's newer products: an ordered list of (due bucket,
component) pairs. Buckets are relative to the payment's value date: past due (due before it),
due (due on it) and in advance (due later). Within one pair, older installments come first
(for in-advance amounts the product's future rule decides: next installment or last first).
A new ordering is a new list, never new code.

Guarantee: `allocate` is pure; the parts it returns sum to the amount minus the excess, no part
exceeds what was owed, and the excess is never negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms.core.money import ZERO


class Bucket(StrEnum):
    PAST_DUE = "past_due"
    DUE = "due"
    IN_ADVANCE = "in_advance"


class Component(StrEnum):
    PENAL = "penal"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class FutureRule(StrEnum):
    """Which future installment an in-advance payment goes to first."""

    NEXT = "next"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class Waterfall:
    """An ordered list of (bucket, component) pairs and the rule for future installments."""

    order: tuple[tuple[Bucket, Component], ...]
    future: FutureRule = FutureRule.NEXT


# Oldest dues first, and within them charges, then interest, then principal (the usual Indian
# practice); nothing in advance: an excess is held as unapplied funds until the next due date.
STANDARD = Waterfall(
    tuple(
        (bucket, component)
        for bucket in (Bucket.PAST_DUE, Bucket.DUE)
        for component in (Component.PENAL, Component.FEE, Component.INTEREST, Component.PRINCIPAL)
    )
)


@dataclass(frozen=True, slots=True)
class Owed:
    """An amount still owed: one component of one installment."""

    installment: int
    due_date: date
    component: Component
    amount: Decimal


def owed_components(
    rows: Iterable[tuple[int, date, Decimal, Decimal]],
    charges: Iterable[tuple[int, date, Component, Decimal]],
    day: date,
    ahead: bool,
) -> list[Owed]:
    """What money on `day` may be split over: of each installment (`rows`: number, due date,
    interest left, principal left; in due-date order) due by `day`, or of every one when the
    waterfall pays ahead, its interest left then its principal left; then each charge
    (`charges`: its number -k, the day levied, its component, what is left) levied by `day`.
    The one definition the replay and the payment rules share."""
    owed = []
    for number, due_date, interest, principal in rows:
        if due_date > day and not ahead:
            continue
        if interest > 0:
            owed.append(Owed(number, due_date, Component.INTEREST, interest))
        if principal > 0:
            owed.append(Owed(number, due_date, Component.PRINCIPAL, principal))
    for number, levied, component, left in charges:
        if left > 0 and levied <= day:
            owed.append(Owed(number, levied, component, left))
    return owed


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a payment applied to one component of one installment."""

    installment: int
    component: Component
    amount: Decimal


def bucket_of(due_date: date, value_date: date) -> Bucket:
    if due_date < value_date:
        return Bucket.PAST_DUE
    return Bucket.DUE if due_date == value_date else Bucket.IN_ADVANCE


def allocate(
    amount: Decimal, owed: Sequence[Owed], value_date: date, waterfall: Waterfall = STANDARD
) -> tuple[tuple[Part, ...], Decimal]:
    """Split `amount` over `owed` by `waterfall`; returns (parts, excess not applied)."""
    if amount < ZERO:
        raise ValueError("a payment amount must not be negative")
    left = amount
    parts: list[Part] = []
    for bucket, component in waterfall.order:
        if left == ZERO:
            break
        for item in _ordered(owed, bucket, component, value_date, waterfall.future):
            applied = min(left, item.amount)
            if applied > ZERO:
                parts.append(Part(item.installment, component, applied))
                left -= applied
            if left == ZERO:
                break
    return tuple(parts), left


def _ordered(
    owed: Sequence[Owed], bucket: Bucket, component: Component, value_date: date, future: FutureRule
) -> list[Owed]:
    chosen = [
        item
        for item in owed
        if item.component is component and bucket_of(item.due_date, value_date) is bucket
    ]
    newest_first = bucket is Bucket.IN_ADVANCE and future is FutureRule.LAST
    # oldest due first; charges (numbered -1, -2, ... in the order levied) by their day
    return sorted(
        chosen, key=lambda item: (item.due_date, abs(item.installment)), reverse=newest_first
    )
