"""Interest accrued and not yet due, and penal charges on overdue amounts: the day-end
figures the daily close books, as pure functions.

- Accrued interest: the running installment's interest, pro rata of the days of its period
  that have passed (so on its due date exactly all of it has accrued), rounded once to the
  component precision; cumulative, so posting day by day the difference of two days' figures
  never loses a sub-paisa residue.
- Penal charge for a month: the sum over its days of the overdue principal and interest at each
  day-end, times the yearly rate / 365, rounded once to the paisa, with its GST (RBI: on the
  overdue amount only, never compounded, never on charges).

Guarantee: pure; no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from lms.core.money import Rounding

PAISA = Rounding()


class _Row(Protocol):
    @property
    def due_date(self) -> date: ...

    @property
    def interest(self) -> Decimal: ...


def accrued_interest(
    rows: Sequence[_Row], day: date, start: date, precision: Rounding = PAISA
) -> Decimal:
    """Interest of the installment running at the day-end of `day` accrued so far; `start` is
    where installment 1's interest starts (disbursement, or the end of a deducted BPI period)."""
    previous = start
    for row in rows:
        if row.due_date > day:
            return accrued_for(row.interest, previous, row.due_date, day, precision)
        previous = row.due_date
    return Decimal(0)


def accrued_for(
    interest: Decimal, start: date, due: date, through: date | None, precision: Rounding = PAISA
) -> Decimal:
    """What of one installment's `interest` (its period from `start` to `due`) has accrued
    by the day-end of `through` (nothing before its period, never more than all of it)."""
    if through is None or through <= start or due <= start:
        return precision.apply(Decimal(0))
    elapsed = min((through - start).days, (due - start).days)
    return precision.apply(interest * elapsed / (due - start).days)


def penal_charge(
    overdue_day_sum: Decimal, annual_rate: Decimal, tax_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """(charge, GST) for a month whose day-end overdue amounts add up to `overdue_day_sum`."""
    amount = PAISA.apply(overdue_day_sum * annual_rate / 36500)
    return amount, PAISA.apply(amount * tax_percent / 100)
