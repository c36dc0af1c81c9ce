"""Installment amounts: level EMI (with balloon and step-up/step-down), equal principal, flat.

All arithmetic is in the exact context; the only rounding is the installment-amount policy
(`LoanTerms.rounding`) applied to each amount this module returns.

Guarantee: for a positive rate, the unrounded amounts returned by `level_amounts` repay the
balance (less the balloon's present value) exactly at the periodic rate; the last installment of
a schedule absorbs whatever rounding leaves over, so callers never need the inverse.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from lms.core.money import ONE, ZERO, Rounding, exact
from lms.core.terms import StepPolicy


def level_amounts(
    balance: Decimal,
    rate: tuple[int, int],
    count: int,
    *,
    balloon: Decimal,
    step: StepPolicy | None,
    rounding: Rounding,
) -> tuple[Decimal, ...]:
    """Installment amounts for `count` periods at periodic `rate` (numerator, denominator), each
    rounded by `rounding`.

    Without a step all amounts are equal (the EMI); with one, the amount changes every
    `step.every` installments by `step.percent` of the base or by `step.amount`.
    """
    if step is None:
        return (rounding.apply_ratio(*level_installment(balance, rate, count, balloon)),) * count
    ctx = exact()
    discount = _discount_factors(ctx.divide(Decimal(rate[0]), rate[1]), count)
    target = ctx.subtract(balance, ctx.multiply(balloon, discount[-1]))
    levels = [j // step.every for j in range(count)]
    if step.percent is not None:
        growth = ctx.add(ONE, ctx.divide(step.percent, 100))
        weights = [ctx.power(growth, level) for level in levels]
        base = ctx.divide(target, _dot(weights, discount))
        return tuple(rounding.apply(ctx.multiply(base, w)) for w in weights)
    increment = step.amount if step.amount is not None else ZERO
    shifted = _dot([Decimal(level) for level in levels], discount)
    base = ctx.divide(ctx.subtract(target, ctx.multiply(increment, shifted)), sum(discount, ZERO))
    return tuple(rounding.apply(ctx.add(base, increment * level)) for level in levels)


def level_installment(
    balance: Decimal, rate: tuple[int, int], count: int, balloon: Decimal = ZERO
) -> tuple[int, int]:
    """The exact level installment that repays `balance` in `count` periods at periodic `rate`,
    leaving `balloon` to be paid on top of the last one, as (numerator, denominator) integers:
    (B (1+r)^n - F) r / ((1+r)^n - 1), so that rounding it is exact."""
    b_num, b_den = balance.as_integer_ratio()
    f_num, f_den = balloon.as_integer_ratio()
    a, b = rate
    if a == 0:
        return b_num * f_den - f_num * b_den, b_den * f_den * count
    grown, base = compound_powers(a, b, count)  # (a+b)^n, b^n
    future = (b_num * f_den * grown - f_num * b_den * base) * a
    return future, b_den * f_den * b * (grown - base)


@lru_cache(maxsize=4096)
def compound_powers(a: int, b: int, count: int) -> tuple[int, int]:
    """((a + b) ** count, b ** count): (1 + a/b) ** count as a ratio of integers. Cached: a
    book holds few distinct (rate, tenure) pairs, and the powers are the costly part."""
    return (a + b) ** count, b**count


def _discount_factors(rate: Decimal, count: int) -> list[Decimal]:
    ctx = exact()
    v = ctx.divide(ONE, ctx.add(ONE, rate))
    factors = [v]
    for _ in range(count - 1):
        factors.append(ctx.multiply(factors[-1], v))
    return factors


def _dot(left: list[Decimal], right: list[Decimal]) -> Decimal:
    ctx = exact()
    total = ZERO
    for a, b in zip(left, right, strict=True):
        total = ctx.add(total, ctx.multiply(a, b))
    return total


def equal_principal_part(
    balance: Decimal, count: int, *, balloon: Decimal, rounding: Rounding
) -> Decimal:
    """The principal part of each equal-principal installment (the last takes the residue),
    with at least the balance's decimal places (a part rounded to 1000 reads 1000.00)."""
    return rounding.apply(exact().divide(balance - balloon, count)) + balance * ZERO
