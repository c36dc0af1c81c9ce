"""The daily close on worker processes: each step's partitions become messages on a Dramatiq
queue in Redis ($LMS_BROKER_URL, default redis://127.0.0.1:6379/0; queue $LMS_CLOSE_QUEUE,
default lms-close), run by `lms worker` processes on this or other machines against the same
database, while the coordinator (`lms eod run --queue`) waits for each step to finish before
the next.

Guarantees: a partition is the same unit of work as in-process, marked done in its own
transaction, so a message delivered twice (a retry, a worker killed mid-way) does nothing the
second time, and the result equals the in-process close. A step whose partitions do not all
finish within the timeout stops the close with an error (nothing is lost: run it again).
"""

from __future__ import annotations

import time
from datetime import date
from functools import lru_cache

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import CloseStep
from lms.close.runner import STEPS, CloseError, run_partition
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.settings import get_settings

QUEUE = get_settings().close_queue
dramatiq.set_broker(
    RedisBroker(url=get_settings().broker_url)  # type: ignore[no-untyped-call]
)
_BY_NAME = {step.NAME: step for step in STEPS}


@lru_cache(maxsize=8)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


@dramatiq.actor(queue_name=QUEUE, max_retries=5, time_limit=3_600_000)
def close_partition(database_url: str, step: str, day: str, partition: int, size: int) -> None:
    """Run one step of one date's close on one partition (if not done already)."""
    run_partition(_sessions(database_url), _BY_NAME[step], date.fromisoformat(day), partition, size)


def queue_dispatch(database_url: str, timeout: float = 3_600.0):  # type: ignore[no-untyped-def]
    """A dispatcher for `close_day`: sends a step's partitions to the queue and waits until the
    database shows them all done."""

    def dispatch(
        sessions: sessionmaker[Session], step: str, day: date, parts: range, size: int
    ) -> None:
        for partition in parts:
            close_partition.send(database_url, step, day.isoformat(), partition, size)
        deadline = time.monotonic() + timeout
        while True:
            with UnitOfWork(sessions) as uow:
                done = uow.session.scalar(
                    select(func.count())
                    .select_from(CloseStep)
                    .where(CloseStep.day == day, CloseStep.step == step)
                )
            if (done or 0) >= len(parts):
                return
            if time.monotonic() > deadline:
                raise CloseError(f"step {step} of {day}: {done} of {len(parts)} partitions done")
            time.sleep(0.05)

    return dispatch
