"""Columns of a bulk import as exact int64 arrays, and the integer helpers the lane shares.

Guarantee: an amount enters as an integer count of the precision step only when it is exactly
such a multiple and small enough for int64 arithmetic; a rate only as an exact ratio with a
small denominator; every loan the core would refuse is left out (the core then reports it).
`divide_rounded` rounds exactly as `lms.core.money.round_ratio` does, element by element.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from lms.core.money import RoundingMode, round_ratio
from lms.core.terms import MAX_AMOUNT, LoanTerms

if TYPE_CHECKING:
    from lms.servicing.bulk import LoanColumns

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]

SAFE = 2**61  # every product the lane forms stays below this (checked before it runs)
_MAX_RATE_DENOMINATOR = 10**6


@dataclass(frozen=True)
class Loans:
    """The loans the lane takes, as arrays."""

    index: Ints
    principal: Ints  # minor units
    rate_numerator: Ints  # annual rate in percent = numerator / denominator
    rate_denominator: Ints
    disbursed: Days
    count: Ints
    first_due: Days  # NaT when not given
    due_day: Ints  # -1: the first due date's day; 0: month end


def loans_of(product: LoanTerms, columns: LoanColumns) -> Loans:
    """The loans as arrays, keeping only those the lane computes exactly; the others (including
    every loan the core would refuse) are left to the core, which reports or computes them."""
    exponent = product.precision.step.as_tuple().exponent
    assert isinstance(exponent, int)
    principal, fit = _minor_units(columns.principal, -exponent)
    rates, fit_rates = _rate_ratios(columns.annual_rate)
    fit &= fit_rates
    count = np.asarray(columns.installments, dtype=np.int64)
    first_due = _days(
        columns.first_due_date if columns.first_due_date is not None else [None] * len(columns)
    )
    product_day = -1 if product.due_day is None else product.due_day
    days = columns.due_day if columns.due_day is not None else [None] * len(columns)
    due_day = np.array([product_day if d is None else d for d in days], dtype=np.int64)
    disbursed = _days(columns.disbursement_date)
    largest = int(MAX_AMOUNT.scaleb(-exponent))
    fit &= (principal > 0) & (principal <= largest) & (count >= 1) & (count <= 1200)
    fit &= (due_day >= -1) & (due_day <= 31)
    fit &= np.isnat(first_due) | (first_due > disbursed)
    given = ~np.isnat(first_due) & (due_day >= 0)  # a given first due date must be on the due day
    on_day = month_day(first_due[given].astype("M8[M]"), due_day[given]) == first_due[given]
    fit[given] &= on_day
    fit &= _fees_leave_something(product, principal)
    index = np.flatnonzero(fit)
    return Loans(
        index,
        principal[index],
        rates[index, 0],
        rates[index, 1],
        disbursed[index],
        count[index],
        first_due[index],
        due_day[index],
    )


def _fees_leave_something(product: LoanTerms, principal: Ints) -> Bools:
    """Whether the upfront fees and their tax stay below each principal (as the core requires),
    computed with the core's rounding in integers; loans beyond int64 here are left unfit."""
    charged = np.zeros(len(principal), dtype=np.int64)
    fit = np.ones(len(principal), dtype=np.bool_)
    mode, unit = product.precision.mode, product.precision.step
    for fee in product.fees:
        tax_numerator, tax_denominator = fee.tax_percent.as_integer_ratio()
        if fee.amount is not None:
            base = int(product.precision.apply(fee.amount) / unit)
            charged += base + round_ratio(base * tax_numerator, tax_denominator * 100, mode)
            continue
        assert fee.percent is not None
        numerator, denominator = fee.percent.as_integer_ratio()
        fit &= principal < SAFE // max(numerator, 1) // 4
        base_units = divide_rounded(
            np.where(fit, principal, 0) * numerator, denominator * 100, mode
        )
        charged += base_units + divide_rounded(
            base_units * tax_numerator, tax_denominator * 100, mode
        )
    result: Bools = fit & (charged < principal)
    return result


