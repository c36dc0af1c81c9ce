"""Partitions made ahead of the rows that need them (PostgreSQL; ADR 45, migration 0061).

The installments and loan events are partitioned by loan id, the journal lines by entry id,
and a statement trigger makes a missing partition when the first row of its range arrives. That
trigger works inside the inserting transaction, and making a partition locks its parent
table whole until that transaction ends: a close partition that crossed into a new range would
wait for every other transaction on the table, and could deadlock with another crossing it
too. So the close makes them first, in a short transaction of their own at the start of each
day: the partition of the newest loan (entry) and the next one (the next two for the lines),
waiting at most `LOCK_WAIT` for the lock. The trigger is then only the last resort of a day
that writes more rows than that (a bulk onboarding of over a million loans).

Guarantee: never raises for a lock not had in time (the trigger remains); does nothing
elsewhere than PostgreSQL.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db.uow import UnitOfWork

_log = logging.getLogger(__name__)

LOCK_WAIT = "10s"
# each partitioned table: the table whose ids it is partitioned by, its width, partitions ahead
AHEAD = {
    "loan_installments": ("loans", 1_000_000, 1),
    "loan_events": ("loans", 1_000_000, 1),
    "journal_lines": ("journal_entries", 10_000_000, 2),
}


def make_ahead(sessions: sessionmaker[Session]) -> None:
    """Make the partitions of the newest ids and those ahead of them, committed at once."""
    with UnitOfWork(sessions) as uow:
        connection = uow.session.connection()
        if connection.dialect.name != "postgresql":
            return
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        try:
            for table, (ids, width, ahead) in AHEAD.items():
                top = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {ids}")
                newest = int(top.scalar_one())
                connection.exec_driver_sql(
                    "SELECT lms_range_partitions(current_schema(), %(t)s, %(low)s, %(high)s,"
                    " %(width)s)",
                    {"t": table, "low": newest, "high": newest + ahead * width, "width": width},
                )
            uow.commit()
        except OperationalError as exc:  # the lock not had in time: the trigger remains
            _log.warning("partitions not made ahead: %s", exc.orig)
