"""Money: the one way in for amounts, and rounding policies applied only at named points.

Guarantees:
- `money()` is the only constructor of amounts: it accepts `Decimal`, `int` or a decimal string,
  and refuses `float` (binary fractions are never exact) and non-finite values.
- `Rounding` rounds to any positive step (0.01, 1, 10, 0.05 ...) with one of four modes; a
  result always carries the step's exponent, so `Rounding(Decimal("1")).apply(...)` gives whole
  rupees and `Rounding(Decimal("0.01"))` paisa.
- `exact()` is the high-precision context used for intermediate arithmetic so that the only
  rounding a figure sees is the named one.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)
ONE = Decimal(1)
PAISA = Decimal("0.01")
RUPEE = Decimal(1)
HUNDRED = Decimal(100)

# 60 significant digits: far beyond any loan amount times any rate, so intermediate results are
# exact or off by less than 1e-40 of a paisa, which can never move a rounding decision by itself.
_EXACT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN, Emax=999999, Emin=-999999)


class MoneyError(ValueError):
    """An amount or rounding policy that cannot be represented exactly."""


def exact() -> decimal.Context:
    """The high-precision context for intermediate (unrounded) money arithmetic."""
    return _EXACT


def money(value: Decimal | int | str) -> Decimal:
    """Build an amount from `Decimal`, `int` or a decimal string; never from `float`."""
    if isinstance(value, (bool, float)):
        raise MoneyError(f"amounts must not be built from {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise MoneyError(f"not a decimal number: {value!r}") from None
    else:
        raise MoneyError(f"amounts must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"amounts must be finite: {value!r}")
    return result


class RoundingMode(StrEnum):
    """How a value between two steps is resolved. Stored values are stable."""

    HALF_UP = "half_up"  # ties away from zero: 0.005 -> 0.01
    HALF_EVEN = "half_even"  # ties to the even step (banker's rounding)
    UP = "up"  # away from zero: 100.01 -> 101 at step 1
    DOWN = "down"  # towards zero: 100.99 -> 100 at step 1


_DECIMAL_MODE = {
    RoundingMode.HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    RoundingMode.UP: decimal.ROUND_UP,
    RoundingMode.DOWN: decimal.ROUND_DOWN,
}


@dataclass(frozen=True, slots=True)
class Rounding:
    """A rounding policy: a positive step (any multiple, e.g. 0.01, 1, 10, 0.05) and a mode."""

    step: Decimal = PAISA
    mode: RoundingMode = RoundingMode.HALF_UP
    _quantum: Decimal | None = field(init=False, repr=False, compare=False, default=None)
    _decimal_mode: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        if not isinstance(self.step, Decimal) or not self.step.is_finite() or self.step <= 0:
            raise MoneyError(f"rounding step must be a positive Decimal, not {self.step!r}")
        mode = RoundingMode(self.mode)
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "_decimal_mode", _DECIMAL_MODE[mode])
        exponent = ONE.scaleb(min(_exponent(self.step), 0))
        # A power of ten at or below one: plain quantize is exact and fast.
        object.__setattr__(self, "_quantum", exponent if self.step == exponent else None)

    def quantum_and_mode(self) -> tuple[Decimal | None, str]:
        """For hot loops: (quantum, decimal rounding) when the step is a power of ten at or
        below one, so `amount.quantize(quantum, rounding)` equals `apply`; else (None, mode)."""
        return self._quantum, self._decimal_mode

    def apply_ratio(self, numerator: int, denominator: int) -> Decimal:
        """Round the exact ratio numerator / denominator to a multiple of the step."""
        step_numerator, step_denominator = self.step.as_integer_ratio()
        units = round_ratio(numerator * step_denominator, denominator * step_numerator, self.mode)
        exponent = min(_exponent(self.step), 0)
        return (Decimal(units) * self.step).quantize(ONE.scaleb(exponent), context=_EXACT)

    def apply(self, amount: Decimal) -> Decimal:
        """Round `amount` to a multiple of the step; the result has the step's exponent."""
        if self._quantum is not None:
            return amount.quantize(self._quantum, self._decimal_mode, _EXACT)
        return round_to(amount, self.step, self.mode)


def round_ratio(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """numerator / denominator rounded to a whole number by `mode`, in exact integers."""
    if denominator <= 0:
        raise MoneyError("the denominator must be positive")
    negative = numerator < 0
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder:
        twice = 2 * remainder
        if (
            mode is RoundingMode.UP
            or (mode is RoundingMode.HALF_UP and twice >= denominator)
            or (
                mode is RoundingMode.HALF_EVEN
                and (twice > denominator or (twice == denominator and quotient % 2))
            )
        ):
            quotient += 1
    return -quotient if negative else quotient


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


def round_to(amount: Decimal, step: Decimal, mode: RoundingMode) -> Decimal:
    """Round `amount` to a multiple of `step` with `mode`, keeping the step's exponent."""
    ctx = _EXACT
    exponent = ONE.scaleb(min(_exponent(step), 0))
    rounding = _DECIMAL_MODE[RoundingMode(mode)]
    if step == exponent:
        return amount.quantize(step, rounding, ctx)
    units = ctx.divide(amount, step).quantize(ONE, rounding, ctx)
    return ctx.multiply(units, step).quantize(exponent, context=ctx)


def spread(total: Decimal, count: int, precision: Rounding) -> tuple[Decimal, Decimal]:
    """Split `total` into `count` parts: (each of the first count - 1, the last).

    Each part is total / count rounded by `precision`; the last takes what is left, and is never
    negative: when rounding up would overdraw the total, the parts are rounded down instead.
    """
    share = precision.apply(_EXACT.divide(total, count))
    if share * (count - 1) > total:
        share = Rounding(precision.step, RoundingMode.DOWN).apply(_EXACT.divide(total, count))
    return share, total - share * (count - 1)
