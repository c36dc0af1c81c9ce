"""The portfolio forecast: roll rates between days-past-due states estimated from the last
months of the loans' months of behaviour, the book of a month end projected forward
(`lms.core.rollforward`) for a branch, a product or the whole book, and the back-test: the
forecast a month end a year back would have made, beside what then happened to those loans.

States by days past due at the month end: 0, 1-30 (SMA-0), 31-60 (SMA-1), 61-90 (SMA-2),
91-180 and 181+ (non-performing by the 90-day rule; the classification's memory, an NPA kept
until all arrears are paid, and the borrower-level NPA are not modelled: a cured loan counts by
its days past due). 30+ is the sum of the states past 30 days, 90+ of those past 90 (the NPA
forecast). Provisions: the lender's standard rate up to 90 days, its sub-standard rate (secured
or unsecured by the product) beyond.

Guarantees: read only; the rates of a forecast use only months up to its base month end; the
back-test's actual figures are of the loans on the book at its base month end alone (as the
forecast is), from their months of behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from lms.core.classification import AssetCategory
from lms.core.provisioning import percent
from lms.core.rollforward import Move, Rates, project, provisions, roll_rates
from lms.platform.db import UnitOfWork
from lms.platform.settings import lender_rates
from lms.risk.models import LoanMonth
from lms.risk.months import shift
from lms.servicing.models import Loan, Product

STATES = ("0", "1-30", "31-60", "61-90", "91-180", "181+")
PAST_30, PAST_90 = STATES[2:], STATES[4:]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    branch: str | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class Month:
    month: date
    balances: dict[str, Decimal]
    provision: Decimal

    @property
    def past_30(self) -> Decimal:
        return sum((self.balances[s] for s in PAST_30), ZERO)

    @property
    def past_90(self) -> Decimal:
        return sum((self.balances[s] for s in PAST_90), ZERO)


@dataclass(frozen=True)
class Forecast:
    base: Month
    rates: Rates
    window: tuple[date, ...]  # the month ends whose moves to the next gave the rates
    months: list[Month]


def _state(dpd: Any) -> Any:
    return case(
        (dpd == 0, "0"), (dpd <= 30, "1-30"), (dpd <= 60, "31-60"), (dpd <= 90, "61-90"),
        (dpd <= 180, "91-180"), else_="181+",
    )  # fmt: skip


def _scoped(query: Any, scope: Scope) -> Any:
    query = query.join(Loan, Loan.id == LoanMonth.loan_id)
    if scope.branch is not None:
        query = query.where(Loan.branch_code == scope.branch)
    if scope.product_id is not None:
        query = query.where(Loan.product_id == scope.product_id)
    return query


def moves(uow: UnitOfWork, month: date, scope: Scope) -> list[Move]:
    """The moves of the loans active at `month` to the next month end."""
    after = aliased(LoanMonth)
    each = _scoped(
        select(
            _state(LoanMonth.dpd).label("before"),
            case((after.status == "active", _state(after.dpd)), else_=None).label("after"),
            LoanMonth.principal_outstanding.label("start"),
            case((after.status == "active", after.principal_outstanding), else_=None).label("end"),
        )
        .select_from(LoanMonth)
        .outerjoin(after, (after.loan_id == LoanMonth.loan_id) & (after.month == shift(month, 1)))
        .where(LoanMonth.month == month, LoanMonth.status == "active"),
        scope,
    ).subquery()
    query = select(each.c.before, each.c.after, func.sum(each.c.start), func.sum(each.c.end))
    rows = uow.session.execute(query.group_by(each.c.before, each.c.after))
    return [Move(b, a, start or ZERO, end or ZERO) for b, a, start, end in rows]


def _by_state(uow: UnitOfWork, each: Any) -> dict[str, Decimal]:
    """The sums of (state, balance) rows by state (every state, nought where none)."""
    rows = each.subquery()
    query = select(rows.c.state, func.sum(rows.c.balance)).group_by(rows.c.state)
    found: dict[str, Decimal] = dict(uow.session.execute(query).all())
    return {s: found.get(s, ZERO) for s in STATES}


def balances(uow: UnitOfWork, month: date, scope: Scope) -> dict[str, Decimal]:
    """The principal outstanding in each state at `month`, of the loans active then."""
    return _by_state(uow, _scoped(
        select(_state(LoanMonth.dpd).label("state"),
               LoanMonth.principal_outstanding.label("balance"))
        .where(LoanMonth.month == month, LoanMonth.status == "active"),
        scope,
    ))  # fmt: skip


def provision_percent(uow: UnitOfWork, scope: Scope) -> dict[str, Decimal]:
    """Each state's provision rate: standard to 90 days, sub-standard beyond (unsecured unless
    every product in scope is secured)."""
    rates = lender_rates()
    query = select(func.coalesce(Product.secured, False))
    if scope.product_id is not None:
        query = query.where(Product.id == scope.product_id)
    secured = all(uow.session.scalars(query))
    standard = percent(rates, AssetCategory.STANDARD, secured=secured)
    sub = percent(rates, AssetCategory.SUBSTANDARD, secured=secured)
    return {s: (sub if s in PAST_90 else standard) for s in STATES}


def forecast(
    uow: UnitOfWork, *, base: date, months: int = 6, window: int = 6, scope: Scope = Scope()
) -> Forecast:
    """The book of month end `base` projected `months` ahead with the roll rates of the last
    `window` months up to `base`."""
    seen = tuple(shift(base, -k) for k in range(window, 0, -1))
    rates = roll_rates(STATES, [m for month in seen for m in moves(uow, month, scope)])
    rate = provision_percent(uow, scope)
    now = balances(uow, base, scope)
    ahead = project(STATES, now, rates, months)
    return Forecast(
        Month(base, now, provisions(now, rate)),
        rates,
        seen,
        [Month(shift(base, k + 1), b, provisions(b, rate)) for k, b in enumerate(ahead)],
    )


def actual(uow: UnitOfWork, base: date, months: int, scope: Scope) -> list[dict[str, Decimal]]:
    """What became of the loans active at `base` at each of the next `months` month ends."""
    return [_became(uow, base, shift(base, k), scope) for k in range(1, months + 1)]


def _became(uow: UnitOfWork, base: date, month: date, scope: Scope) -> dict[str, Decimal]:
    later = aliased(LoanMonth)
    return _by_state(uow, _scoped(
        select(_state(later.dpd).label("state"), later.principal_outstanding.label("balance"))
        .select_from(LoanMonth)
        .join(later, (later.loan_id == LoanMonth.loan_id) & (later.month == month))
        .where(LoanMonth.month == base, LoanMonth.status == "active", later.status == "active"),
        scope,
    ))  # fmt: skip
