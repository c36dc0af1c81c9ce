"""Broken-period interest (BPI): its amount, and where in a schedule it is paid.

BPI is simple interest on the principal from disbursement to the start of the first full period
(or to the first due date, if a holiday moved it earlier), rounded to the component precision.
It is deducted at disbursement (kept out of the rows), added to the first installment the
borrower pays (after any full moratorium), to the last, or spread evenly over the paying
installments with the last taking the residue.

Guarantee: the interest the rows gain is exactly the BPI (none for `none` and `deduct`).
"""

from __future__ import annotations

from decimal import Decimal

from lms.core.interest import Rates
from lms.core.money import ZERO, spread
from lms.core.periods import Timeline
from lms.core.rows import Installment
from lms.core.terms import BPITreatment, LoanTerms, MoratoriumInterest


def broken_period_interest(terms: LoanTerms, timeline: Timeline, rates: Rates) -> Decimal:
    if timeline.bpi_start is None:
        return terms.precision.apply(ZERO)
    raw = rates.interest_between(terms.principal, timeline.bpi_start, timeline.first_period_start)
    return terms.precision.apply(raw)


def apply_bpi(terms: LoanTerms, rows: list[Installment], bpi: Decimal) -> list[Installment]:
    extra = bpi_shares(terms, len(rows), bpi)
    return [
        _with_extra_interest(row, add) if add else row for row, add in zip(rows, extra, strict=True)
    ]


def bpi_shares(terms: LoanTerms, count: int, bpi: Decimal) -> list[Decimal]:
    """The part of `bpi` each of `count` installments carries (all zero when it is deducted)."""
    extra = [ZERO] * count
    if bpi == ZERO or terms.bpi in (BPITreatment.NONE, BPITreatment.DEDUCT) or not count:
        return extra
    first_paying = _first_paying_index(terms, count)
    if terms.bpi is BPITreatment.FIRST:
        extra[first_paying] = bpi
    elif terms.bpi is BPITreatment.LAST:
        extra[-1] = bpi
    else:
        share, last = spread(bpi, count - first_paying, terms.precision)
        for i in range(first_paying, count - 1):
            extra[i] = share
        extra[-1] = last
    return extra


def _first_paying_index(terms: LoanTerms, count: int) -> int:
    """The first installment after a full moratorium (where the borrower pays anything)."""
    if terms.moratorium.interest is MoratoriumInterest.COLLECTED:
        return 0
    return min(terms.moratorium.periods, count - 1)


def _with_extra_interest(row: Installment, extra: Decimal) -> Installment:
    return Installment(
        row.number,
        row.due_date,
        row.principal,
        row.interest + extra,
        row.total + extra,
        row.balance,
    )
