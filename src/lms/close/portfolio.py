"""Reads of the loan book for lists and reports: a page of loans under filters, a loan's
installment plan, and the portfolio by branch and DPD bucket at the day-end of a closed date.

Guarantees:
- Read only: nothing here writes, locks or replays a loan.
- A page of loans is in loan id order. It is paged by `after` (keyset: loans with a greater
  id; what a client should use to walk a large list) and `offset`; `next_after` is the cursor
  of the next page, None on the last one. The total counts every loan the filters match (the
  cursor and offset aside); it is exact up to COUNT_CAP loans. Beyond that it is COUNT_CAP
  with `total_exact` false ("more than 10,000"), unless the caller asks for an exact count:
  counting a million rows on each page is what made the list slow, and a filter that broad
  needs the portfolio summary, not a count under a page.
- The DPD filter is the loan's days past due at the day-end of the business date (from its
  oldest unpaid due date, as lms.servicing.service.where_dpd); the asset class is the one the
  daily close stamped last: for a class other than standard, the class in the snapshots of
  the last closed date (the day before the business date), which is each loan's stamp except
  while a close is running (a loan the running close has restamped is listed under the class
  of the day before until the close ends; the loan shown has its new stamp).
- The installment plan is the stored installments (equal to the replay of the loan's events:
  lms.servicing.service), with what is paid and the principal left after each; a loan not yet
  paid out shows the schedule its terms give, nothing paid.
- The summary reads the daily close's snapshots of that date (lms.close.steps.snapshot), the
  loans active at its day-end, grouped by branch and by the DPD buckets of the classification
  thresholds (lms.core.classification: 0, 1-30, 31-60, 61-90, over 90), by the branch each
  loan was booked in; sums are exact Decimal. A date the close has not finished is refused,
  naming `as_of`. A closed date's snapshots change only inside the steps of a later close,
  each of which logs its partition in close_steps in the same transaction; so a summary is
  worked out once and kept in this process while that log (for the date and later dates)
  stays as it was, and worked out again as soon as it moves.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, literal, select

from lms.close.models import CloseStep, LoanSnapshot
from lms.close.retention import refuse_thinned
from lms.core.classification import AssetClass, Thresholds
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.service import existing_loan, loan_schedule, loan_state, where_dpd

COUNT_CAP = 10_000
ZERO = Decimal(0)
RBI = Thresholds()


@dataclass(frozen=True, slots=True)
class LoanFilter:
    """What a list of loans is narrowed to; None: not narrowed by that field."""

    status: str | None = None
    branch: str | None = None
    product_id: int | None = None
    asset_class: str | None = None
    dpd_min: int | None = None
    dpd_max: int | None = None
    branches: frozenset[str] | None = None  # the caller's branches (None: every branch)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the loan list, with the total of the filters and the next cursor."""

    loans: list[Loan]
    total: int
    total_exact: bool
    next_after: int | None


def loan_page(
    uow: UnitOfWork,
    *,
    where: LoanFilter,
    today: date,
    limit: int,
    offset: int = 0,
    after: int | None = None,
    exact_total: bool = False,
) -> Page:
    """The loans `where` matches at the day-end of `today`, `limit` of them from the cursor
    `after` (a loan id) and `offset`, in id order, with the total.

    First up to COUNT_CAP + 1 of the matching ids, in no order (the planner's cheapest way to
    find them). If that is all of them, they are the exact total and the page is cut from
    them; else the filters match many loans, and the page is read in id order from the
    cursor (matches are then dense enough to find quickly)."""
    if where.dpd_min is not None and where.dpd_max is not None and where.dpd_min > where.dpd_max:
        raise InvalidError([("dpd_max", f"must not be below dpd_min ({where.dpd_min})")])
    ids = _narrowed(select(Loan.id), where, today)
    some = list(uow.session.scalars(ids.limit(COUNT_CAP + 1)))
    if len(some) <= COUNT_CAP:  # all of them
        total, exact = len(some), True
        chosen = sorted(i for i in some if after is None or i > after)[offset:][: limit + 1]
        found = _loans(uow, chosen)
    else:
        total, exact = _count(uow, ids, exact_total)
        query = _narrowed(select(Loan), where, today, after)
        found = list(uow.session.scalars(query.order_by(Loan.id).limit(limit + 1).offset(offset)))
    more = len(found) > limit
    return Page(found[:limit], total, exact, found[limit - 1].id if more else None)


def _loans(uow: UnitOfWork, ids: list[int]) -> list[Loan]:
    """The loans of `ids` (a page: a few), in id order."""
    if not ids:
        return []
    return list(uow.session.scalars(select(Loan).where(Loan.id.in_(ids)).order_by(Loan.id)))


def last_closed(today: date) -> date:
    """The last date the close has finished when `today` is the business date (the close moves
    the business date on only once every step of the date is done)."""
    return today - timedelta(days=1)


