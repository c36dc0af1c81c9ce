"""Foreclosure: repaying a loan in full before its maturity.

On the foreclosure date the installments not yet due are replaced by one installment due that
day: all their principal, the interest accrued on it from the last due date (or, when nothing
has fallen due yet, from disbursement, the broken period included, unless its BPI was deducted)
to the foreclosure date, on actual days under the loan's day count, rounded once to the
component precision (at the rate in force; where a prepayment, a tranche or a rate change
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
from lms.core.terms import BPITreatment, LoanTerms

# each revision: (day, balance before, rate before, balance after, rate after)
Revisions = Sequence[tuple[date, Decimal, Decimal, Decimal, Decimal]]


def foreclosed_rows(
    terms: LoanTerms,
    rows: tuple[Installment, ...],
    on: date,
    rate: Decimal | None = None,
    revisions: Revisions = (),
) -> tuple[Installment, ...]:
    """`rows` with every installment due after `on` replaced by one installment due on `on`;
    `rate` is the rate in force (default: the terms'), `revisions` the (day, balance and rate
    before, balance and rate after) of each revision so far."""
    kept = tuple(row for row in rows if row.due_date <= on)
    later = [row for row in rows if row.due_date > on]
    if not later:
        return rows
    principal = sum((row.principal for row in later), Decimal(0))
    current = terms.annual_rate if rate is None else rate
    timeline = build_timeline(terms)
    deducted = terms.bpi is BPITreatment.DEDUCT
    if kept:
        start = kept[-1].due_date
        bpi = broken_period_interest(terms, timeline, Rates.of(terms))
        deferred = sum(bpi_shares(terms, len(rows), bpi)[len(kept) :], Decimal(0))
    elif timeline.bpi_start is not None and not deducted:
        # nothing has fallen due: interest runs from disbursement, the broken period included
        # (its BPI was to be paid later; it is now interest for the days that passed)
        start, deferred = timeline.bpi_start, Decimal(0)
    else:
        start, deferred = timeline.first_period_start, Decimal(0)
    accrued = _stretches(terms, start, on, (principal, current), revisions)
    if deducted and not kept:  # BPI paid on the first principal: add its later changes
        accrued += _broken_period_changes(terms, timeline.first_period_start, on, revisions)
    # a prepayment inside a deducted broken period can leave less interest due than the BPI
    # already paid; the refund of that BPI is not made here (interest never goes below zero)
    interest = terms.precision.apply(max(accrued, Decimal(0))) + deferred
    final = Installment(len(kept) + 1, on, principal, interest, principal + interest, principal * 0)
    return (*kept, final)


def _stretches(
    terms: LoanTerms,
    start: date,
    on: date,
    now: tuple[Decimal, Decimal],
    revisions: Revisions,
) -> Decimal:
    """Interest from `start` to `on`, each stretch between revisions at its balance and rate
    (`now`: the balance and rate after the last revision)."""
    accrued, cursor = Decimal(0), start
    for day, balance, old, _, _ in revisions:
        if start < day <= on:
            accrued += _interest(terms, old, balance, cursor, day)
            cursor = day
    return accrued + _interest(terms, now[1], now[0], cursor, on)


def _broken_period_changes(terms: LoanTerms, end: date, on: date, revisions: Revisions) -> Decimal:
    """What revisions inside a deducted broken period change in its interest, to its end (or
    to `on`, if earlier): each one's change in balance x rate for the days left."""
    changes, stop = Decimal(0), min(end, on)
    for day, before, rate_before, after, rate_after in revisions:
        if day < stop:
            changes += _interest(terms, rate_after, after, day, stop)
            changes -= _interest(terms, rate_before, before, day, stop)
    return changes


def _interest(terms: LoanTerms, rate: Decimal, balance: Decimal, start: date, end: date) -> Decimal:
    if end <= start:
        return Decimal(0)
    return Rates.of(replace(terms, annual_rate=rate)).interest_between(balance, start, end)
