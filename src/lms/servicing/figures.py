"""A loan's headline figures that follow its replayed state: the EMI it pays now.

The EMI stored at onboarding is the schedule's. A revision (a part-prepayment with
`reduce_emi`, a rate change or a tranche that keeps the tenure) works the installments not yet
due out again with a new level EMI (lms.core.revision), and the loan's figure must follow.

Guarantee: `current_emi` reads the EMI from the installments not yet due exactly as the
revision itself does (a row that is neither the next, which carries the running period's
adjustment, nor the last, which takes the rest); where that cannot be read (fewer than three
left, or a schedule that is not a plain level EMI now: steps, a balloon, a moratorium, grace
or deferred broken-period interest), the stored figure is kept.
"""

from __future__ import annotations

from decimal import Decimal

from lms.core.book import LoanState
from lms.core.revision import revision_blocker
from lms.core.terms import LoanTerms


def current_emi(state: LoanState, terms: LoanTerms, stored: Decimal) -> Decimal:
    """The level EMI of the loan's installments not yet due at `state.as_of`, or `stored`
    where the rows do not show one (see the module's guarantee)."""
    future = [i for i in state.installments if i.due_date > state.as_of]
    if len(future) < 3 or revision_blocker(terms, future[0].number) is not None:
        return stored
    return future[1].principal + future[1].interest
