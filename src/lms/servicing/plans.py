"""A loan's repayment plan after a day, as a live-loan change's preview shows it before and
after the change: principal, arrears, the installments left, the EMI, the interest still to
pay and the APR of the plan.

Guarantee: pure (read from replayed states); the same figures before and after, so the two
sides compare (the interest of the running installment for its days before the day counts as
owed on the day, both ways).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from lms.core.irr import IRRError, periodic_irr
from lms.core.money import ZERO, Rounding
from lms.core.replay import InstallmentState, LoanState


@dataclass(frozen=True)
class Plan:
    """The loan's repayment plan after the day, before or after the restructure."""

    principal: Decimal  # principal outstanding
    overdue: Decimal  # principal and interest due by the day and unpaid
    installments: tuple[InstallmentState, ...]  # those due after the day
    emi: Decimal  # the level installment (the first one when fewer than three are left)
    interest: Decimal  # interest of the installments due after the day
    apr: Decimal | None  # the plan's annual rate as an IRR of what is owed and its installments

    @property
    def tenure(self) -> int:
        return len(self.installments)

    @property
    def last_due(self) -> date | None:
        return self.installments[-1].due_date if self.installments else None


def running_of(state: LoanState) -> tuple[Decimal, Fraction]:
    """The installment running on the state's day: its interest for its days before the day
    (pro rata of its period's days: owed on the day, before and after alike, as the
    restructured running installment keeps it), and the part of its period still to run."""
    day, previous = state.as_of, None
    for item in state.installments:
        if item.due_date > day:
            start = previous or item.due_date
            days = (item.due_date - start).days
            if not days:
                return ZERO, Fraction(1)
            accrued = Rounding().apply(item.interest * (day - start).days / days)
            return accrued, Fraction((item.due_date - day).days, days)
        previous = item.due_date
    return ZERO, Fraction(1)


def plan_of(state: LoanState, per_year: Fraction, running: tuple[Decimal, Fraction]) -> Plan:
    future = tuple(i for i in state.installments if i.due_date > state.as_of)
    paying = [i for i in future if i.principal > 0]  # deferred installments carry none
    level = (paying[1] if len(paying) >= 3 else paying[0]) if paying else None
    return Plan(
        principal=state.principal_outstanding,
        overdue=state.principal_due + state.interest_due,
        installments=future,
        emi=level.principal + level.interest if level is not None else ZERO,
        interest=sum((i.interest for i in future), ZERO),
        apr=_apr(future, per_year, running),
    )


def _apr(
    future: tuple[InstallmentState, ...], per_year: Fraction, running: tuple[Decimal, Fraction]
) -> Decimal | None:
    """The annual rate at which the installments after the day repay what they carry that is
    owed on the day (their principal and the interest accrued before it): the periodic IRR of
    that out and each installment in, the first after the part of its period still to run and
    each next a period later, x periods a year (as the KFS states an APR)."""
    accrued, left = running
    owed = sum((i.principal for i in future), accrued)
    if owed <= 0:
        return None
    flows: list[tuple[Fraction, Decimal]] = [(Fraction(0), -owed)]
    flows += [(left + k, i.principal + i.interest) for k, i in enumerate(future)]
    try:
        periodic = periodic_irr(flows)
    except IRRError:
        return None
    return Rounding().apply(periodic * 100 * per_year.numerator / per_year.denominator)


def compared(before: LoanState, after: LoanState, per_year: Fraction) -> tuple[Plan, Plan]:
    """The plans before and after a change on the same day (`per_year`: the loan's periods a
    year)."""
    running = running_of(before)
    return plan_of(before, per_year, running), plan_of(after, per_year, running)