_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])


def of_branches(
    query: _Q, branch: str | None, branches: frozenset[str] | None, product_id: int | None
) -> _Q:
    """`query` (over loans) narrowed to one branch, to a caller's branches, to a product."""
    if branch:
        query = query.where(Loan.branch_code == branch)
    if branches is not None:
        query = query.where(Loan.branch_code.in_(sorted(branches)))
    if product_id is not None:
        query = query.where(Loan.product_id == product_id)
    return query


def _narrowed(
    query: Select[Any], where: LoanFilter, today: date, after: int | None = None
) -> Select[Any]:
    if where.status:
        query = query.where(Loan.status == where.status)
    query = of_branches(query, where.branch, where.branches, where.product_id)
    if where.asset_class == AssetClass.STANDARD.value:  # most of a book: read from the loans
        query = query.where(Loan.asset_class == where.asset_class)
    elif where.asset_class:  # the last closed day's, by the snapshots' class index
        stamped = select(LoanSnapshot.loan_id).where(
            LoanSnapshot.day == last_closed(today),
            LoanSnapshot.asset_class == where.asset_class,
        )
        if after is not None:  # the cursor on both sides, so the index is read from it
            stamped = stamped.where(LoanSnapshot.loan_id > after)
        query = query.where(Loan.id.in_(stamped))
    if after is not None:
        query = query.where(Loan.id > after)
    return where_dpd(query, today, where.dpd_min, where.dpd_max)


def _count(uow: UnitOfWork, ids: Select[Any], exact: bool) -> tuple[int, bool]:
    """(how many rows `ids` has, exact) if `exact`, else (COUNT_CAP, False): a filter that
    matches more than COUNT_CAP loans is not counted further unless asked."""
    if not exact:
        return COUNT_CAP, False
    counted = uow.session.scalar(select(func.count()).select_from(ids.subquery()))
    return int(counted or 0), True


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One installment of a loan's plan and what is paid of it."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    balance: Decimal  # principal left after this installment, by the plan
    status: str  # paid, overdue, not_due (at the day-end of the date read on), planned

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    @property
    def unpaid(self) -> Decimal:
        return self.total - self.principal_paid - self.interest_paid


def installment_plan(uow: UnitOfWork, *, loan_id: int, today: date) -> tuple[Loan, list[PlanRow]]:
    """(the loan, its installment plan in number order), each installment's status read at
    the day-end of `today`; a loan not paid out has its terms' plan, every row "planned"."""
    loan, _, plan = projected_plan(uow, loan_id=loan_id, today=today, projected=False)
    return loan, plan


def projected_plan(
    uow: UnitOfWork, *, loan_id: int, today: date, projected: bool = True
) -> tuple[Loan, date | None, list[PlanRow]]:
    """(the loan, the due date projected to or None, its plan) as `installment_plan`, but
    `projected`: the plan as it will stand on the loan's next due date if nothing more is
    paid (what money held pays then; with interest on the actual balance, what late or
    early money changes of the installment running). None: no due date ahead, as it is."""
    loan = existing_loan(uow, loan_id)
    stored = uow.session.execute(
        select(
            LoanInstallment.number,
            LoanInstallment.due_date,
            LoanInstallment.principal,
            LoanInstallment.interest,
            LoanInstallment.principal_paid,
            LoanInstallment.interest_paid,
        )
        .where(LoanInstallment.loan_id == loan_id)
        .order_by(LoanInstallment.number)
    ).all()
    rows: list[tuple[int, date, Decimal, Decimal, Decimal, Decimal]] = [
        (n, due, p, i, pp, ip) for n, due, p, i, pp, ip in stored
    ]
    planned = not rows and loan.disbursed_on is None
    if planned:
        rows = [
            (i.number, i.due_date, i.principal, i.interest, ZERO, ZERO)
            for i in loan_schedule(loan).installments
        ]
    upcoming = min((row[1] for row in rows if row[1] > today), default=None)
    to = upcoming if projected and loan.status == "active" else None
    if to is not None:
        state = loan_state(uow, loan_id=loan_id, as_of=max(to, loan.last_event_on or to))
        rows = [
            (i.number, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid)
            for i in state.installments
        ]
    return loan, to, _plan(rows, today, planned)


def _plan(
    rows: list[tuple[int, date, Decimal, Decimal, Decimal, Decimal]], today: date, planned: bool
) -> list[PlanRow]:
    left = sum((row[2] for row in rows), ZERO)
    plan = []
    for number, due, principal, interest, principal_paid, interest_paid in rows:
        left -= principal
        paid = principal_paid + interest_paid >= principal + interest
        status = "planned" if planned else _status(paid, due, today)
        plan.append(
            PlanRow(number, due, principal, interest, principal_paid, interest_paid, left, status)
        )
    return plan


def _status(paid: bool, due: date, today: date) -> str:
    return "paid" if paid else "overdue" if due <= today else "not_due"


