"""The daily close of a loan book on PostgreSQL: loans per second, in one process and on two
worker processes.

Setup: a fresh database with LOANS two-wheeler loans (bench/onboarding.py's product and mix,
disbursed over the year before the close date) booked by the bulk path, spread over LOANS/2
borrowers; then a realistic mix of states written directly (a bench shortcut: no payment
events, so the ledger is not the point here): 85 % of loans have paid every installment due
before the close date, 10 % are one to three months behind, 5 % stopped paying after three
months; dues before the close date count as raised. Then the first close (of the date: every
loan's DPD and class worked out for the first time, new NPAs' income reversed) in this
process; then an ordinary day (the next date) in this process, and (with --workers) the same
ordinary day on a copy of the book on `lms worker --processes 2` through the Redis queue.

Run: .venv/bin/python bench/eod.py [--loans 100000] [--workers] [--keep-book] [--through D]
(--through closes each later date through D in this process: month ends, the due date.)
(--keep-book builds the book once into its own database and closes a copy of it, so the close
can be timed again after a change without building a million loans again.)
(--evening-of DATABASE --day D closes only D, on a fresh copy of DATABASE: a kept book as it
stood the evening before D, so one kind of day can be timed again after a change.)
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432; Redis at 127.0.0.1:6379 for --workers.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from lms.close.runner import close_day
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from onboarding import SERVER, branch_and_product, close_workers, fresh, server_settings

DAY = date(2026, 11, 26)
STATES = """
UPDATE loan_installments i SET principal_paid = i.principal, interest_paid = i.interest
FROM loans l
WHERE l.id = i.loan_id AND i.due_date < CASE
    WHEN l.id % 100 < 85 THEN DATE '{day}'
    WHEN l.id % 100 < 95 THEN DATE '{day}' - ((l.id % 3 + 1) * INTERVAL '1 month')
    ELSE l.disbursed_on + INTERVAL '3 months' END;
UPDATE loans l SET oldest_unpaid_due = (
    SELECT min(due_date) FROM loan_installments i
    WHERE i.loan_id = l.id AND i.principal_paid + i.interest_paid < i.principal + i.interest),
  interest_posted_through = (
    SELECT max(due_date) FROM loan_installments i WHERE i.loan_id = l.id AND i.due_date < DATE '{day}'),
  principal_outstanding = (
    SELECT sum(principal - principal_paid) FROM loan_installments i WHERE i.loan_id = l.id);
"""


def book(url: str, loans: int, chunk: int = 50_000) -> None:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    borrowers = max(loans // 2, 1)
    with UnitOfWork(sessions) as uow:
        branch_and_product(uow)
        uow.commit()
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO customers (branch_code, name, created_at) SELECT 'B1',"
            " 'Borrower ' || n, now() FROM generate_series(1, %s) AS n",
            (borrowers,),
        )
    rnd = random.Random(2026)
    for start in range(0, loans, chunk):
        size = min(chunk, loans - start)
        columns = LoanColumns(
            principal=[Decimal(rnd.randrange(40, 200) * 1000) for _ in range(size)],
            annual_rate=[Decimal(rnd.randrange(36, 105)) / 4 for _ in range(size)],
            disbursement_date=[DAY - timedelta(rnd.randrange(30, 365)) for _ in range(size)],
            installments=[rnd.choice((12, 18, 24, 36)) for _ in range(size)],
        )
        ids = [f"EOD-{start + k}" for k in range(size)]
        customers = [rnd.randrange(1, borrowers + 1) for _ in range(size)]
        with UnitOfWork(sessions) as uow:
            onboard_bulk(
                uow, product_code="TW", branch_code="B1", book=BulkBook(ids, customers, columns)
            )
            uow.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")  # fresh statistics, or the planner joins row by row
        connection.execute(STATES.format(day=DAY.isoformat()))
        connection.execute("VACUUM ANALYZE")  # as autovacuum would after rewriting every loan
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, DAY)
        uow.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--workers", action="store_true", help="also close on 2 workers")
    parser.add_argument("--keep-book", action="store_true", help="build once, close a copy")
    parser.add_argument(
        "--through", type=date.fromisoformat, help="then close each date through this one"
    )
    parser.add_argument("--evening-of", help="a database to copy: the book the evening before")
    parser.add_argument("--day", type=date.fromisoformat, help="with --evening-of: close this")
    args = parser.parse_args()
    print(server_settings())
    if args.evening_of:
        url = _copy_of(args.evening_of, "lms_bench_eod_day", 0)
        _timed(f"{args.day:%a %d %b}", url, args.day, args.loans)
        return
    started = time.perf_counter()
    if args.keep_book:
        url = _copy_of(f"lms_bench_eod_book_{args.loans}", "lms_bench_eod", args.loans)
    else:
        url = fresh("lms_bench_eod")
        book(url, args.loans)
    print(f"book of {args.loans:,} loans ready in {time.perf_counter() - started:.0f} s")
    _timed("first close", url, DAY, args.loans)
    after = _copy_of(url.rsplit("/", 1)[1], "lms_bench_eod_workers", 0) if args.workers else ""
    _timed("ordinary day, one process", url, DAY + timedelta(days=1), args.loans)
    if args.workers:
        two = _with_workers(after, DAY + timedelta(days=1))
        print(f"ordinary day, two workers: {DAY + timedelta(days=1)} closed in {two:.1f} s "
              f"({args.loans / two:,.0f} loans/s; 1,000,000 loans: "
              f"{1_000_000 / args.loans * two:.0f} s)")  # fmt: skip
    day = DAY + timedelta(days=2)
    while args.through is not None and day <= args.through:  # month ends, due dates
        _timed(f"{day:%a %d %b}", url, day, args.loans)
        day += timedelta(days=1)


def _timed(what: str, url: str, day: date, loans: int) -> dict[str, float]:
    """Close `day` in this process, printing each step's time and the total; each step's."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    print(f"{what}:")
    started = time.perf_counter()
    lap = [started]
    took: dict[str, float] = {}

    def step_done(step: str, touched: int) -> None:
        now = time.perf_counter()
        took[step] = now - lap[0]
        print(f"  {step:<16} {took[step]:6.1f} s  {touched:>9,} loans", flush=True)
        lap[0] = now

    close_day(sessions, day, progress=step_done)
    total = time.perf_counter() - started
    engine.dispose()
    print(f"{what}: {day} closed in {total:.1f} s ({loans / total:,.0f} loans/s; "
          f"1,000,000 loans: {1_000_000 / loans * total:.0f} s)")  # fmt: skip
    return took


def _copy_of(source: str, target: str, loans: int) -> str:
    """A fresh copy `target` of the database `source`, brought up to the current migrations
    and vacuumed; a kept book (`loans` > 0) is built first if there is none."""
    server = SERVER
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (source,)
        ).fetchone()
    if not exists and loans:
        book(fresh(source + "_partial"), loans)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{source}_partial" RENAME TO "{source}"')
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    url = f"{server}/{target}"
    upgrade(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # as autovacuum would after a migration's rewrite
        connection.execute("CHECKPOINT")  # the copy's pages written out now, not in the close
    return url


def _with_workers(url: str, day: date) -> float:
    lms = str(Path(sys.executable).with_name("lms"))
    with close_workers("lms-close-bench"):
        started = time.perf_counter()
        subprocess.run(
            [lms, "eod", "run", "--database-url", url, "--date", day.isoformat(), "--queue"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
