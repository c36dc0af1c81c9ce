"""Lending against listed securities and mutual fund units: what the pledge is worth, how much
may be drawn against it, and what cures a shortfall.

Each holding is valued at its last closing price (a share's on the exchange, a fund unit's net
asset value) and counts towards the drawing power after its class's haircut (by default 50 %
for shares and equity funds: the RBI's loan-to-value ceiling of 50 % for loans against shares;
25 % for debt funds). When what the loan owes is above the drawing power, the borrower is
called to pay the difference, or to pledge more of the same mix worth enough to cover it.

Rounding, at named points only: a holding's value and its drawing power are rounded down to
the paisa (collateral is never overstated); the ratio of what is owed to the market value is
rounded up to a hundredth of a percent, the drawing power's share of the value down; a
shortfall and the securities that cure it are rounded up to the paisa.

Guarantees: pure; exact Decimal arithmetic; prices come in as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

PAISA = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Holding:
    quantity: Decimal  # shares, or fund units (to three places)
    price: Decimal  # the last closing price or NAV
    haircut: Decimal  # percent of its value that does not count


@dataclass(frozen=True)
class Position:
    """A pledge's market value and drawing power, and what is owed against them."""

    value: Decimal
    drawing_power: Decimal
    owed: Decimal

    @property
    def ratio(self) -> Decimal | None:
        """What is owed as a percent of the market value (None: nothing of value left)."""
        if self.value <= 0:
            return None
        return (self.owed * HUNDRED / self.value).quantize(PAISA, rounding=ROUND_CEILING)

    @property
    def ceiling(self) -> Decimal:
        """The drawing power as a percent of the market value: the mix's loan-to-value limit."""
        if self.value <= 0:
            return ZERO
        return (self.drawing_power * HUNDRED / self.value).quantize(PAISA, rounding=ROUND_FLOOR)

    @property
    def pay_down(self) -> Decimal:
        """The payment that brings what is owed within the drawing power (0: within)."""
        return max(ZERO, self.owed - self.drawing_power).quantize(PAISA, rounding=ROUND_CEILING)

    @property
    def more_value(self) -> Decimal:
        """The market value of more securities of the same mix that would cure the shortfall
        instead (0: within; what is owed when nothing of value is pledged)."""
        if not self.pay_down:
            return ZERO
        if self.drawing_power <= 0:
            return self.pay_down
        exact = self.pay_down * self.value / self.drawing_power
        return exact.quantize(PAISA, rounding=ROUND_CEILING)


def position(holdings: Sequence[Holding], owed: Decimal) -> Position:
    """The pledge's value and drawing power against `owed`."""
    value = ZERO
    power = ZERO
    for h in holdings:
        worth = (h.quantity * h.price).quantize(PAISA, rounding=ROUND_FLOOR)
        value += worth
        power += (worth * (HUNDRED - h.haircut) / HUNDRED).quantize(PAISA, rounding=ROUND_FLOOR)
    return Position(value, power, owed)
