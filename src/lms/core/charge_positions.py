"""Each charge of a replayed loan with what was paid of it, what was waived and what is owed.

Guarantee: pure; read from a LoanState alone (the parts its payments and unapplied funds paid,
and its waivers), so it agrees with the replay that made the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lms.core.book import LoanState
from lms.core.events import Charge
from lms.core.money import ZERO


@dataclass(frozen=True, slots=True)
class ChargePosition:
    """One charge at a state's day-end: levied (with its GST), paid, waived and still owed."""

    charge: Charge
    paid: Decimal
    waived: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.charge.amount + self.charge.tax - self.paid - self.waived


def charge_positions(state: LoanState) -> list[ChargePosition]:
    """Every live charge of `state` (charge k is "installment" -k in the parts paid), in the
    order levied, with what the payments and the unapplied funds paid of it and what waivers
    forgave."""
    paid: dict[int, Decimal] = {}
    moves = [*(a.parts for a in state.applied), *(e.parts for e in state.excess_applied)]
    for parts in moves:
        for part in parts:
            if part.installment < 0:
                paid[-part.installment] = paid.get(-part.installment, ZERO) + part.amount
    waived: dict[str, Decimal] = {}
    for w in state.waived:
        waived[w.charge.reference] = waived.get(w.charge.reference, ZERO) + w.amount
    return [
        ChargePosition(c, paid.get(k, ZERO), waived.get(c.reference, ZERO))
        for k, c in enumerate(state.charges, 1)
    ]
