"""Foreclosure: repaying a loan in full before its maturity.

On the foreclosure date the installments not yet due are replaced by one installment due that
day: all their principal, the interest accrued on it from the last due date (or the start of
interest) to the foreclosure date, on actual days under the loan's day count, rounded once to
the component precision, and the broken-period interest those installments were to carry (it
is interest for days already past). Installments already due stay as they are, paid or not.

Guarantee: the principal of the rows is unchanged in total; no interest is charged for days
after the foreclosure date (RBI: interest only for the actual days the money was out).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.core.bpi import bpi_shares, broken_period_interest
from lms.core.interest import Rates
from lms.core.periods import build_timeline
from lms.core.rows import Installment
from lms.core.terms import LoanTerms


def foreclosed_rows(
    terms: LoanTerms, rows: tuple[Installment, ...], on: date
) -> tuple[Installment, ...]:
    """`rows` with every installment due after `on` replaced by one installment due on `on`."""
    kept = tuple(row for row in rows if row.due_date <= on)
    later = [row for row in rows if row.due_date > on]
    if not later:
        return rows
    principal = sum((row.principal for row in later), Decimal(0))
    timeline = build_timeline(terms)
    rates = Rates.of(terms)
    start = kept[-1].due_date if kept else timeline.first_period_start
    accrued = rates.interest_between(principal, start, on) if on > start else Decimal(0)
    bpi = broken_period_interest(terms, timeline, rates)
    deferred = sum(bpi_shares(terms, len(rows), bpi)[len(kept) :], Decimal(0))
    interest = terms.precision.apply(accrued) + deferred
    final = Installment(len(kept) + 1, on, principal, interest, principal + interest, principal * 0)
    return (*kept, final)
