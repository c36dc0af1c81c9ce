"""The figures of the dashboards: each a table (what the page charts and the exports hold) worked
out from the book, filtered by branch, product and period.

- `disbursements`: loans paid out by month: how many, principal sanctioned, net paid out.
- `collections`: collection efficiency by month of due date: the demand (principal and
  interest of the installments that fell due in the month, up to the business date), what is
  collected of it so far, and collected / demand in percent.
- `buckets`: the active loans at a closed date by DPD bucket: how many, principal outstanding,
  principal and interest overdue (the daily close's snapshots).
- `npa`: at each month end closed and at the last closed date: principal outstanding of the
  active loans, gross NPA (that of NPA loans), its share, the provisions held on NPA loans (a
  month end's; none on other dates), net NPA (gross less those provisions) and its share of
  the outstanding less those provisions.

Guarantees: read only; sums are exact Decimals from stored figures (installments, loans,
snapshots), amounts and percentages rounded half up to two places only at the end; a caller's branches
bound every table; a period is by calendar month, months with nothing left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from lms.close.models import LoanSnapshot
from lms.close.portfolio import dpd_band, dpd_buckets, last_closed, of_branches
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import Loan, LoanInstallment

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a dashboard is narrowed to; None: not narrowed by that."""

    branch: str | None = None
    product_id: int | None = None
    since: date | None = None  # from the month of this date
    until: date | None = None  # through the month of this date
    branches: frozenset[str] | None = None  # the caller's (None: every branch)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: tuple[str, str, tuple[str, ...]]  # (bar or line, the x column, the series columns)

    def __post_init__(self) -> None:
        """Amounts to the paisa (stored to four places; summed exactly, rounded once here)."""
        for k, row in enumerate(self.rows):
            self.rows[k] = tuple(
                v.quantize(HUNDREDTH, rounding=ROUND_HALF_UP) if isinstance(v, Decimal) else v
                for v in row
            )


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` / `whole` in percent, two places (None when `whole` is zero)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])


def scoped(query: _Q, scope: Scope) -> _Q:
    """`query` (over loans) within the dashboard's branches and product."""
    return of_branches(query, scope.branch, scope.branches, scope.product_id)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def in_period(day: date, scope: Scope) -> bool:
    """Whether `day`'s month is within the scope's period (from its first month to its last)."""
    month = month_of(day)
    return (scope.since is None or month >= month_of(scope.since)) and (
        scope.until is None or month <= month_of(scope.until)
    )


def disbursements(uow: UnitOfWork, scope: Scope) -> Table:
    query = scoped(
        select(Loan.disbursed_on, Loan.principal, Loan.net_disbursed).where(
            Loan.disbursed_on.is_not(None)
        ),
        scope,
    )
    months: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    for day, principal, net in uow.session.execute(query):
        if day is not None and in_period(day, scope):
            row = months[month_of(day)]
            row[0], row[1], row[2] = row[0] + 1, row[1] + principal, row[2] + net
    rows = [(m, *months[m]) for m in sorted(months)]
    return Table("disbursements", "Disbursements by month",
                 ("month", "loans", "principal", "net_paid_out"), rows,
                 ("bar", "month", ("principal", "net_paid_out")))  # fmt: skip


def collections(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    i = LoanInstallment
    query = scoped(
        select(i.due_date, i.principal + i.interest, i.principal_paid + i.interest_paid)
        .join(Loan, Loan.id == i.loan_id)
        .where(i.due_date <= today, Loan.disbursed_on.is_not(None)),
        scope,
    )
    months: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for due, demand, paid in uow.session.execute(query):
        if in_period(due, scope):
            row = months[month_of(due)]
            row[0], row[1] = row[0] + demand, row[1] + paid
    rows = [(m, d, c, percent(c, d)) for m, (d, c) in sorted(months.items())]
    return Table("collections", "Collection efficiency by month of due date",
                 ("month", "demand", "collected", "efficiency_percent"), rows,
                 ("line", "month", ("efficiency_percent",)))  # fmt: skip


def buckets(uow: UnitOfWork, scope: Scope, day: date) -> Table:
    """At the day-end of `day` (a closed date)."""
    labels = dpd_buckets()
    band = dpd_band(LoanSnapshot.__table__.c.dpd, labels)
    query = scoped(
        select(band, func.count(), func.sum(LoanSnapshot.principal_outstanding),
               func.sum(LoanSnapshot.principal_due), func.sum(LoanSnapshot.interest_due))
        .join(Loan, Loan.id == LoanSnapshot.loan_id)
        .where(LoanSnapshot.day == day, LoanSnapshot.status == "active")
        .group_by(band),
        scope,
    )  # fmt: skip
    found = {int(b): (n, p, pd, idue) for b, n, p, pd, idue in uow.session.execute(query)}
    rows = [(bucket.label, *found.get(k, (0, ZERO, ZERO, ZERO))) for k, bucket in enumerate(labels)]
    return Table("buckets", f"DPD buckets at the day-end of {day.isoformat()}",
                 ("bucket", "loans", "principal_outstanding", "principal_overdue",
                  "interest_overdue"), [tuple(_exact(v) for v in r) for r in rows],
                 ("bar", "bucket", ("principal_outstanding",)))  # fmt: skip


def npa(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    days = _npa_days(uow, today)
    s = LoanSnapshot
    query = scoped(
        select(s.day, s.asset_class, func.sum(s.principal_outstanding), func.sum(s.provision))
        .join(Loan, Loan.id == s.loan_id)
        .where(s.day.in_(days), s.status == "active")
        .group_by(s.day, s.asset_class),
        scope,
    )
    found: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for day, klass, outstanding, provision in uow.session.execute(query):
        row = found[day]
        row[0] += _exact(outstanding)
        if klass == "NPA":
            row[1] += _exact(outstanding)
            row[2] += _exact(provision or 0)
    rows = []
    for day in sorted(d for d in found if in_period(d, scope)):
        total, gross, held = found[day]
        net = gross - held
        rows.append((day.isoformat(), total, gross, percent(gross, total), held, net,
                     percent(net, total - held)))  # fmt: skip
    return Table("npa", "Portfolio outstanding, gross and net NPA",
                 ("date", "principal_outstanding", "gross_npa", "gross_npa_percent",
                  "provisions_on_npa", "net_npa", "net_npa_percent"), rows,
                 ("line", "date", ("principal_outstanding", "gross_npa", "net_npa")))  # fmt: skip


def _npa_days(uow: UnitOfWork, today: date) -> list[date]:
    """The month ends closed and the last closed date."""
    closed = [d for d in uow.session.scalars(select(LoanSnapshot.day).distinct()) if d <= today]
    month_ends = [d for d in closed if (d + timedelta(days=1)).day == 1]
    last = last_closed(today)
    return sorted({*month_ends, *([last] if last in closed else [])})


def _exact(value: Any) -> Any:
    """A summed amount as an exact Decimal (SQLite gives back what it summed as stored)."""
    if isinstance(value, Decimal) or value is None or isinstance(value, int | str):
        return value
    return Decimal(str(value))


NAMES = ("disbursements", "collections", "buckets", "npa", "roll_rates", "vintages", "league",
         "cases", "case_buckets", "promises", "agents")  # fmt: skip


def dashboard(uow: UnitOfWork, name: str, scope: Scope, today: date) -> Table:
    """The dashboard `name` (one of NAMES) at the business date `today`."""
    if scope.since is not None and scope.until is not None and scope.since > scope.until:
        raise InvalidError([("until", "must not be before since")])
    if name == "disbursements":
        return disbursements(uow, scope)
    if name == "collections":
        return collections(uow, scope, today)
    if name == "buckets":
        return buckets(uow, scope, last_closed(today))
    if name == "npa":
        return npa(uow, scope, today)
    from lms.close import risk_dashboards  # they build on this module's tables

    if name in ("roll_rates", "vintages", "league"):
        made: Table = getattr(risk_dashboards, name)(uow, scope, today)
        return made
    from lms.close import collection_dashboards

    if name in ("cases", "promises", "agents"):
        kept: Table = getattr(collection_dashboards, name)(uow, scope)
        return kept
    if name == "case_buckets":
        return collection_dashboards.case_buckets(uow, scope, today)
    raise InvalidError([("name", f"must be one of {', '.join(NAMES)}")])
