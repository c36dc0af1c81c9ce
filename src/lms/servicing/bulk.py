"""Bulk schedule generation: many loans of one product at once, for bulk import.

A loan book imported from another system arrives as columns: principal, rate, disbursement date,
tenure (and sometimes a first due date or cycle day) per loan, with the product's settings shared.
`generate_schedules` computes every loan's schedule together, one installment number at a time
across all loans, in exact int64 minor units (paisa) with numpy: no float touches an amount.

The fast lane covers the shape of most books: level EMI on a month-based cycle, periodic or
actual-days interest with a fixed-length year, no moratorium, grace, step or balloon, BPI none or
deducted, holiday moves or not. Any other product, and any loan whose integers could leave int64
or whose moved due dates would collide, goes through `lms.core.schedule.generate_schedule`.

Guarantee: `batch.schedule(i) == generate_schedule(batch.terms(i))` for every loan, value for
value and digit for digit (a property test holds the two paths together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple, TypeVar

import numpy as np

from lms.core.daycount import DaysInMonth, DaysInYear
from lms.core.kfs import FeeCharge, key_figures
from lms.core.money import ONE, ZERO
from lms.core.periods import build_timeline
from lms.core.schedule import Installment, Schedule, generate_schedule, reported_emi
from lms.core.terms import BPITreatment, LoanTerms, Method, TrancheRepayment
from lms.core.validation import ScheduleError, check_terms
from lms.servicing.bulk_lane import MONTHS_PER_PERIOD, Lane, run_lane

_T = TypeVar("_T")


class LoanFigures(NamedTuple):
    """A loan's terms and the KFS figures of its schedule (as `generate_schedule` gives them)."""

    terms: LoanTerms
    emi: Decimal
    bpi: Decimal
    fee_charges: tuple[FeeCharge, ...]
    net_disbursed: Decimal
    advance: Decimal = Decimal(0)  # advance EMIs kept back from the payout


@dataclass(frozen=True)
class LoanColumns:
    """The per-loan fields of a bulk import; everything else comes from the product."""

    principal: Sequence[Decimal]
    annual_rate: Sequence[Decimal]
    disbursement_date: Sequence[date]
    installments: Sequence[int]
    first_due_date: Sequence[date | None] | None = None  # None: follows from the disbursement
    due_day: Sequence[int | None] | None = None  # None (or a None entry): the product's due day
    sanctioned: Sequence[Decimal] | None = None  # paid out in tranches: the sanctioned amounts

    def __len__(self) -> int:
        return len(self.principal)

    def only(self, indices: Sequence[int]) -> LoanColumns:
        """The loans at `indices`, in that order."""

        def pick(column: Sequence[_T] | None) -> list[_T] | None:
            return None if column is None else [column[k] for k in indices]

        return LoanColumns(
            [self.principal[k] for k in indices],
            [self.annual_rate[k] for k in indices],
            [self.disbursement_date[k] for k in indices],
            [self.installments[k] for k in indices],
            pick(self.first_due_date),
            pick(self.due_day),
            pick(self.sanctioned),
        )

    def terms(self, product: LoanTerms, index: int) -> LoanTerms:
        """The full LoanTerms of loan `index`: the product with this loan's own fields."""
        return replace(
            product,
            principal=self.principal[index],
            annual_rate=self.annual_rate[index],
            disbursement_date=self.disbursement_date[index],
            installments=self.installments[index],
            first_due_date=None if self.first_due_date is None else self.first_due_date[index],
            due_day=_first_given(
                None if self.due_day is None else self.due_day[index], product.due_day
            ),
            sanctioned=None if self.sanctioned is None else self.sanctioned[index],
        )


