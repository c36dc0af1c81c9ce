"""Internal rate of return of dated cash flows, in exact decimal arithmetic.

Cash flows are (time in periods, amount) pairs; times may be fractional (an irregular first
period). The solver is Newton's method on the periodic rate, with bisection as the fallback, in
a 34-digit context; it stops when the rate moves by less than 1e-16 (an APR good to 1e-12 %).

Guarantee: the returned rate r makes sum(amount x (1 + r) ** -time) zero to within the solver's
tolerance, or `IRRError` is raised; no float is used.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

_CTX = decimal.Context(prec=34)
_TOLERANCE = Decimal("1e-16")
_LOW, _HIGH = Decimal("-0.99"), Decimal(100)
_ONE = Decimal(1)

# A prepared flow: (time as Decimal, amount, whole periods since the previous flow or None).
_Flow = tuple[Decimal, Decimal, int | None]


class IRRError(ValueError):
    """The cash flows have no internal rate of return in the searched range."""


def periodic_irr(
    flows: Sequence[tuple[Fraction, Decimal]], guess: Decimal = Decimal("0.01")
) -> Decimal:
    """The periodic rate at which the present value of `flows` (in time order) is zero.

    Newton's method from `guess` (the contract rate converges in three or four steps); if it
    leaves the searched range or stalls, bisection over the whole range decides.
    """
    if not any(a > 0 for _, a in flows) or not any(a < 0 for _, a in flows):
        raise IRRError("cash flows need both an outflow and an inflow")
    prepared = _prepare(flows)
    rate = guess
    for _ in range(30):
        value, slope = _npv(prepared, rate)
        if not slope:
            break
        candidate = _CTX.subtract(rate, _CTX.divide(value, slope))
        if not _LOW < candidate < _HIGH:
            break
        if abs(candidate - rate) < _TOLERANCE:
            return candidate
        rate = candidate
    return _bisect(prepared)


def _bisect(prepared: list[_Flow]) -> Decimal:
    low, high = _LOW, _HIGH
    low_sign = _npv(prepared, low)[0] > 0
    if low_sign == (_npv(prepared, high)[0] > 0):
        raise IRRError("no rate between -99% and 10000% per period")
    while high - low > _TOLERANCE:
        middle = _CTX.divide(_CTX.add(low, high), 2)
        if (_npv(prepared, middle)[0] > 0) == low_sign:
            low = middle
        else:
            high = middle
    return low


def _prepare(flows: Sequence[tuple[Fraction, Decimal]]) -> list[_Flow]:
    prepared: list[_Flow] = []
    previous: tuple[int, int] | None = None
    for time, amount in flows:
        numerator, denominator = time.numerator, time.denominator
        whole = None
        if previous is not None:  # the gap, in integers (Fraction arithmetic is slow)
            gap_numerator = numerator * previous[1] - previous[0] * denominator
            gap_denominator = denominator * previous[1]
            if gap_numerator % gap_denominator == 0 and 0 <= gap_numerator // gap_denominator <= 12:
                whole = gap_numerator // gap_denominator
        as_decimal = _CTX.divide(Decimal(numerator), Decimal(denominator))
        prepared.append((as_decimal, amount, whole))
        previous = (numerator, denominator)
    return prepared


def _npv(flows: list[_Flow], rate: Decimal) -> tuple[Decimal, Decimal]:
    """Present value at `rate` and its derivative with respect to the rate.

    Flows are usually whole periods apart, so each discount factor is the previous one times
    (1 + rate) ** -gap; a fresh power is taken only for a fractional gap.
    """
    ctx = _CTX
    base = ctx.add(_ONE, rate)
    v = ctx.divide(_ONE, base)
    value = slope = Decimal(0)
    factor = _ONE
    for time, amount, gap in flows:
        if gap == 1:
            factor = ctx.multiply(factor, v)
        elif gap is not None:
            factor = ctx.multiply(factor, ctx.power(v, gap))
        else:
            factor = ctx.exp(ctx.multiply(-time, ctx.ln(base))) if time else _ONE
        term = ctx.multiply(amount, factor)
        value = ctx.add(value, term)
        slope = ctx.subtract(slope, ctx.multiply(ctx.multiply(term, time), v))
    return value, slope
