"""Interest on a balance for a period: periodic rate or exact day count; flat-rate interest.

Guarantee: results are unrounded (exact context) except where a method says otherwise; the
caller rounds once to the component precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import gcd

from lms.core.money import HUNDRED, Rounding, exact, spread
from lms.core.periods import Timeline
from lms.core.terms import InterestBasis, LoanTerms

Factor = tuple[Decimal, Decimal]  # interest = balance x numerator / denominator, exactly


@dataclass(frozen=True, slots=True)
class Rates:
    """The rates of one loan. Interest is always one multiplication and one division of exact
    operands, so a result that lies exactly on a rounding tie is seen as one."""

    terms: LoanTerms
    periodic: tuple[int, int]  # annual / periods per year as a reduced ratio (for EMI formulas)
    periodic_factor: Factor

    @classmethod
    def of(cls, terms: LoanTerms) -> Rates:
        ppy = terms.cycle.periods_per_year
        factor = (terms.annual_rate * ppy.denominator, HUNDRED * ppy.numerator)
        rate_numerator, rate_denominator = terms.annual_rate.as_integer_ratio()
        numerator = rate_numerator * ppy.denominator
        denominator = rate_denominator * 100 * ppy.numerator
        common = gcd(numerator, denominator)
        return cls(terms, (numerator // common, denominator // common), factor)

    def factors(self, timeline: Timeline, dates: list[date], start: int) -> list[Factor]:
        """Interest factors of installments `start` ... for their due `dates` (0-based)."""
        if self.terms.interest_basis is InterestBasis.PERIODIC:
            out = [self.periodic_factor] * len(dates)
            if start == 0 and dates and not timeline.first_period_regular():
                out[0] = self.factor_between(timeline.first_period_start, dates[0])
            return out
        begins = [timeline.first_period_start if start == 0 else timeline.due_date(start - 1)]
        begins.extend(dates[:-1])
        return [self.factor_between(b, e) for b, e in zip(begins, dates, strict=True)]

    def factor_between(self, start: date, end: date) -> Factor:
        fraction = self.terms.day_count.year_fraction(start, end)
        return (self.terms.annual_rate * fraction.numerator, HUNDRED * fraction.denominator)

    def interest_between(self, balance: Decimal, start: date, end: date) -> Decimal:
        """Unrounded simple interest on `balance` from `start` to `end` under the day count."""
        return apply_factor(balance, self.factor_between(start, end))


def apply_factor(balance: Decimal, factor: Factor) -> Decimal:
    ctx = exact()
    return ctx.divide(ctx.multiply(balance, factor[0]), factor[1])


@dataclass(frozen=True, slots=True)
class FlatInterest:
    """Flat-rate interest: on the original principal for the whole term, spread evenly."""

    total: Decimal  # rounded to the component precision
    per_row: Decimal
    last_row: Decimal
    count: int

    @classmethod
    def of(cls, terms: LoanTerms, timeline: Timeline) -> FlatInterest:
        count = terms.installments
        assert count is not None
        rates = Rates.of(terms)
        if terms.interest_basis is InterestBasis.PERIODIC:
            numerator, denominator = rates.periodic_factor
            raw = apply_factor(terms.principal, (numerator * count, denominator))
        else:
            maturity = timeline.due_date(count - 1)
            raw = rates.interest_between(terms.principal, timeline.first_period_start, maturity)
        total = terms.precision.apply(raw)
        return cls(total, *spread(total, count, terms.precision), count)

    def row(self, index: int, last: bool) -> Decimal:
        """Interest of installment `index`; the last takes what rounding left over."""
        return self.last_row if last else self.per_row

    def installment(
        self, balance: Decimal, start: int, remaining: int, rounding: Rounding
    ) -> Decimal:
        """The level flat installment over the `remaining` rows that start at row `start`."""
        interest_left = self.total - self.per_row * start
        return rounding.apply(exact().divide(balance + interest_left, remaining))
