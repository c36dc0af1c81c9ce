"""A moratorium on a live loan (a relief scheme): the installments falling due in the next
`periods` periods after its day carry no principal, and their interest is collected as it
falls due (a principal-only moratorium), capitalised (added to the principal on each of their
due dates), deferred (paid with the first installment after) or waived; then the balance is
repaid over as many installments as were left, so the loan ends `periods` installments later.

The installment running on the day keeps the interest it was scheduled with (its balance does
not change on the day); each later moratorium installment's interest is the balance's for its
period, as the schedule works interest out (periodic or actual days). A capitalisation on a
due date works out the installments after it again from the new balance (`change`).

Guarantees: installments due on or before the day are unchanged; no principal is lost (the
installments after the moratorium repay exactly the balance, capitalised interest included);
nothing is overdue for a deferred installment (they carry nothing, or only the interest the
borrower pays); pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lms.core.interest import Rates, apply_factor
from lms.core.periods import build_timeline
from lms.core.revision import RevisionError, amortised_rows, revision_blocker
from lms.core.rows import Installment
from lms.core.terms import InterestBasis, LoanTerms, MoratoriumInterest


def moratorium_rows(
    terms: LoanTerms,
    rows: Sequence[Installment],
    day: date,
    periods: int,
    interest: MoratoriumInterest,
    rate: Decimal,
    count: int | None = None,
    change: Decimal = Decimal(0),
) -> tuple[Installment, ...]:
    """`rows` with the `periods` installments due next after `day` deferred (`interest` says
    what happens to their interest), then `count` installments (default: as many as are due
    after `day`) repaying the balance, grown by `change` on `day` (a capitalisation)."""
    kept = tuple(row for row in rows if row.due_date <= day)
    future = [row for row in rows if row.due_date > day]
    if not future:
        raise RevisionError(f"no installment falls due after {day}")
    blocker = revision_blocker(terms, future[0].number)
    if blocker is not None:
        raise RevisionError(blocker)
    timeline = build_timeline(terms)
    rates = Rates.of(replace(terms, annual_rate=rate))
    balance = sum((row.principal for row in future), Decimal(0)) + change
    number, previous = future[0].number, kept[-1].due_date if kept else timeline.first_period_start
    zero = terms.precision.apply(Decimal(0))  # 0.00, as the schedule writes amounts
    deferred, out = zero, []
    for k in range(periods):
        due = future[k].due_date if k < len(future) else timeline.due_date(number + k - 1)
        if k == 0 and not change:
            owed = future[0].interest  # as scheduled: nothing changed on the day
        else:
            basis = terms.interest_basis is InterestBasis.PERIODIC
            factor = rates.periodic_factor if basis else rates.factor_between(previous, due)
            owed = terms.precision.apply(apply_factor(balance, factor))
        if interest is MoratoriumInterest.FIRST_INSTALLMENT:
            deferred, owed = deferred + owed, zero
        elif interest is MoratoriumInterest.WAIVED:
            owed = zero
        out.append(Installment(number + k, due, zero, owed, owed, balance))
        previous = due
    after = amortised_rows(
        terms, rate, balance, previous, number + periods, count or len(future), deferred
    )
    return (*kept, *out, *after)
