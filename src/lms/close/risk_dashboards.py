"""The risk dashboards, from the daily close's snapshots at month ends:

- `roll_rates`: the active loans of each DPD bucket at one month end and where each stood at
  the next (the share in each bucket, or closed), with the share that rolled into a worse
  bucket; the last two month ends closed (within the period, when one is given).
- `vintages`: for each month of disbursement (a cohort), the share of its loans more than 30
  days past due at each month end, by months on book (the month end's month less the
  cohort's).
- `league`: each branch at the last closed date: loans, principal outstanding, PAR 30 (the
  share of the outstanding more than 30 days past due), gross NPA share, and the collection
  efficiency of that date's month.

Guarantees: read only; shares are of counts of loans (roll rates, vintages) or of principal
outstanding (league), in percent rounded half up to two places; within the caller's branches.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.close.dashboards import ZERO, Scope, Table, collections, percent, scoped
from lms.close.models import LoanSnapshot
from lms.close.portfolio import dpd_buckets, last_closed
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan


def _month_ends(uow: UnitOfWork, scope: Scope, today: date) -> list[date]:
    days = uow.session.scalars(select(LoanSnapshot.day).distinct())
    return sorted(
        d for d in days
        if d <= today and (d + timedelta(days=1)).day == 1
        and (scope.until is None or d <= scope.until)
        and (scope.since is None or d >= scope.since.replace(day=1))
    )  # fmt: skip


def _bucket(dpd: int) -> str:
    return next(
        b.label for b in dpd_buckets() if b.low <= dpd and (b.high is None or dpd <= b.high)
    )


def _snapshots(uow: UnitOfWork, scope: Scope, day: date) -> dict[int, int]:
    """The DPD of each active loan at the day-end of `day`, by loan id."""
    s = LoanSnapshot
    query = scoped(
        select(s.loan_id, s.dpd).join(Loan, Loan.id == s.loan_id)
        .where(s.day == day, s.status == "active"),
        scope,
    )  # fmt: skip
    return dict(uow.session.execute(query).all())


def roll_rates(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    labels = [b.label for b in dpd_buckets()]
    ends = _month_ends(uow, scope, today)
    rows = []
    title = "Roll rates between the last two month ends closed"
    if len(ends) >= 2:
        before, after = ends[-2], ends[-1]
        title = f"Roll rates from {before.isoformat()} to {after.isoformat()}"
        then, now = _snapshots(uow, scope, before), _snapshots(uow, scope, after)
        moves: dict[str, defaultdict[str, int]] = {label: defaultdict(int) for label in labels}
        for loan, dpd in then.items():
            moves[_bucket(dpd)][_bucket(now[loan]) if loan in now else "closed"] += 1
        for label in labels:
            count = sum(moves[label].values())
            if not count:
                continue
            shares = [
                percent(Decimal(moves[label][to]), Decimal(count)) for to in (*labels, "closed")
            ]
            worse = sum(moves[label][to] for to in labels[labels.index(label) + 1 :])
            rows.append((label, count, *shares, percent(Decimal(worse), Decimal(count))))
    columns = ("bucket", "loans", *(f"to_{label}" for label in labels), "to_closed",
               "rolled_forward_percent")  # fmt: skip
    return Table("roll_rates", title, columns, rows, ("bar", "bucket", ("rolled_forward_percent",)))


def vintages(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    ends = _month_ends(uow, scope, today)
    paid_out = scoped(
        select(Loan.id, Loan.disbursed_on).where(Loan.disbursed_on.is_not(None)), scope
    )
    cohort_of = {
        loan: (on.year, on.month) for loan, on in uow.session.execute(paid_out) if on is not None
    }
    sizes: defaultdict[tuple[int, int], int] = defaultdict(int)
    for cohort in cohort_of.values():
        sizes[cohort] += 1
    shares: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for end in ends:
        late: defaultdict[tuple[int, int], int] = defaultdict(int)
        for loan, dpd in _snapshots(uow, scope, end).items():
            if dpd > 30 and loan in cohort_of:
                late[cohort_of[loan]] += 1
        for cohort, size in sizes.items():
            on_book = (end.year - cohort[0]) * 12 + end.month - cohort[1]
            if on_book >= 0:
                shares[on_book][f"{cohort[0]:04d}-{cohort[1]:02d}"] = percent(
                    Decimal(late[cohort]), Decimal(size)
                )
    cohorts = sorted({name for row in shares.values() for name in row})
    rows = [(mob, *(shares[mob].get(c) for c in cohorts)) for mob in sorted(shares)]
    return Table("vintages", "Vintage curves: loans more than 30 days past due, by months on book",
                 ("months_on_book", *cohorts), rows, ("line", "months_on_book", tuple(cohorts)))  # fmt: skip


def league(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    day = last_closed(today)
    s = LoanSnapshot
    found: dict[str, list[Decimal | int]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO])
    rows_query = scoped(
        select(Loan.branch_code, s.principal_outstanding, s.dpd, s.asset_class)
        .join(Loan, Loan.id == s.loan_id)
        .where(s.day == day, s.status == "active"),
        scope,
    )
    for branch, outstanding, dpd, klass in uow.session.execute(rows_query):
        row = found[branch]
        row[0] = int(row[0]) + 1
        row[1] = Decimal(row[1]) + outstanding
        if dpd > 30:
            row[2] = Decimal(row[2]) + outstanding
        if klass == "NPA":
            row[3] = Decimal(row[3]) + outstanding
    month = day.replace(day=1)
    rows = []
    for branch, (count, total, par30, gross) in found.items():
        mine = Scope(branch, scope.product_id, month, day, scope.branches)
        current = collections(uow, mine, day).rows
        rows.append((branch, count, total, percent(Decimal(par30), Decimal(total)),
                     percent(Decimal(gross), Decimal(total)), current[-1][3] if current else None))  # fmt: skip
    rows.sort(key=lambda r: (-r[2], r[0]))
    return Table("league", f"Branches at the day-end of {day.isoformat()}",
                 ("branch", "loans", "principal_outstanding", "par30_percent", "gross_npa_percent",
                  "collection_efficiency_percent"), rows,
                 ("bar", "branch", ("par30_percent", "gross_npa_percent")))  # fmt: skip
