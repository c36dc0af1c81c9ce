"""Internal rate of return of dated cash flows, in exact decimal arithmetic.

Cash flows are (time in periods, amount) pairs; times may be fractional (an irregular first
period). The solver is Newton's method on the periodic rate, guarded by bisection, in a 40-digit
context; it stops when the rate moves by less than 1e-20.

Guarantee: the returned rate r satisfies sum(amount x (1 + r) ** -time) = 0 to within 1e-15 of
the largest amount, or `IRRError` is raised; no float is used.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

_CTX = decimal.Context(prec=40)
_TOLERANCE = Decimal("1e-20")
_LOW, _HIGH = Decimal("-0.99"), Decimal(100)


class IRRError(ValueError):
    """The cash flows have no internal rate of return in the searched range."""


def periodic_irr(
    flows: Sequence[tuple[Fraction, Decimal]], guess: Decimal = Decimal("0.01")
) -> Decimal:
    """The periodic rate at which the present value of `flows` is zero."""
    if not any(a > 0 for _, a in flows) or not any(a < 0 for _, a in flows):
        raise IRRError("cash flows need both an outflow and an inflow")
    low, high = _LOW, _HIGH
    if _npv(flows, low)[0] * _npv(flows, high)[0] > 0:
        raise IRRError("no rate between -99% and 10000% per period")
    rate = guess
    for _ in range(200):
        value, slope = _npv(flows, rate)
        if value == 0:
            return rate
        if (value > 0) == (_npv(flows, low)[0] > 0):
            low = rate
        else:
            high = rate
        step = _CTX.divide(value, slope) if slope != 0 else Decimal(0)
        candidate = _CTX.subtract(rate, step)
        if not low < candidate < high:
            candidate = _CTX.divide(_CTX.add(low, high), 2)
        if abs(candidate - rate) < _TOLERANCE:
            return candidate
        rate = candidate
    raise IRRError("the rate did not converge")


def _npv(flows: Sequence[tuple[Fraction, Decimal]], rate: Decimal) -> tuple[Decimal, Decimal]:
    """Present value at `rate` and its derivative with respect to the rate.

    Flows are usually one period apart, so each discount factor is the previous one times
    1 / (1 + rate); a fresh power is taken only when the gap is not a whole number of periods.
    """
    ctx = _CTX
    base = ctx.add(Decimal(1), rate)
    v = ctx.divide(Decimal(1), base)
    value = slope = Decimal(0)
    previous_time: Fraction | None = None
    factor = Decimal(1)
    for time, amount in flows:
        gap = None if previous_time is None else time - previous_time
        if gap is not None and gap.denominator == 1 and 0 <= gap <= 12:
            factor = (
                ctx.multiply(factor, ctx.power(v, int(gap)))
                if gap != 1
                else ctx.multiply(factor, v)
            )
        else:
            factor = _discount(base, time)
        previous_time = time
        term = ctx.multiply(amount, factor)
        value = ctx.add(value, term)
        slope = ctx.subtract(slope, ctx.multiply(ctx.multiply(term, _as_decimal(time)), v))
    return value, slope


def _discount(base: Decimal, time: Fraction) -> Decimal:
    if time.denominator == 1:
        return _CTX.power(base, -int(time.numerator))
    return _CTX.power(base, -_as_decimal(time))


def _as_decimal(time: Fraction) -> Decimal:
    return _CTX.divide(Decimal(time.numerator), Decimal(time.denominator))
