"""Collections in the daily close on PostgreSQL: cases opened, strategies evaluated and messages
queued for a book with many borrowers behind.

Setup: bench/eod.py's book (LOANS two-wheeler loans over LOANS/2 borrowers, 85 % paying, 10 %
one to three months behind, 5 % stopped after three months), every borrower with an e-mail
address and a phone (sealed at rest, as the product keeps them) and an SMS gateway set up; the
default buckets; a strategy of six steps (a notice by e-mail and SMS on entering 1-30, 31-60
and 91+, a call on day 0 of 1-30, a visit on day 0 of 31-60 and of 61-90); AGENTS collections
agents of the branch. Then the close of the date in this process, each step's time printed:
`collect` (cases opened, escalated, cured; promises judged; the strategies' steps: messages
queued, tasks set) and `allocate` (cases given to agents) are the collections' part, and the
strategies' share of `collect` (their evaluation, the messages and tasks they queue) is
printed apart; then the next day's close (nothing new to open: an ordinary day).

Run: .venv/bin/python bench/collections_close.py [--loans 1000000] [--agents 400] [--keep-book]
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from eod import DAY, _copy_of, _timed, book
from lms.close.steps import collect
from lms.collections.strategies import add_step
from lms.identity.models import User
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.sealed import keyring, phone_digits
from lms.servicing.models import PHONE
from onboarding import fresh, server_settings

STEPS = [  # bucket, day into it, action, event
    ("1-30", 0, "message", "overdue_notice"),
    ("1-30", 0, "call", None),
    ("31-60", 0, "message", "overdue_notice"),
    ("31-60", 0, "visit", None),
    ("61-90", 0, "visit", None),
    ("91+", 0, "message", "overdue_notice"),
]


def contacts(url: str) -> None:
    """Every borrower an e-mail address and a phone, sealed as the product seals them (one
    SQL update per column; the sealed text is made here, as the product's writes make it)."""
    ring = keyring()
    with psycopg.connect(url, autocommit=True) as connection:
        ids = [r[0] for r in connection.execute("SELECT id FROM customers ORDER BY id")]
        rows = []
        for customer in ids:
            phone = f"98{customer:08d}"[-10:]
            rows.append((
                ring.seal(f"borrower{customer}@example.in", "customers.email"),
                ring.seal(phone, PHONE), ring.blind_index(phone_digits(phone) or "", PHONE),
                customer,
            ))  # fmt: skip
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE customers SET email = %s, phone = %s, phone_index = %s WHERE id = %s",
                rows,
            )


def staff(url: str, agents: int) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        uow.actor = "bench"
        for bucket, day, action, event in STEPS:
            add_step(uow, bucket=bucket, day=day, action=action, event=event, product_code=None)
        for k in range(agents):
            uow.session.add(User(
                username=f"agent-{k:04d}", display_name=f"Agent {k}", password_hash="-",
                roles=["collections_agent"], branches=["B1"], active=True,
                created_at=datetime.now(UTC),
            ))  # fmt: skip
        uow.commit()
    engine.dispose()


def counts(url: str) -> str:
    with psycopg.connect(url) as connection:
        cases, notices, tasks, given = connection.execute(
            "SELECT (SELECT count(*) FROM collection_cases WHERE closed_on IS NULL),"
            " (SELECT count(*) FROM notices), (SELECT count(*) FROM case_tasks),"
            " (SELECT count(*) FROM collection_cases WHERE agent IS NOT NULL)"
        ).fetchone()
    return f"{cases:,} open cases ({given:,} with an agent), {notices:,} messages, {tasks:,} tasks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=400)
    parser.add_argument("--keep-book", action="store_true", help="build once, close a copy")
    args = parser.parse_args()
    os.environ["LMS_SMS_URL"] = "http://127.0.0.1:9/sms"  # a gateway set up (never called)
    print(server_settings())
    started = time.perf_counter()
    if args.keep_book:
        url = _copy_of(f"lms_bench_eod_book_{args.loans}", "lms_bench_collections", args.loans)
    else:
        url = fresh("lms_bench_collections")
        book(url, args.loans)
    contacts(url)
    staff(url, args.agents)
    print(f"book of {args.loans:,} loans ready in {time.perf_counter() - started:.0f} s")
    spent = _clock_strategies()
    first = _timed("first close", url, DAY, args.loans)
    _report("the first close", first, spent, url, args.loans)
    spent.clear()
    second = _timed("next day", url, DAY + timedelta(days=1), args.loans)
    _report("an ordinary day", second, spent, url, args.loans)


def _clock_strategies() -> list[float]:
    """Time the strategies' part of the collect step (their evaluation and the messages and
    tasks they queue), apart from the cases' review: the collect step calls `evaluate` once a
    partition; each call's time is kept in the list returned."""
    spent: list[float] = []
    inner = collect.evaluate

    def clocked(*args: Any, **kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    collect.evaluate = clocked  # type: ignore[assignment]
    return spent


def _report(day: str, took: dict[str, float], spent: list[float], url: str, loans: int) -> None:
    scale = 1_000_000 / loans
    whole = took.get("collect", 0) + took.get("allocate", 0)
    print(f"collections on {day}: {whole:.1f} s in all (cases kept, strategies, allocation);"
          f" strategies and their messages {sum(spent):.1f} s ({counts(url)})")  # fmt: skip
    print(f"  1,000,000 loans: strategies and messages {scale * sum(spent):.0f} s"
          f" (goal: under 30 s), collections in all {scale * whole:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
