"""Bulk onboarding of a loan book with schedules into PostgreSQL: loans per second.

Workload: LOANS two-wheeler loans of one product (due day 5, BPI deducted, a 1.5 % fee with
GST), principal from 40,000 to 2,00,000, rate on a 0.25 % grid from 9 % to 26 %, 12 to 36 monthly
installments, disbursed over a year; booked through `lms.servicing.bulk_onboarding.onboard_bulk`
(vectorised schedules, COPY) in chunks of CHUNK loans, one transaction each, into a fresh
database. Prints loans/s and the projected time for 1,000,000 loans.

Run: .venv/bin/python bench/onboarding.py [--loans 1000000] [--chunk 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from lms.servicing.catalog import create_branch, create_customer, create_product

SERVER = "postgresql://root@127.0.0.1:5432"
SETTINGS = {
    "due_day": 5,
    "bpi": "deduct",
    "fees": [{"name": "processing", "percent": "1.5", "tax": "18"}],
}


@contextmanager
def close_workers(queue: str) -> Iterator[None]:
    """`lms worker --processes 2` on the close's queue `queue` (set in this process's
    environment too, for a dispatcher made here), started and given time to start; stopped
    after the block."""
    os.environ["LMS_CLOSE_QUEUE"] = queue
    lms = str(Path(sys.executable).with_name("lms"))
    workers = subprocess.Popen([lms, "worker", "--processes", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        time.sleep(5)  # the workers start
        yield
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=60)


def server_settings() -> str:
    """The PostgreSQL settings the figures depend on (docs/postgresql.md), to print with them."""
    names = ("shared_buffers", "wal_buffers", "max_wal_size", "checkpoint_timeout")
    with psycopg.connect(f"{SERVER}/postgres") as connection:
        shown = [f"{n} {connection.execute(f'SHOW {n}').fetchone()[0]}" for n in names]  # type: ignore[index]
    return "PostgreSQL: " + ", ".join(shown)


def fresh(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def branch_and_product(uow: UnitOfWork) -> None:
    """Branch B1 and the two-wheeler product TW the bulk benches book into."""
    create_branch(uow, code="B1", name="Bench")
    create_product(
        uow,
        code="TW",
        name="Two-wheeler",
        settings=SETTINGS,
        amount=(Decimal(1), Decimal(10**7)),
        rate=(Decimal(1), Decimal(30)),
        tenure=(6, 60),
    )


def chunk(rnd: random.Random, start: int, size: int) -> BulkBook:
    return BulkBook(
        external_ids=[f"MIG-{start + k}" for k in range(size)],
        customer_ids=[1] * size,
        loans=LoanColumns(
            principal=[Decimal(rnd.randrange(40, 200) * 1000) for _ in range(size)],
            annual_rate=[Decimal(rnd.randrange(36, 105)) / 4 for _ in range(size)],
            disbursement_date=[
                date(2025, 11, 1) + timedelta(rnd.randrange(365)) for _ in range(size)
            ],
            installments=[rnd.choice((12, 18, 24, 36)) for _ in range(size)],
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    args = parser.parse_args()
    print(server_settings())
    url = fresh("lms_bench_onboarding")
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        branch_and_product(uow)
        create_customer(uow, branch_code="B1", name="Bench Borrower")
        uow.commit()
    rnd = random.Random(2026)
    started = time.perf_counter()
    done = 0
    while done < args.loans:
        size = min(args.chunk, args.loans - done)
        book = chunk(rnd, done, size)
        with UnitOfWork(sessions) as uow:
            onboard_bulk(uow, product_code="TW", branch_code="B1", book=book)
            uow.commit()
        done += size
        elapsed = time.perf_counter() - started
        print(f"{done:>9,} loans  {elapsed:7.1f} s  {done / elapsed:,.0f} loans/s", flush=True)
    elapsed = time.perf_counter() - started
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT count(*) FROM loan_installments").fetchone()
    print(
        f"{args.loans:,} loans with {rows[0] if rows else 0:,} installments in {elapsed:.1f} s: "
        f"{args.loans / elapsed:,.0f} loans/s; 1,000,000 loans would take {1_000_000 / args.loans * elapsed / 60:.1f} min"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
