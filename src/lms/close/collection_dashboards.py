"""Collections dashboards: cases by month (opened, cured, the cure rate), buckets by month (the
cases in each, rolled forward, rolled back and cured, with the roll-forward and cure rates, from
each case's history), promises to pay by month of their date (made, kept, partly kept, broken,
the kept rate), and agents side by side (open cases, overdue held, money their cases brought
in and the collection efficiency: collected over collected and still overdue, promises judged
and kept). Each filters by branch and period like the other dashboards (lms.close.dashboards).

Guarantees: read only; counts of stored rows; rates in percent to two places (none when there
is nothing to divide by); a caller's branches bound every row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, or_, select

from lms.close.dashboards import Scope, Table, in_period, month_of, percent
from lms.collections.cases import buckets
from lms.collections.models import CaseEvent, CollectionCase, Promise
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.payment_rules import MONEY_IN

ZERO = Decimal(0)


def _cases(scope: Scope) -> Select[CollectionCase]:
    c = CollectionCase
    query = select(c)
    if scope.branch:
        query = query.where(c.branch_code == scope.branch)
    if scope.branches is not None:
        query = query.where(c.branch_code.in_(sorted(scope.branches)))
    return query


def cases(uow: UnitOfWork, scope: Scope) -> Table:
    """Cases opened and cured each month, and the cure rate (cured / opened that month)."""
    opened: dict[str, int] = defaultdict(int)
    cured: dict[str, int] = defaultdict(int)
    for case in uow.session.scalars(_cases(scope)):
        if in_period(case.opened_on, scope):
            opened[month_of(case.opened_on)] += 1
        if case.outcome == "cured" and case.closed_on and in_period(case.closed_on, scope):
            cured[month_of(case.closed_on)] += 1
    rows = [(m, opened[m], cured[m], percent(Decimal(cured[m]), Decimal(opened[m])))
            for m in sorted(set(opened) | set(cured))]  # fmt: skip
    return Table("cases", "Collection cases: opened and cured by month",
                 ("month", "opened", "cured", "cure_rate_percent"), rows,
                 ("bar", "month", ("opened", "cured")))  # fmt: skip


def promises(uow: UnitOfWork, scope: Scope) -> Table:
    """Promises to pay by the month of their date: made, kept, partly kept, broken, open, and
    the kept rate (kept / judged)."""
    c, p = CollectionCase, Promise
    query = select(p.promised_for, p.status, func.count()).join(c, c.id == p.case_id)
    if scope.branch:
        query = query.where(c.branch_code == scope.branch)
    if scope.branches is not None:
        query = query.where(c.branch_code.in_(sorted(scope.branches)))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, status, count in uow.session.execute(query.group_by(p.promised_for, p.status)):
        if in_period(day, scope):
            counts[month_of(day)][status] += count
    rows = []
    for month in sorted(counts):
        of = counts[month]
        judged = of["kept"] + of["partly_kept"] + of["broken"]
        rows.append((month, sum(of.values()), of["kept"], of["partly_kept"], of["broken"],
                     of["open"], percent(Decimal(of["kept"]), Decimal(judged))))  # fmt: skip
    return Table("promises", "Promises to pay by month: kept, partly kept, broken",
                 ("month", "made", "kept", "partly_kept", "broken", "open", "kept_rate_percent"),
                 rows, ("bar", "month", ("kept", "broken")))  # fmt: skip


def agents(uow: UnitOfWork, scope: Scope) -> Table:
    """Each agent's open cases and the overdue they hold, and their promises judged and kept."""
    held: dict[str, tuple[int, Decimal]] = {}
    for case in uow.session.scalars(_cases(scope)):
        if case.closed_on is None and case.agent:
            n, owed = held.get(case.agent, (0, ZERO))
            held[case.agent] = (n + 1, owed + case.overdue)
    c, p = CollectionCase, Promise
    query = select(p.made_by, p.status, p.promised_for).join(c, c.id == p.case_id)
    if scope.branch:
        query = query.where(c.branch_code == scope.branch)
    if scope.branches is not None:
        query = query.where(c.branch_code.in_(sorted(scope.branches)))
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for who, status, day in uow.session.execute(query):
        if status != "open" and in_period(day, scope):
            judged[who.removeprefix("user:")][0] += 1
            judged[who.removeprefix("user:")][1] += status == "kept"
    got = collected(uow, scope)
    names = sorted(set(held) | set(judged) | set(got))
    rows = []
    for a in names:
        cases, owed = held.get(a, (0, ZERO))
        rows.append((a, cases, owed, got.get(a, ZERO), percent(got.get(a, ZERO),
                     got.get(a, ZERO) + owed), judged[a][0], judged[a][1],
                     percent(Decimal(judged[a][1]), Decimal(judged[a][0]))))  # fmt: skip
    return Table("agents", "Agents: open cases held, money collected and promises kept",
                 ("agent", "open_cases", "overdue_held", "collected",
                  "collection_efficiency_percent", "promises_judged", "kept",
                  "kept_rate_percent"), rows, ("bar", "agent", ("open_cases",)))  # fmt: skip