class ScheduleBatch:
    """Schedules of many loans of one product; rows stay in integer columns until asked for."""

    def __init__(self, product: LoanTerms, loans: LoanColumns, lane: Lane | None) -> None:
        self.product = product
        self.loans = loans
        self._lane = lane
        self._position = {int(i): k for k, i in enumerate(lane.loans)} if lane else {}
        self._exponent = _exponent(product.precision.step)
        self._slow: dict[int, Schedule] = {}

    def __len__(self) -> int:
        return len(self.loans)

    @property
    def exponent(self) -> int:
        """The exponent of the minor unit of amounts in `rows` (-2: paisa)."""
        return self._exponent

    @property
    def fast_count(self) -> int:
        """How many loans the vectorised lane computed (the rest went through the core)."""
        return len(self._position)

    def terms(self, index: int) -> LoanTerms:
        return self.loans.terms(self.product, index)

    def rows(self, index: int) -> list[tuple[int, date, int, int, int, int]]:
        """Loan `index`'s installments in minor units: (number, due date, principal, interest,
        total, balance), ready for a bulk insert."""
        column = self._position.get(index)
        if column is None:
            return [
                (r.number, r.due_date, *(self._units(v) for v in r[2:]))  # type: ignore[misc]
                for r in self.schedule(index).installments
            ]
        lane = self._lane
        assert lane is not None
        count = int(lane.counts[column])
        principal = lane.principal[:count, column].tolist()
        interest = lane.interest[:count, column].tolist()
        balance = lane.balance[:count, column].tolist()
        dates = lane.due_dates[:count, column].astype(date).tolist()
        return [
            (k + 1, dates[k], principal[k], interest[k], principal[k] + interest[k], balance[k])
            for k in range(count)
        ]

    def principal_units(self, index: int) -> int:
        """Loan `index`'s installments' principal summed, in minor units: what it owes once paid
        out (less than the amount lent by any advance EMIs kept back)."""
        column = self._position.get(index)
        if column is None:
            return sum(self._units(r.principal) for r in self.schedule(index).installments)
        lane = self._lane
        assert lane is not None
        return int(lane.principal[: int(lane.counts[column]), column].sum())

    def first_due(self, index: int) -> date:
        """Loan `index`'s first due date."""
        column = self._position.get(index)
        if column is None:
            return self.schedule(index).installments[0].due_date
        assert self._lane is not None
        first: date = self._lane.due_dates[0, column].astype(date)
        return first

    def _units(self, amount: Decimal) -> int:
        """An amount in minor units; components are always on the precision's grid."""
        units = amount.scaleb(-self._exponent)
        if units != units.to_integral_value():
            raise ValueError(f"{amount} is not a multiple of the precision")
        return int(units)

    def emi_and_bpi(self, index: int) -> tuple[Decimal, Decimal]:
        """Loan `index`'s reported EMI and broken-period interest, without building its rows."""
        column = self._position.get(index)
        if column is None:
            schedule = self.schedule(index)
            return schedule.emi, schedule.bpi
        lane = self._lane
        assert lane is not None
        if int(lane.counts[column]) == 1:  # the EMI of a one-row schedule is that row's total
            return self.schedule(index).emi, self._lane_bpi(column)
        return self._lane_level(column), self._lane_bpi(column)

    def figures(self, index: int) -> LoanFigures:
        """Loan `index`'s terms and the KFS figures its schedule reports (EMI, BPI, fee
        charges, net disbursed amount), without building its rows."""
        terms = self.terms(index)
        column = self._position.get(index)
        lane = self._lane
        if column is None or lane is None or int(lane.counts[column]) == 1:
            schedule = self.schedule(index)
            return LoanFigures(
                terms, schedule.emi, schedule.bpi, schedule.fee_charges, schedule.net_disbursed,
                schedule.advance,
            )  # fmt: skip
        emi, bpi = self._lane_level(column), self._lane_bpi(column)
        # the core's own figures; fee charges and the net amount do not depend on the rows
        figures = key_figures(
            terms,
            build_timeline(terms),
            (),
            emi=emi,
            bpi=bpi,
            capitalised=terms.precision.apply(ZERO),
        )
        return LoanFigures(terms, emi, bpi, figures["fee_charges"], figures["net_disbursed"])

    def _lane_level(self, column: int) -> Decimal:
        """The lane's level installment, with the rounding step's decimals."""
        lane = self._lane
        assert lane is not None
        step_exponent = min(_exponent(self.product.rounding.step), 0)
        units = Decimal(int(lane.emi[column])).scaleb(self._exponent)
        return units.quantize(ONE.scaleb(step_exponent))

    def _lane_bpi(self, column: int) -> Decimal:
        lane = self._lane
        assert lane is not None
        return Decimal(int(lane.bpi[column])).scaleb(self._exponent)

    def schedule(self, index: int) -> Schedule:
        """Loan `index`'s schedule as the core's Schedule value, with Decimal amounts."""
        column = self._position.get(index)
        terms = self.terms(index)
        if column is None:
            if index not in self._slow:
                self._slow[index] = generate_schedule(terms)
            return self._slow[index]
        lane = self._lane
        assert lane is not None
        e = self._exponent
        rows = tuple(
            Installment(n, due, *(Decimal(v).scaleb(e) for v in amounts))
            for n, due, *amounts in self.rows(index)
        )
        emi = reported_emi(terms, rows, self._lane_level(column))
        figures = key_figures(
            terms,
            build_timeline(terms),
            rows,
            emi=emi,
            bpi=self._lane_bpi(column),
            capitalised=terms.precision.apply(Decimal(0)),
        )
        return Schedule(**figures)


