"""The portfolio forecast by roll rates: balance roll rates between days-past-due states
estimated from month-on-month moves, and the book projected forward as a Markov chain.

A roll rate from state i to state j is the principal outstanding, one month later, of the loans
that were in i and are then in j, over the principal outstanding of the loans in i (summed over
the months observed). Rows need not add up to one: what a loan repays, prepays or leaves the
book with (closed, written off) runs off. Projection: next month's balance in j is the sum over
i of this month's balance in i times the rate from i to j; new loans are not in it (a forecast
of the book as it stands).

Guarantee: pure; rates are exact fractions (Decimal division at the context's 28 digits),
balances are rounded half up to the paisa once per state and month (the projection's named
rounding point), provisions once per state and month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Move:
    """Loans in state `before` one month end, in `after` the next (None: off the book), with
    their principal outstanding at each (summed)."""

    before: str
    after: str | None
    balance_before: Decimal
    balance_after: Decimal


Rates = Mapping[str, Mapping[str, Decimal]]


def roll_rates(states: Sequence[str], moves: Iterable[Move]) -> dict[str, dict[str, Decimal]]:
    """The balance roll rates between `states` from the observed `moves` (a state no loan was
    seen in keeps its balance where it is: with no evidence of moves, none is assumed)."""
    start = dict.fromkeys(states, ZERO)
    landed = {s: dict.fromkeys(states, ZERO) for s in states}
    for move in moves:
        start[move.before] += move.balance_before
        if move.after is not None:
            landed[move.before][move.after] += move.balance_after
    return {
        s: {t: landed[s][t] / start[s] if start[s] else Decimal(s == t) for t in states}
        for s in states
    }


def project(
    states: Sequence[str], balances: Mapping[str, Decimal], rates: Rates, months: int
) -> list[dict[str, Decimal]]:
    """The balance in each state at each of the next `months` month ends."""
    out, now = [], {s: balances.get(s, ZERO) for s in states}
    for _ in range(months):
        now = {
            t: sum((now[s] * rates[s][t] for s in states), ZERO).quantize(PAISA, ROUND_HALF_UP)
            for t in states
        }
        out.append(now)
    return out


def provisions(balances: Mapping[str, Decimal], percent: Mapping[str, Decimal]) -> Decimal:
    """The provision a month's balances need: each state's balance times its rate (percent)."""
    return sum(
        ((amount * percent[s] / 100).quantize(PAISA, ROUND_HALF_UP) for s, amount in
         balances.items()),
        ZERO,
    )  # fmt: skip
