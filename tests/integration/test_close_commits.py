"""How the close's partitions commit on PostgreSQL: without waiting for the disk, except a
step that leads outside the database (NACH presentations), which waits; and the move of the
business date always waits (lms.close.runner, ASYNCHRONOUS COMMIT)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import CloseStep
from lms.close.runner import run_partition
from lms.close.steps import present
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade

DAY = date(2026, 11, 26)


def _seen_by(sessions: sessionmaker[Session], name: str, **flags: bool) -> str:
    """The synchronous_commit a step's partition runs with."""
    seen: list[str] = []

    def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
        seen.append(str(uow.session.scalar(text("SHOW synchronous_commit"))))
        return 0

    step = SimpleNamespace(NAME=name, KEY="loan", run=run, **flags)
    assert run_partition(sessions, step, DAY, 0, 10) == 0  # type: ignore[arg-type]
    return seen[0]


def test_partitions_commit_without_waiting_except_presentations(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    session_factory = make_session_factory(engine)
    assert present.SYNCHRONOUS is True
    assert _seen_by(session_factory, "mass") == "off"
    assert _seen_by(session_factory, "to_the_bank", SYNCHRONOUS=True) == "on"
    with UnitOfWork(session_factory) as uow:  # each marker committed; the setting was local
        marks = uow.session.query(CloseStep.step).order_by(CloseStep.step).all()
        after = uow.session.scalar(text("SHOW synchronous_commit"))
    assert [m for (m,) in marks] == ["mass", "to_the_bank"]
    engine.dispose()
    assert after == "on"  # the setting is the partition's only (SET LOCAL)
