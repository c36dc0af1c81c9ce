"""The daily close killed by SIGKILL at random moments and started again ends exactly where an
uninterrupted close ends: the same journal, loan stamps, snapshots and business date.

A real `lms eod run` process on a copy of a 40-loan demo book (all kinds of history), closing
five dates through the month end of 30 Nov (accrual, penal charges, provisions) with tiny
partitions (hundreds of transactions), is killed at four points (each after a given number of
partition steps, drawn from a seeded generator) and rerun; the result is
compared with an uninterrupted run on another copy. On SQLite (files) and on PostgreSQL (two
schemas).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from book_setup import table_contents
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from lms.demo.builder import build_demo
from lms.platform.db import make_engine, make_session_factory
from lms.platform.db.engine import normalize_url
from lms.platform.db.migrate import upgrade

LMS = str(Path(sys.executable).with_name("lms"))
QUERIES = {
    "journal": "SELECT e.loan_id, e.event, e.value_date, e.posting_date, l.account, l.debit,"
    " l.credit FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id",
    "loans": "SELECT id, status, dpd, asset_class, npa_since, asset_category,"
    " interest_posted_through, excess, last_event_on, oldest_unpaid_due FROM loans",
    "installments": "SELECT * FROM loan_installments",
    "snapshots": "SELECT * FROM loan_snapshots",
    "steps": "SELECT day, step, partition, size, loans FROM close_steps",
    "failures": "SELECT day, step, loan_id, error FROM close_failures",
    "date": "SELECT current FROM business_date",
}


UNTIL = "2026-11-30"


def _close(url: str, kill_at: int | None = None) -> int | None:
    """Run the close through UNTIL; with `kill_at`, SIGKILL it as soon as that many partition
    steps are done in the book (counted in close_steps, earlier runs' included): a point
    defined by work done, not by wall time, so load on the machine cannot move it."""
    command = [LMS, "eod", "run", "--database-url", url, "--until", UNTIL,
               "--partition-size", "8"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_at is None:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        return process.returncode
    # a plain engine: a count read as a reader (the product's own begins SQLite's transactions
    # IMMEDIATE, as a writer, and would queue behind the close for the write lock)
    engine, deadline = create_engine(normalize_url(url)), time.monotonic() + 300
    try:
        while process.poll() is None and _steps_done(engine) < kill_at:
            assert time.monotonic() < deadline, f"the close never reached {kill_at} steps"
            time.sleep(0.01)
    finally:
        engine.dispose()
    process.send_signal(signal.SIGKILL)  # nothing, if it has already ended
    process.wait(timeout=30)
    return process.returncode


def _steps_done(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM close_steps")).scalar_one())


def _contents(url: str) -> dict[str, list[str]]:
    return table_contents(url, QUERIES)


def _demo_into(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    # the demo closes its last weeks: the book stands at 26 Nov, the next date to close
    build_demo(make_session_factory(engine), loans=40, as_of=date(2026, 11, 26), seed=3)
    engine.dispose()


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("close") / "book.sqlite3"
    _demo_into(f"sqlite:///{path}")
    return path


@contextmanager
def _second_schema(postgres_url: str, admin: Any) -> Iterator[str]:
    """A URL of another, empty schema of the test database (dropped afterwards)."""
    other = f"lms_test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{other}"')
    base = make_url(postgres_url)
    query = dict(base.query)
    query["options"] = f"-csearch_path={other}"
    try:
        yield base.set(query=query).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{other}" CASCADE')


def _killed_and_resumed(whole: str, killed: str) -> None:
    """Close `whole` straight through; close `killed` killed at four moments, then to the
    end; both must hold the same. The moments are drawn (seeded, so every run of the test
    kills at the same ones) one in each fifth of the close's partition steps but the last."""
    _close(whole)
    expected = _contents(whole)
    assert expected["date"] in ([repr(("2026-12-01",))], [repr((date(2026, 12, 1),))])
    total = len(expected["steps"])
    assert total > 100 and expected["failures"] == []
    rnd = random.Random(20261126)
    marks = [rnd.randint(total * k // 5 + 1, total * (k + 1) // 5) for k in range(4)]
    ends = [_close(killed, kill_at=mark) for mark in marks]  # each run gets further
    assert ends == [-signal.SIGKILL] * 4  # every run was really cut short
    _close(killed)  # and finish
    assert _contents(killed) == expected


def test_a_killed_close_resumes_to_the_same_result(demo_book: Path, tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole.sqlite3", tmp_path / "killed.sqlite3"
    shutil.copy(demo_book, whole)
    shutil.copy(demo_book, killed)
    _killed_and_resumed(f"sqlite:///{whole}", f"sqlite:///{killed}")


def test_on_postgresql_a_killed_close_resumes_to_the_same_result(
    postgres_url: str, postgres_admin_engine: object
) -> None:
    with _second_schema(postgres_url, postgres_admin_engine) as killed:
        for url in (postgres_url, killed):
            _demo_into(url)
        _killed_and_resumed(postgres_url, killed)


def test_the_ledger_stays_sound_through_30_closes(demo_book: Path, tmp_path: Path) -> None:
    book = tmp_path / "month.sqlite3"
    shutil.copy(demo_book, book)
    command = [LMS, "eod", "run", "--database-url", f"sqlite:///{book}", "--until", "2026-12-25"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 30  # one line per date closed
    check = subprocess.run(
        [LMS, "ledger", "check", "--database-url", f"sqlite:///{book}"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert _contents(f"sqlite:///{book}")["date"] == [repr(("2026-12-26",))]


def _redis_or_skip() -> None:
    """The queue needs Redis: required in CI (it runs on the machine), skipped elsewhere."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI requires Redis for the worker queue: {exc}", pytrace=False)
        pytest.skip(f"Redis not reachable: {exc}")


def test_two_worker_processes_close_as_the_process_alone_does(
    demo_book: Path, tmp_path: Path
) -> None:
    """`lms worker --processes 2` takes the partitions from a Redis queue (Dramatiq) while
    `lms eod run --queue` waits for each step; the book ends as an in-process close leaves it."""
    _redis_or_skip()
    here, queued = tmp_path / "here.sqlite3", tmp_path / "queued.sqlite3"
    shutil.copy(demo_book, here)
    shutil.copy(demo_book, queued)
    _close(f"sqlite:///{here}")
    env = {**os.environ, "LMS_CLOSE_QUEUE": f"lms-close-test-{uuid.uuid4().hex[:8]}"}
    workers = subprocess.Popen(
        [LMS, "worker", "--processes", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        command = [LMS, "eod", "run", "--database-url", f"sqlite:///{queued}", "--until",
                   UNTIL, "--partition-size", "8", "--queue"]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=30)
    assert _contents(f"sqlite:///{queued}") == _contents(f"sqlite:///{here}")


def test_on_postgresql_two_workers_close_as_one_process_does(
    postgres_url: str, postgres_admin_engine: object, tmp_path: Path
) -> None:
    """The same check on PostgreSQL, where the two workers really write at once: two schemas
    hold the same 40-loan demo book; one is closed in process, the other on two workers."""
    _redis_or_skip()
    with _second_schema(postgres_url, postgres_admin_engine) as second:
        for url in (postgres_url, second):
            _demo_into(url)
        env = {**os.environ, "LMS_CLOSE_QUEUE": f"lms-close-test-{uuid.uuid4().hex[:8]}"}
        run = [LMS, "eod", "run", "--until", UNTIL, "--partition-size", "8"]
        done = subprocess.run(
            [*run, "--database-url", postgres_url], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        workers = subprocess.Popen(
            [LMS, "worker", "--processes", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            queued = subprocess.run(
                [*run, "--database-url", second, "--queue"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert queued.returncode == 0, queued.stderr
        finally:
            os.killpg(workers.pid, signal.SIGTERM)
            workers.wait(timeout=30)
        assert _contents(second) == _contents(postgres_url)
