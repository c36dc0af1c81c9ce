"""Collections dashboards: cases by month (opened, cured, the cure rate) and promises to pay by
month of their date (made, kept, partly kept, broken, the kept rate), and agents side by side
(open cases, overdue held, promises judged and kept). Each filters by branch and period like
the other dashboards (lms.close.dashboards).

Guarantees: read only; counts of stored rows; rates in percent to two places (none when there
is nothing to divide by); a caller's branches bound every row.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Select, func, select

from lms.close.dashboards import Scope, Table, in_period, month_of, percent
from lms.collections.models import CollectionCase, Promise
from lms.platform.db import UnitOfWork

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
    names = sorted(set(held) | set(judged))
    rows = [(a, held.get(a, (0, ZERO))[0], held.get(a, (0, ZERO))[1], judged[a][0], judged[a][1],
             percent(Decimal(judged[a][1]), Decimal(judged[a][0]))) for a in names]  # fmt: skip
    return Table("agents", "Agents: open cases held and promises kept",
                 ("agent", "open_cases", "overdue_held", "promises_judged", "kept",
                  "kept_rate_percent"), rows, ("bar", "agent", ("open_cases",)))  # fmt: skip
