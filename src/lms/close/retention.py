"""Retention of the daily snapshots: a month's daily figures kept for a number of months, then
thinned to its last day (the month end, which month-end reports and returns read).

A snapshot is the close's copy of what replaying the loan gives for that day (the events and
the ledger, never thinned, hold the loans' history), so thinning loses no fact of the book:
a day's figures can be rebuilt by replay. Each thinned month is recorded (its kept day, how
many snapshots went, when and by whom, and in the audit trail), and a report asked for another
day of it is refused (`refuse_thinned`) rather than answered with an empty book.

On PostgreSQL a month is a partition (migration 0060): its last day's rows are copied to a new
table, indexed and bounded like the partition, that replaces it, so the other days' rows go
with the old table at once, with no dead rows left to vacuum, and the parent is locked only
for the swap; the command commits each month on its own. Elsewhere they are deleted. Guarantee: the months thinned are those whose
every day lies more than `months` whole months before the business date's month, once each;
the current month and the months kept are not touched.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select

from lms.close.models import CloseStep, LoanSnapshot, ThinnedMonth
from lms.close.steps.snapshot import month_table
from lms.platform import audit
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError


def refuse_thinned(uow: UnitOfWork, day: date) -> None:
    """Refuse `day` when its month was thinned and it is not the day kept (for the readers of
    one day's snapshots: reports and the portfolio summary)."""
    thinned = uow.session.get(ThinnedMonth, day.replace(day=1))
    if thinned is not None and thinned.kept_day != day:
        kept = f"the daily figures of {day:%B %Y} were thinned to its last day, {thinned.kept_day}"
        raise InvalidError([("as_of", kept)])


def horizon(current: date, months: int) -> date:
    """The first day of the month `months` months before `current`'s: days before it are
    thinned."""
    index = current.year * 12 + current.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def thin_snapshots(
    uow: UnitOfWork, *, months: int, now: datetime, at_most: int | None = None
) -> list[ThinnedMonth]:
    """Thin the months of closed days before the horizon not thinned yet, oldest first, at
    most `at_most` of them (a month a transaction keeps each lock short); the caller commits."""
    current = business_date(uow)
    if current is None:
        return []
    session = uow.session
    done = set(session.scalars(select(ThinnedMonth.month)))
    closed = session.scalars(  # the closed days, from the close's markers (a small table)
        select(CloseStep.day)
        .where(CloseStep.step == "snapshot", CloseStep.day < horizon(current, months))
        .distinct()
    )
    by_month: dict[date, date] = {}
    for day in closed:
        first = day.replace(day=1)
        by_month[first] = max(by_month.get(first, day), day)
    thinned: list[ThinnedMonth] = []
    for first, kept in sorted(by_month.items()):
        if first in done:
            continue
        if at_most is not None and len(thinned) >= at_most:
            break
        removed = _thin(uow, kept)
        row = ThinnedMonth(month=first, kept_day=kept, removed=removed, thinned_at=now,
                           actor=uow.actor)  # fmt: skip
        session.add(row)
        audit.note(session, "thin", "snapshot_month", first, kept_day=kept, removed=removed)
        thinned.append(row)
    session.flush()
    return thinned


def _thin(uow: UnitOfWork, kept: date) -> int:
    """Remove the snapshots of `kept`'s month but its own; returns how many."""
    name, first, after = month_table(kept)
    connection = uow.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if not postgres or connection.exec_driver_sql("SELECT to_regclass(%(n)s) IS NULL",
                                                  {"n": name}).scalar():  # fmt: skip
        in_month = (LoanSnapshot.day >= first, LoanSnapshot.day < after)
        result = connection.execute(delete(LoanSnapshot).where(*in_month, LoanSnapshot.day != kept))
        return int(result.rowcount)
    removed = connection.exec_driver_sql(
        f"SELECT count(*) FROM {name} WHERE day <> '{kept}'"
    ).scalar_one()
    for statement in (  # the new table indexed and bounded before the parent is locked, so the
        f"CREATE TABLE {name}_kept (LIKE loan_snapshots INCLUDING ALL)",  # attach builds and
        f"ALTER TABLE {name}_kept ADD CONSTRAINT {name}_kept_month"  # scans nothing
        f" CHECK (day >= '{first}' AND day < '{after}')",
        f"INSERT INTO {name}_kept SELECT * FROM {name} WHERE day = '{kept}'",
        f"ALTER TABLE loan_snapshots DETACH PARTITION {name}",
        f"DROP TABLE {name}",
        f"ALTER TABLE {name}_kept RENAME TO {name}",
        f"ALTER TABLE loan_snapshots ATTACH PARTITION {name}"
        f" FOR VALUES FROM ('{first}') TO ('{after}')",
        f"ALTER TABLE {name} DROP CONSTRAINT {name}_kept_month",
    ):
        connection.exec_driver_sql(statement)
    return int(removed)
