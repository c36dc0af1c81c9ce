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

from dataclasses import dataclass
from itertools import pairwise
from math import gcd
from typing import TYPE_CHECKING, Literal

import numpy as np

from lms.core.amortization import compound_powers
from lms.core.calendar import BusinessDayRule, Weekday
from lms.core.frequency import Frequency
from lms.core.money import RoundingMode, round_ratio
from lms.core.terms import BPITreatment, InterestBasis, LoanTerms
from lms.servicing.bulk_arrays import (
    SAFE,
    Bools,
    Days,
    Ints,
    Loans,
    divide_rounded,
    loans_of,
    month_day,
    select,
)

if TYPE_CHECKING:
    from lms.servicing.bulk import LoanColumns

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


def run_lane(product: LoanTerms, columns: LoanColumns) -> Lane:
    """Compute the rows of every loan the lane can take exactly."""
    loans = loans_of(product, columns)
    months = MONTHS_PER_PERIOD[product.cycle.frequency] * product.cycle.every
    due, start, full_start, fit = _due_dates(product, loans, months)
    loans, due, start, full_start = select(loans, fit, due, start, full_start)
    factors = _interest_factors(product, loans, months, due, start, full_start)
    fit = _fits_int64(loans, factors, start)
    loans, due, start, full_start = select(loans, fit, due, start, full_start)
    factors = factors.select(fit)
    emi = _emis(product, loans, months)
    bpi = _broken_period_interest(product, loans, start, full_start)
    counts, principal, interest, balance = _amortize(product, loans, emi, factors)
    return Lane(loans.index, counts, due, principal, interest, balance, emi, bpi)


def _due_dates(product: LoanTerms, loans: Loans, months: int) -> tuple[Days, Days, Days, Bools]:
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


def _emis(product: LoanTerms, loans: Loans, months: int) -> Ints:
    """Each loan's EMI in minor units, exact: the core's formula in integers.

    Loans sharing a rate and a tenure share the ratio EMI / principal = n / d (big integers);
    each loan's EMI is then principal x n / d rounded by the product's mode.
    """
    step_units = int(product.rounding.step / product.precision.step)
    mode = product.rounding.mode
    order = np.lexsort((loans.count, loans.rate_denominator, loans.rate_numerator))
    keys = np.stack([loans.rate_numerator, loans.rate_denominator, loans.count])[:, order]
    starts = np.flatnonzero(np.any(np.diff(keys, axis=1) != 0, axis=0)) + 1
    bounds = [0, *starts.tolist(), len(order)] if len(order) else []
    principal = loans.principal[order].tolist()
    out = np.empty(len(principal), dtype=np.int64)
    for low, high in pairwise(bounds):
        numerator, denominator, count = keys[:, low].tolist()
        ratio_n, ratio_d = _emi_ratio(numerator * months, denominator * 1200, count)
        ratio_d *= step_units
        if mode is RoundingMode.HALF_UP:  # inlined round_ratio for non-negative values
            twice_n, twice_d = 2 * ratio_n, 2 * ratio_d
            units = [(p * twice_n + ratio_d) // twice_d for p in principal[low:high]]
        else:
            units = [round_ratio(p * ratio_n, ratio_d, mode) for p in principal[low:high]]
        out[order[low:high]] = units
    result: Ints = out * step_units
    return result


def _emi_ratio(a: int, b: int, count: int) -> tuple[int, int]:
    """EMI / principal for periodic rate a / b over `count` installments, as integers."""
    common = gcd(a, b)
    a, b = a // common, b // common
    if a == 0:
        return 1, count
    grown, base = compound_powers(a, b, count)
    return grown * a, b * (grown - base)


def _year(product: LoanTerms) -> int:
    return int(product.day_count.days_in_year.value)


def _broken_period_interest(
    product: LoanTerms, loans: Loans, start: Days, full_start: Days
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
    product: LoanTerms, loans: Loans, months: int, due: Days, start: Days, full_start: Days
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


def _fits_int64(loans: Loans, factors: _Factors, start: Days) -> Bools:
    """Whether 4 x principal x every multiplier (the broken period's included) stays inside
    int64; balances only fall, so the first row bounds them all."""
    bpi_days = (start - loans.disbursed).astype(np.int64)
    largest = np.maximum(np.abs(factors.largest_multiplier()), loans.rate_numerator * bpi_days)
    safe: Bools = largest < (SAFE // np.maximum(loans.principal, 1)) // 4
    return safe


def _amortize(
    product: LoanTerms, loans: Loans, emi: Ints, factors: _Factors
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
