"""Foreclosure: repaying a loan in full before its maturity.

On the foreclosure date the installments not yet due are replaced by one installment due that
day: all their principal, the interest accrued on it from the last due date (or the start of
interest) to the foreclosure date, on actual days under the loan's day count, rounded once to
the component precision (at the rate in force; where a prepayment, a tranche or a rate change
fell in the period, each stretch at the balance and rate it had), and the broken-period interest those installments were to carry (it
is interest for days already past). Installments already due stay as they are, paid or not.

Guarantee: the principal of the rows is unchanged in total; no interest is charged for days
after the foreclosure date (RBI: interest only for the actual days the money was out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lms.core.bpi import bpi_shares, broken_period_interest
from lms.core.interest import Rates
from lms.core.periods import build_timeline
from lms.core.rows import Installment
from lms.core.terms import LoanTerms


def foreclosed_rows(
    terms: LoanTerms,
    rows: tuple[Installment, ...],
    on: date,
    rate: Decimal | None = None,
    revisions: Sequence[tuple[date, Decimal, Decimal]] = (),
) -> tuple[Installment, ...]:
    """`rows` with every installment due after `on` replaced by one installment due on `on`;
    `rate` is the rate in force (default: the terms'), `revisions` the (day, balance before,
    rate before) of each revision so far."""
    kept = tuple(row for row in rows if row.due_date <= on)
    later = [row for row in rows if row.due_date > on]
    if not later:
        return rows
    principal = sum((row.principal for row in later), Decimal(0))
    timeline = build_timeline(terms)
    start = kept[-1].due_date if kept else timeline.first_period_start
    stretches = [(day, balance, old) for day, balance, old in revisions if start < day <= on]
    accrued, cursor = Decimal(0), start
    for day, balance, old in stretches:
        accrued += _interest(terms, old, balance, cursor, day)
        cursor = day
    current = terms.annual_rate if rate is None else rate
    accrued += _interest(terms, current, principal, cursor, on)
    bpi = broken_period_interest(terms, timeline, Rates.of(terms))
    deferred = sum(bpi_shares(terms, len(rows), bpi)[len(kept) :], Decimal(0))
    interest = terms.precision.apply(accrued) + deferred
    final = Installment(len(kept) + 1, on, principal, interest, principal + interest, principal * 0)
    return (*kept, final)


def _interest(terms: LoanTerms, rate: Decimal, balance: Decimal, start: date, end: date) -> Decimal:
    if end <= start:
        return Decimal(0)
    return Rates.of(replace(terms, annual_rate=rate)).interest_between(balance, start, end)