_EPOCH = date(1970, 1, 1).toordinal()


def _days(dates: Sequence[date | None]) -> Days:
    """Python dates as datetime64[D] (None as NaT), through ordinals: numpy's own conversion
    of date objects is several times slower."""
    nat = np.iinfo(np.int64).min
    ordinals = [nat if d is None else d.toordinal() - _EPOCH for d in dates]
    result: Days = np.array(ordinals, dtype=np.int64).view("M8[D]")
    return result


def _minor_units(amounts: Sequence[Decimal], scale: int) -> tuple[Ints, Bools]:
    """Amounts as integers of 10**-scale, and whether each was exactly such a multiple."""
    unit = 10**scale
    multiplier: dict[int, int | None] = {}  # denominator -> unit // denominator, if exact
    units: list[int] = []
    exact: list[bool] = []
    for amount in amounts:
        numerator, denominator = amount.as_integer_ratio()
        if denominator not in multiplier:
            multiplier[denominator] = unit // denominator if unit % denominator == 0 else None
        factor = multiplier[denominator]
        whole = 0 if factor is None else numerator * factor
        fits = factor is not None and -SAFE < whole < SAFE
        units.append(whole if fits else 0)
        exact.append(fits)
    return np.array(units, dtype=np.int64), np.array(exact, dtype=np.bool_)


def _rate_ratios(rates: Sequence[Decimal]) -> tuple[Ints, Bools]:
    """Each annual rate as (numerator, denominator), and whether the lane can take it (a small
    denominator, a non-negative rate); the book has few distinct rates."""
    seen: dict[Decimal, tuple[int, int]] = {}
    out = []
    for rate in rates:
        ratio = seen.get(rate)
        if ratio is None:
            numerator, denominator = rate.as_integer_ratio()
            usable = 0 <= numerator < SAFE and denominator <= _MAX_RATE_DENOMINATOR
            ratio = seen[rate] = (numerator, denominator) if usable else (0, 0)
        out.append(ratio)
    ratios = np.array(out, dtype=np.int64).reshape(-1, 2)
    fit: Bools = ratios[:, 1] > 0
    ratios[~fit, 1] = 1
    return ratios, fit


def select(loans: Loans, fit: Bools, *dates: Days) -> tuple[Loans, Days, Days, Days]:
    kept = Loans(*(getattr(loans, f)[fit] for f in Loans.__dataclass_fields__))
    due, start, full_start = dates
    return kept, due[:, fit], start[fit], full_start[fit]


def month_day(months: npt.NDArray[Any], day: Ints) -> Days:
    """The date on `day` (0: last day; larger than the month: last day) of each month
    (`months` are datetime64[M])."""
    index = months.astype(np.int64)  # months since 1970-01
    low = int(index.min(initial=0))
    table = np.arange(low, int(index.max(initial=0)) + 2).astype("M8[M]").astype("M8[D]")
    starts = table.astype(np.int64)
    first = starts[index - low]
    length = starts[index - low + 1] - first
    chosen = np.where((day == 0) | (day > length), length, day)
    result: Days = (first + chosen - 1).view("M8[D]")
    return result


def divide_rounded(numerator: Ints, denominator: Ints | int, mode: RoundingMode) -> Ints:
    """numerator / denominator (numerator >= 0, denominator > 0) rounded by `mode`, exactly."""
    if mode is RoundingMode.DOWN:
        return numerator // denominator
    if mode is RoundingMode.UP:
        return -(-numerator // denominator)
    if mode is RoundingMode.HALF_UP:
        return (2 * numerator + denominator) // (2 * denominator)
    quotient, remainder = np.divmod(numerator, denominator)
    twice = 2 * remainder
    up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    result: Ints = quotient + up
    return result