@dataclass(frozen=True, slots=True)
class Bucket:
    """A band of days past due, `low` to `high` (None: no upper end)."""

    label: str
    low: int
    high: int | None


def dpd_buckets(thresholds: Thresholds = RBI) -> tuple[Bucket, ...]:
    """0, then up to each threshold of the classification (SMA-0, SMA-1, SMA-2), then NPA."""
    edges = (0, thresholds.sma1, thresholds.sma2, thresholds.npa)
    bands = [Bucket("0", 0, 0)]
    bands += [Bucket(f"{lo + 1}-{hi}", lo + 1, hi) for lo, hi in pairwise(edges)]
    return (*bands, Bucket(f"{thresholds.npa + 1}+", thresholds.npa + 1, None))


@dataclass(frozen=True, slots=True)
class Cell:
    """The active loans of one branch in one DPD bucket at a day-end."""

    branch: str
    bucket: str
    loans: int
    principal_outstanding: Decimal
    principal_overdue: Decimal
    interest_overdue: Decimal


def portfolio_summary(uow: UnitOfWork, *, day: date) -> list[Cell]:
    """The cells (branch, then bucket in DPD order) of the loans active at the day-end of
    `day`, from that date's close snapshots; only cells with loans. Worked out once per
    database, date and state of the close log (see _Summaries)."""
    _closed(uow, day)
    key = (str(uow.session.get_bind().engine.url), day)
    log = _close_log(uow, day)
    cells = _SUMMARIES.get(key, log)
    if cells is None:
        cells = summarise(uow, day=day)
        _SUMMARIES.put(key, log, cells)
    return cells


def summarise(uow: UnitOfWork, *, day: date) -> list[Cell]:
    """The summary of `day` worked out from its snapshots now (portfolio_summary keeps it)."""
    buckets = dpd_buckets()
    band = dpd_band(LoanSnapshot.__table__.c.dpd, buckets).label("band")
    cells = (
        select(
            Loan.branch_code.label("branch"),
            band,
            LoanSnapshot.principal_outstanding,
            LoanSnapshot.principal_due,
            LoanSnapshot.interest_due,
        )
        .join(Loan, Loan.id == LoanSnapshot.loan_id)
        .where(LoanSnapshot.day == day, LoanSnapshot.status == "active")
        .subquery()
    )
    grouped = (
        select(
            cells.c.branch,
            cells.c.band,
            func.count(),
            func.sum(cells.c.principal_outstanding),
            func.sum(cells.c.principal_due),
            func.sum(cells.c.interest_due),
        )
        .group_by(cells.c.branch, cells.c.band)
        .order_by(cells.c.branch, cells.c.band)
    )
    return [
        Cell(branch, buckets[band].label, int(n), outstanding, principal, interest)
        for branch, band, n, outstanding, principal, interest in uow.session.execute(grouped)
    ]


def _close_log(uow: UnitOfWork, day: date) -> tuple[int, datetime | None]:
    """How many step partitions the closes of `day` and later dates have done, and when the
    last finished: a date's snapshots change only inside those (written by its own close,
    rewritten by a later close's restatement or penal step, each marking its partition done
    in the same transaction), so while this stays the same, so do they."""
    count, last = uow.session.execute(
        select(func.count(), func.max(CloseStep.finished_at)).where(CloseStep.day >= day)
    ).one()
    return int(count), last


class _Summaries:
    """The last few summaries worked out in this process, by (database, date), each with the
    close log it was read under; one whose log has moved on is worked out again. Shared by the
    threads of one server process."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._lock = Lock()
        self._items: OrderedDict[tuple[str, date], tuple[object, list[Cell]]] = OrderedDict()

    def get(self, key: tuple[str, date], log: object) -> list[Cell] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] != log:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: tuple[str, date], log: object, cells: list[Cell]) -> None:
        with self._lock:
            self._items[key] = (log, cells)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_SUMMARIES = _Summaries()


def dpd_band(dpd: ColumnElement[int], buckets: tuple[Bucket, ...]) -> ColumnElement[int]:
    """The index of the bucket `dpd` falls in."""
    whens = [(dpd <= b.high, literal(k)) for k, b in enumerate(buckets) if b.high is not None]
    return case(*whens, else_=literal(len(buckets) - 1))


def _closed(uow: UnitOfWork, day: date) -> None:
    """Refuse a date whose close has not finished (or never ran: no snapshots)."""
    current = business_date(uow)
    if current is None or day >= current:
        raise InvalidError([("as_of", f"{day} is not closed yet (the business date is {current})")])
    refuse_thinned(uow, day)
    snapped = uow.session.scalar(
        select(CloseStep.day).where(CloseStep.day == day, CloseStep.step == "snapshot").limit(1)
    )
    if snapped is None:
        raise InvalidError([("as_of", f"the book was not closed on {day}: no snapshots")])