def generate_schedules(
    product: LoanTerms, loans: LoanColumns, *, numbers: Sequence[int] | None = None
) -> ScheduleBatch:
    """Schedules of every loan in `loans` under `product`. Raises ScheduleError naming every
    problem of the first loan (by index, or by its entry in `numbers`: the loans' indices in
    a larger book) whose terms cannot produce a schedule."""
    if not is_fast_product(product):
        _check_each(product, loans, range(len(loans)), numbers)
        return ScheduleBatch(product, loans, None)
    lane = run_lane(product, loans)
    slow = np.setdiff1d(np.arange(len(loans)), lane.loans)
    _check_each(product, loans, slow.tolist(), numbers)
    return ScheduleBatch(product, loans, lane)


def is_fast_product(product: LoanTerms) -> bool:
    """Whether the vectorised lane can take loans of this product."""
    t = product
    precision_step, rounding_step = t.precision.step, t.rounding.step
    return (
        t.method is Method.EMI
        and t.step is None
        and t.balloon is None
        and t.fixed_installment is None
        and t.advance_emis == 0
        and t.tranche_repayment is TrancheRepayment.EMI
        and t.moratorium.periods == 0
        and t.grace_principal == t.grace_interest == t.interest_free_periods == 0
        and t.bpi in (BPITreatment.NONE, BPITreatment.DEDUCT)
        and t.cycle.frequency in MONTHS_PER_PERIOD
        and t.precision.quantum_and_mode()[0] is not None
        and (rounding_step / precision_step) == (rounding_step / precision_step).to_integral_value()
        and t.day_count.days_in_month is DaysInMonth.ACTUAL
        and t.day_count.days_in_year is not DaysInYear.ACTUAL
    )


def _first_given(value: int | None, fallback: int | None) -> int | None:
    """A loan's own due day, else the product's."""
    return fallback if value is None else int(value)


def _check_each(
    product: LoanTerms,
    loans: LoanColumns,
    indices: Sequence[int],
    numbers: Sequence[int] | None,
) -> None:
    for index in indices:
        try:
            check_terms(loans.terms(product, index))
        except ScheduleError as exc:
            named = index if numbers is None else numbers[index]
            problems = tuple(replace(p, field=f"loans[{named}].{p.field}") for p in exc.problems)
            raise ScheduleError(problems[0].field, problems[0].message, problems=problems) from None


def _exponent(step: Decimal) -> int:
    exponent = step.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent
