"""Lending against gold: what pledged gold is worth and how much may be lent against it.

The RBI's directions on lending against gold and silver (2025) value gold at the lower of the
average closing price of 22-carat gold over the preceding 30 days and the preceding day's
closing price (`reference_price`), for the gold content alone (net weight, stones and alloy
out) and in proportion to its purity (`gold_value`: 18 carats is worth 18/22 of 22-carat gold
by weight). The loan may be at most a share of that value, by the loan's size (`ceiling`:
85 % up to 2.5 lakh, 80 % up to 5 lakh, 75 % above, by default), kept through the tenure; for
a bullet loan the amount compared is the whole amount repayable at maturity. Gold auctioned
after a default may not go below a reserve price (`reserve_price`: 90 % of its value then, 85 %
after two failed auctions), and any surplus goes back to the borrower within seven working
days (`working_days_after`).

Rounding, at named points only: a value is rounded down to the paisa (collateral is never
overstated); a loan-to-value ratio is rounded up to a hundredth of a percent (never
understated); a shortfall is rounded up to the paisa (what is asked for always cures it).

Guarantees: pure; exact Decimal arithmetic; prices come in as data (no clock, no source is
read here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

HUNDRED = Decimal(100)
PAISA = Decimal("0.01")
BASIS = Decimal(22)  # carats: the purity prices are quoted for


class GoldPriceError(ValueError):
    """No price to value gold with on a date (none before it)."""


@dataclass(frozen=True)
class Tier:
    """Loans up to `up_to` (None: any size) may be at most `percent` of the gold's value."""

    up_to: Decimal | None
    percent: Decimal


TIERS = (
    Tier(Decimal(250_000), Decimal(85)),
    Tier(Decimal(500_000), Decimal(80)),
    Tier(None, Decimal(75)),
)


def reference_price(closing: Mapping[date, Decimal], on: date, days: int = 30) -> Decimal:
    """The price a gram of 22-carat gold is valued at on `on`: the lower of the average of the
    closing prices of the `days` days before it (the days with a price: markets close on
    holidays) and the last of them. Not rounded (the value it gives is). A price older than
    that is stale: no value is given."""
    window = sorted(d for d in closing if on - timedelta(days=days) <= d < on)
    if not window:
        raise GoldPriceError(f"no gold price in the {days} days before {on}")
    average = sum((closing[d] for d in window), Decimal(0)) / len(window)
    return min(closing[window[-1]], average)


def gold_value(net_grams: Decimal, carats: Decimal, price: Decimal) -> Decimal:
    """What `net_grams` of gold of `carats` purity is worth at `price` a gram of 22 carats,
    rounded down to the paisa."""
    if net_grams < 0 or not 0 < carats <= 24 or price < 0:
        raise ValueError("weight and price must not be negative; carats from above 0 to 24")
    return (net_grams * price * carats / BASIS).quantize(PAISA, rounding=ROUND_FLOOR)


def ceiling(loan_amount: Decimal, tiers: Sequence[Tier] = TIERS) -> Decimal:
    """The highest loan-to-value ratio, in percent, for a loan of `loan_amount`."""
    for tier in tiers:
        if tier.up_to is None or loan_amount <= tier.up_to:
            return tier.percent
    raise ValueError("the tiers must end with one for any size (up_to None)")


def ltv(owed: Decimal, value: Decimal) -> Decimal | None:
    """What is owed as a percentage of the collateral's value, rounded up to a hundredth of a
    percent; None when there is no value to lend against."""
    if value <= 0:
        return None
    return (owed * HUNDRED / value).quantize(PAISA, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Shortfall:
    """What cures a breach: a payment of `pay_down`, or more gold worth `more_value`."""

    pay_down: Decimal
    more_value: Decimal


def shortfall(owed: Decimal, value: Decimal, percent: Decimal) -> Shortfall | None:
    """What brings the ratio of `owed` to `value` back to `percent`; None if it is within."""
    allowed = value * percent / HUNDRED
    if owed <= allowed:
        return None
    pay_down = (owed - allowed).quantize(PAISA, rounding=ROUND_CEILING)
    more_value = (owed * HUNDRED / percent - value).quantize(PAISA, rounding=ROUND_CEILING)
    return Shortfall(pay_down, more_value)


def reserve_price(value: Decimal, failures: int, first: Decimal, later: Decimal) -> Decimal:
    """The least an auction may sell pledged gold worth `value` for: `first` percent of it
    (90 % by default), or `later` percent (85 %) once two auctions have failed; rounded up to
    the paisa (the borrower's gold never goes for less than the rule)."""
    percent = first if failures < 2 else later
    return (value * percent / HUNDRED).quantize(PAISA, rounding=ROUND_CEILING)


def working_days_after(day: date, count: int) -> date:
    """The date `count` working days (Monday to Friday) after `day`."""
    while count > 0:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day
