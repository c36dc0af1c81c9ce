"""The vectorised lane of bulk schedule generation: all loans' rows in int64 minor units.

Amounts are integers of the product's precision step (paisa by default); the annual rate of a
loan is an exact ratio of integers; interest for a period is balance x rate numerator x (months
or days) divided by one integer denominator and rounded by the product's rule, exactly as the
core does it in Decimal. Loans the lane cannot take exactly (an amount finer than the precision,
a rate or product too large for int64, moved due dates that would collide, or invalid values,
which the core then reports) are left out of the result for the core to compute.

Guarantee: every number in a `Lane` equals what `lms.core.schedule.generate_schedule` gives for
the same loan; no float is involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import gcd
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from lms.core.amortization import compound_powers
from lms.core.calendar import BusinessDayRule, Weekday
from lms.core.frequency import Frequency
from lms.core.money import RoundingMode, round_ratio
from lms.core.terms import MAX_AMOUNT, BPITreatment, InterestBasis, LoanTerms

if TYPE_CHECKING:
    from lms.loans.bulk import LoanColumns

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]

MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}
_ROLL: dict[BusinessDayRule, Literal["forward", "backward", "modifiedfollowing"]] = {
    BusinessDayRule.FOLLOWING: "forward",
    BusinessDayRule.PRECEDING: "backward",
    BusinessDayRule.MODIFIED_FOLLOWING: "modifiedfollowing",
}
_SAFE = 2**61  # every product the lane forms stays below this (checked before it runs)
_MAX_RATE_DENOMINATOR = 10**6


@dataclass(frozen=True)
class Lane:
    """Rows of the loans the lane took, arrays of shape (max installments, loans)."""

    loans: Ints  # positions in the batch
    counts: Ints  # installments per loan (fewer than asked when an EMI rounded up repays early)
    due_dates: Days
    principal: Ints
    interest: Ints
    balance: Ints
    emi: Ints  # the installment amount, minor units
    bpi: Ints  # broken-period interest, minor units


@dataclass(frozen=True)
class _Loans:
    """The loans the lane takes, as arrays."""

    index: Ints
    principal: Ints  # minor units
    rate_numerator: Ints  # annual rate in percent = numerator / denominator
    rate_denominator: Ints
    disbursed: Days
    count: Ints
    first_due: Days  # NaT when not given
    due_day: Ints  # -1: the first due date's day; 0: month end


def run_lane(product: LoanTerms, columns: LoanColumns) -> Lane:
    """Compute the rows of every loan the lane can take exactly."""
    loans = _loans(product, columns)
    months = MONTHS_PER_PERIOD[product.cycle.frequency] * product.cycle.every
    due, start, full_start, fit = _due_dates(product, loans, months)
    loans, due, start, full_start = _select(loans, fit, due, start, full_start)
    factors = _interest_factors(product, loans, months, due, start, full_start)
    fit = _fits_int64(loans, factors, start)
    loans, due, start, full_start = _select(loans, fit, due, start, full_start)
    factors = factors.select(fit)
    emi = _emis(product, loans, months)
    bpi = _broken_period_interest(product, loans, start, full_start)
    counts, principal, interest, balance = _amortize(product, loans, emi, factors)
    return Lane(loans.index, counts, due, principal, interest, balance, emi, bpi)


def _loans(product: LoanTerms, columns: LoanColumns) -> _Loans:
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
    return _Loans(
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
        fit &= principal < _SAFE // max(numerator, 1) // 4
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
        fits = factor is not None and -_SAFE < whole < _SAFE
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
            usable = 0 <= numerator < _SAFE and denominator <= _MAX_RATE_DENOMINATOR
            ratio = seen[rate] = (numerator, denominator) if usable else (0, 0)
        out.append(ratio)
    ratios = np.array(out, dtype=np.int64).reshape(-1, 2)
    fit: Bools = ratios[:, 1] > 0
    ratios[~fit, 1] = 1
    return ratios, fit


def _select(loans: _Loans, fit: Bools, *dates: Days) -> tuple[_Loans, Days, Days, Days]:
    kept = _Loans(*(getattr(loans, f)[fit] for f in _Loans.__dataclass_fields__))
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


def _due_dates(product: LoanTerms, loans: _Loans, months: int) -> tuple[Days, Days, Days, Bools]:
    """(due dates (rows x loans), interest start of row 1, full-period start, fit mask)."""
    disbursed = loans.disbursed
    disbursed_month = disbursed.astype("M8[M]")
    disbursed_day = (disbursed - disbursed_month.astype("M8[D]")).astype(np.int64) + 1
    earliest = month_day(disbursed_month + months, disbursed_day)
    on_cycle = month_day(earliest.astype("M8[M]"), loans.due_day)
    on_cycle = np.where(
        on_cycle < earliest, month_day(earliest.astype("M8[M]") + 1, loans.due_day), on_cycle
    )
    derived = np.where(loans.due_day >= 0, on_cycle, earliest)
    first_due = np.where(np.isnat(loans.first_due), derived, loans.first_due)
    first_month = first_due.astype("M8[M]")
    first_day = (first_due - first_month.astype("M8[D]")).astype(np.int64) + 1
    # the cycle day: the product's, else the disbursement day when the first due date follows
    # from it, else the given first due date's day (as lms.core.periods.build_timeline)
    implied_day = np.where(np.isnat(loans.first_due), disbursed_day, first_day)
    anchor_day = np.where(loans.due_day >= 0, loans.due_day, implied_day)
    steps = np.arange(int(loans.count.max(initial=1)), dtype=np.int64)[:, None] * months
    unadjusted = month_day(first_month[None, :] + steps, anchor_day[None, :])
    full_start = month_day(first_month - months, anchor_day)
    due, fit = _moved(product, unadjusted, disbursed, loans.count)
    separate_bpi = product.bpi is not BPITreatment.NONE
    bpi_end = np.minimum(full_start, due[0])  # as build_timeline: never past the moved first date
    start = np.where(separate_bpi & (bpi_end > disbursed), bpi_end, disbursed)
    return due, start, full_start, fit


def _moved(product: LoanTerms, dates: Days, disbursed: Days, count: Ints) -> tuple[Days, Bools]:
    """Due dates after the business-day rule; loans whose moved dates collide are unfit."""
    rule = product.business_day_rule
    fit = np.ones(dates.shape[1], dtype=np.bool_)
    if rule is BusinessDayRule.UNCHANGED:
        return dates, fit
    calendar = product.calendar
    weekmask = [0 if day in calendar.weekly_off else 1 for day in Weekday]
    holidays = np.array(sorted(calendar.holidays), dtype="M8[D]")
    moved = np.busday_offset(dates, 0, roll=_ROLL[rule], weekmask=weekmask, holidays=holidays)
    rows = np.arange(dates.shape[0])[:, None]
    live = rows < count[None, :]
    previous = np.vstack([disbursed[None, :], moved[:-1]])
    fit &= np.all(~live | (moved > previous), axis=0)
    return moved, fit


def _emis(product: LoanTerms, loans: _Loans, months: int) -> Ints:
    """Each loan's EMI in minor units, exact: the core's formula in integers."""
    step_units = int(product.rounding.step / product.precision.step)
    mode = product.rounding.mode
    half_up = mode is RoundingMode.HALF_UP
    periodic: dict[tuple[int, int], tuple[int, int]] = {}
    out = []
    for principal, numerator, denominator, count in zip(
        loans.principal.tolist(),
        loans.rate_numerator.tolist(),
        loans.rate_denominator.tolist(),
        loans.count.tolist(),
        strict=True,
    ):
        ratio = periodic.get((numerator, denominator))
        if ratio is None:  # the periodic rate a / b, reduced, once per distinct annual rate
            a, b = numerator * months, denominator * 1200
            common = gcd(a, b)
            ratio = periodic[numerator, denominator] = (a // common, b // common)
        a, b = ratio
        if a == 0:
            units = round_ratio(principal, count * step_units, mode)
        else:
            grown, base = compound_powers(a, b, count)
            numerator, denominator = principal * grown * a, b * (grown - base) * step_units
            if half_up:  # the common case, inlined: the same as round_ratio for numerator >= 0
                units = (2 * numerator + denominator) // (2 * denominator)
            else:
                units = round_ratio(numerator, denominator, mode)
        out.append(units * step_units)
    return np.array(out, dtype=np.int64)


def _year(product: LoanTerms) -> int:
    return int(product.day_count.days_in_year.value)


def _broken_period_interest(
    product: LoanTerms, loans: _Loans, start: Days, full_start: Days
) -> Ints:
    if product.bpi is BPITreatment.NONE:
        return np.zeros(len(loans.index), dtype=np.int64)
    days = (start - loans.disbursed).astype(np.int64)  # zero unless a broken period is charged
    numerator = loans.principal * loans.rate_numerator * days
    return divide_rounded(
        numerator, loans.rate_denominator * 100 * _year(product), product.precision.mode
    )


@dataclass(frozen=True)
class _Factors:
    """Interest of row k = balance x multiplier[k] / divisor[k] before rounding; arrays have one
    row per installment, or a single row that serves every installment after the first."""

    first_multiplier: Ints
    first_divisor: Ints
    multiplier: Ints
    divisor: Ints

    def row(self, k: int) -> tuple[Ints, Ints]:
        if k == 0:
            return self.first_multiplier, self.first_divisor
        index = min(k - 1, len(self.multiplier) - 1)
        return self.multiplier[index], self.divisor[index]

    def largest_multiplier(self) -> Ints:
        largest: Ints = np.maximum(self.first_multiplier, self.multiplier.max(axis=0))
        return largest

    def select(self, fit: Bools) -> _Factors:
        return _Factors(
            self.first_multiplier[fit],
            self.first_divisor[fit],
            self.multiplier[:, fit],
            self.divisor[:, fit],
        )


def _interest_factors(
    product: LoanTerms, loans: _Loans, months: int, due: Days, start: Days, full_start: Days
) -> _Factors:
    """The interest factors of every row of every loan."""
    year_divisor = loans.rate_denominator * 100 * _year(product)
    first_days = (due[0] - start).astype(np.int64)
    first_daily = loans.rate_numerator * first_days
    if product.interest_basis is InterestBasis.ACTUAL_DAYS:
        days = np.diff(due, axis=0).astype(np.int64)
        if len(days) == 0:
            days = np.zeros((1, len(loans.index)), dtype=np.int64)
        multiplier = loans.rate_numerator[None, :] * days
        divisor = np.broadcast_to(year_divisor, multiplier.shape)
        return _Factors(first_daily, year_divisor, multiplier, np.ascontiguousarray(divisor))
    periodic_multiplier = loans.rate_numerator * months
    periodic_divisor = loans.rate_denominator * 1200
    regular = start == full_start
    return _Factors(
        np.where(regular, periodic_multiplier, first_daily),
        np.where(regular, periodic_divisor, year_divisor),
        periodic_multiplier[None, :],
        periodic_divisor[None, :],
    )


def _fits_int64(loans: _Loans, factors: _Factors, start: Days) -> Bools:
    """Whether 4 x principal x every multiplier (the broken period's included) stays inside
    int64; balances only fall, so the first row bounds them all."""
    bpi_days = (start - loans.disbursed).astype(np.int64)
    largest = np.maximum(np.abs(factors.largest_multiplier()), loans.rate_numerator * bpi_days)
    safe: Bools = largest < (_SAFE // np.maximum(loans.principal, 1)) // 4
    return safe


def _amortize(
    product: LoanTerms, loans: _Loans, emi: Ints, factors: _Factors
) -> tuple[Ints, Ints, Ints, Ints]:
    """Walk installment numbers across all loans at once: interest, principal, balance.

    A finished loan (balance zero: after its last installment, or repaid early because its EMI
    was rounded up) gives zero rows from then on by the same arithmetic, so no masks are needed;
    the installment count is where the balance first reaches zero.
    """
    rows, width = int(loans.count.max(initial=1)), len(loans.index)
    principal = np.empty((rows, width), dtype=np.int64)
    interest = np.empty((rows, width), dtype=np.int64)
    balance_out = np.empty((rows, width), dtype=np.int64)
    balance = loans.principal.copy()
    last_row = loans.count - 1
    mode = product.precision.mode
    scratch = np.empty(width, dtype=np.int64)
    for k in range(rows):
        multiplier, divisor = factors.row(k)
        due = interest[k]
        if mode is RoundingMode.HALF_UP:  # (2 x balance x multiplier + divisor) // (2 x divisor)
            np.multiply(balance, multiplier, out=scratch)
            scratch *= 2
            scratch += divisor
            np.floor_divide(scratch, 2 * divisor, out=due)
        else:
            due[:] = divide_rounded(balance * multiplier, divisor, mode)
        part = principal[k]
        np.subtract(emi, due, out=part)
        np.copyto(part, balance, where=last_row == k)
        np.clip(part, 0, balance, out=part)
        balance -= part
        balance_out[k] = balance
    counts = np.argmax(balance_out == 0, axis=0) + 1
    return counts.astype(np.int64), principal, interest, balance_out


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
