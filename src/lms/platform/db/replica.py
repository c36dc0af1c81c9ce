"""Reads from a streaming replica where a few seconds' staleness is acceptable (the loan list,
the portfolio summary, dashboards and reports), writes always on the primary.

`ReadRouter.choose` names, per request, where its reads go: the replica (`LMS_DATABASE_
REPLICA_URL`, a PostgreSQL hot standby) when one is set, answers, and has replayed the
primary's log to within `LMS_REPLICA_MAX_LAG` seconds; otherwise the primary. A replica that
does not answer is not asked again for `LMS_REPLICA_RETRY` seconds (a request never waits for
a dead host twice in a row); one found lagging is asked again at the next request.

Guarantees: with no replica set, every read goes to the primary as before; a replica that is
stopped, unreachable or behind never fails a request, it only sends the reads to the primary;
nothing is written through the replica (it is read-only, and the routes that use it only
read).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db.engine import make_engine
from lms.platform.db.uow import make_session_factory

log = logging.getLogger("lms.replica")

# seconds the replica is behind the primary: none when it has replayed all it received (an
# idle primary sends nothing, so the age of the last replayed transaction is not lag)
_LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery()"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
CONNECT_TIMEOUT = 2  # seconds: a replica host that is gone costs a request at most this


@dataclass
class ReadRouter:
    """Where a request's reads go: the replica or the primary."""

    primary: sessionmaker[Session]
    replica: sessionmaker[Session] | None = None
    max_lag: float = 30.0
    retry_after: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _down_until: float = field(default=0.0, init=False)

    def choose(self) -> tuple[sessionmaker[Session], str]:
        """The session factory for this request's reads, and its name ("replica" or
        "primary")."""
        if self.replica is None or self.clock() < self._down_until:
            return self.primary, "primary"
        try:
            with self.replica() as session:
                lag = float(session.execute(_LAG).scalar_one())
        except DBAPIError as error:  # stopped, unreachable, or not a PostgreSQL standby
            self._down_until = self.clock() + self.retry_after
            log.warning("replica not answering, reads on the primary: %s", error.orig)
            return self.primary, "primary"
        if lag > self.max_lag:
            log.warning("replica %.1f s behind, reads on the primary", lag)
            return self.primary, "primary"
        return self.replica, "replica"

    def lost(self, error: BaseException) -> None:
        """The replica failed a request that had chosen it: not asked for `retry_after`."""
        self._down_until = self.clock() + self.retry_after
        log.warning("replica lost mid-request, reads on the primary: %s", error)


def replica_engine(url: str) -> Engine:
    """An engine on the replica at `url` that gives up connecting after CONNECT_TIMEOUT."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})
    return make_engine(parsed)


def read_router(
    primary: sessionmaker[Session], replica_url: str | None, *, max_lag: float, retry_after: float
) -> tuple[ReadRouter, Engine | None]:
    """The router for an app: over `replica_url` when set; and the replica's engine (to be
    disposed with the app)."""
    if not replica_url:
        return ReadRouter(primary), None
    engine = replica_engine(replica_url)
    factory = make_session_factory(engine)
    return ReadRouter(primary, factory, max_lag=max_lag, retry_after=retry_after), engine