def collected(uow: UnitOfWork, scope: Scope) -> dict[str, Decimal]:
    """Money each agent's cases brought in the period: payments (not returned) on the loans of
    a case's borrower from the day the case opened to the day it closed, while it was theirs
    (a case's agent now; a case reallocated counts for its present agent)."""
    c, e, loan = CollectionCase, LoanEvent, Loan
    returned = select(e.loan_id, e.reference).where(e.kind == "reversal").subquery()
    query = (
        select(c.agent, e.value_date, func.sum(e.amount))
        .join(loan, loan.customer_id == c.customer_id).join(e, e.loan_id == loan.id)
        .outerjoin(returned, (returned.c.loan_id == e.loan_id)
                   & (returned.c.reference == e.reference))
        .where(c.agent.is_not(None), e.kind.in_(MONEY_IN), e.value_date >= c.opened_on,
               or_(c.closed_on.is_(None), e.value_date <= c.closed_on),
               returned.c.reference.is_(None))
        .group_by(c.agent, e.value_date)
    )  # fmt: skip
    if scope.branch:
        query = query.where(c.branch_code == scope.branch)
    if scope.branches is not None:
        query = query.where(c.branch_code.in_(sorted(scope.branches)))
    got: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for agent, day, amount in uow.session.execute(query):
        if agent is not None and in_period(day, scope):
            got[agent] += amount or ZERO
    return dict(got)


ENDINGS = ("cured", "settled", "written_off")  # how a case closes


def case_buckets(uow: UnitOfWork, scope: Scope, today: date) -> Table:
    """Each month and bucket: the cases that were in the bucket at some time in the month, how
    many of those stays ended in it by rolling forward (to a worse bucket), rolling back (to a
    better one) or a cure, and the roll-forward and cure rates (of the cases in the bucket)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for label, start, end, how in _stays(uow, scope):
        for month in _months(start, end, scope, today):
            of = counts[month, label]
            of[0] += 1
            if end is not None and month_of(end) == month and how in ("forward", "back", "cured"):
                of[("forward", "back", "cured").index(how) + 1] += 1
    order = {b.label: k for k, b in enumerate(buckets())}
    rows = [(m, b, n, fwd, back, cured, percent(Decimal(fwd), Decimal(n)),
             percent(Decimal(cured), Decimal(n)))
            for (m, b), (n, fwd, back, cured) in sorted(
                counts.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99)))]  # fmt: skip
    return Table("case_buckets", "Collection buckets by month: rolled forward, back and cured",
                 ("month", "bucket", "cases", "rolled_forward", "rolled_back", "cured",
                  "roll_forward_percent", "cure_rate_percent"), rows,
                 ("bar", "bucket", ("rolled_forward", "cured")))  # fmt: skip


def _stays(uow: UnitOfWork, scope: Scope) -> list[tuple[str, date, date | None, str | None]]:
    """Each stay of a case in a bucket: (bucket, entered, left or None, how it ended: forward,
    back, cured (or settled, written off), or None while it lasts)."""
    c, e = CollectionCase, CaseEvent
    query = (
        select(e.case_id, e.day, e.kind, e.detail).join(c, c.id == e.case_id)
        .where(e.kind.in_(("opened", "escalated", "eased", *ENDINGS)))
        .order_by(e.case_id, e.day, e.id)
    )  # fmt: skip
    if scope.branch:
        query = query.where(c.branch_code == scope.branch)
    if scope.branches is not None:
        query = query.where(c.branch_code.in_(sorted(scope.branches)))
    stays: list[tuple[str, date, date | None, str | None]] = []
    current: dict[int, tuple[str, date]] = {}
    for case_id, day, kind, detail in uow.session.execute(query):
        was = current.pop(case_id, None)
        if kind in ENDINGS:
            if was is not None:
                stays.append((was[0], was[1], day, "cured" if kind == "cured" else kind))
            continue
        label = (detail or {}).get("bucket")
        if label is None:  # a broken promise's escalation: the case stays where it is
            if was is not None:
                current[case_id] = was
            continue
        if was is not None:
            stays.append((was[0], was[1], day, "forward" if kind == "escalated" else "back"))
        current[case_id] = (label, day)
    stays += [(label, start, None, None) for label, start in current.values()]
    return stays


def _months(start: date, end: date | None, scope: Scope, today: date) -> list[str]:
    """The months of the scope's period that a stay from `start` to `end` (None: on today)
    touches."""
    first = month_of(max(start, scope.since) if scope.since else start)
    last = month_of(min(end or today, scope.until) if scope.until else end or today)
    months, year, month = [], int(first[:4]), int(first[5:])
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
