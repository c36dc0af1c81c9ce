"""Repayments per second through the HTTP API on PostgreSQL, beside pgbench's TPC-B TPS.

Setup: a fresh database `lms_bench` with LOANS disbursed loans (booked through the services);
`lms serve` in separate processes (WORKERS uvicorn workers); THREADS client threads post
repayments (unique references, Idempotency-Key set, authenticated by an integration's API key)
to random loans for SECONDS seconds over HTTP on loopback. Then pgbench (TPC-B-like, scale 1, 8 clients) runs for the same time on a fresh
database `lms_bench_pgbench` on the same server. Prints payments/s, p50 and p99 latency,
pgbench's TPS and the ratio; with wrk, also the same load against the same web stack doing no
work (bench/bare_api.py), the ceiling of an HTTP API in Python on this machine.

Run: .venv/bin/python bench/posting.py [--loans 200] [--threads 8] [--seconds 15]
    [--client wrk|python]
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432 (trust auth), pgbench on PATH; wrk on
PATH for the C client (Debian: apt-get install wrk; bench/posting_wrk.lua), else Python threads.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg

from lms.identity.service import create_api_key
from lms.ledger.check import ledger_problems
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.catalog import create_branch, create_customer, create_product
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan
from onboarding import server_settings

SERVER = "postgresql://root@127.0.0.1:5432"
PORT = 8791
AUTH: dict[str, str] = {}  # the bench integration's API key, as a header (set by `book`)


def fresh_database(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def book(url: str, loans: int) -> list[int]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        create_branch(uow, code="B1", name="Bench")
        customer = create_customer(uow, branch_code="B1", name="Bench Borrower")
        create_product(
            uow,
            code="PL",
            name="PL",
            settings={},
            amount=(Decimal(1), Decimal(10**8)),
            rate=(Decimal(0), Decimal(36)),
            tenure=(1, 360),
        )
        _, key = create_api_key(
            uow, name="bench", scopes=["payments.take", "loans.read"], branches=None,
            expires_at=None, actor="bench", now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
        customer_id = customer.id
    AUTH["Authorization"] = f"Bearer {key}"
    ids = []
    for k in range(loans):
        with UnitOfWork(sessions) as uow:
            request = LoanRequest(
                f"BENCH-{k}",
                "B1",
                customer_id,
                "PL",
                Decimal(500000),
                Decimal(12),
                36,
                date(2026, 1, 15),
            )
            loan = onboard_loan(uow, request=request)
            disburse_loan(uow, loan_id=loan.id, posting_date=date(2026, 1, 15))
            uow.commit()
            ids.append(loan.id)
    engine.dispose()
    return ids


def load(loan_ids: list[int], threads: int, seconds: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    day = (date(2026, 1, 15) + timedelta(days=31)).isoformat()

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            n = 0
            while time.monotonic() < stop:
                loan = rnd.choice(loan_ids)
                reference = f"T{n:09d}-{seed}"  # about in the order posted
                body = {
                    "amount": "100.00",
                    "value_date": day,
                    "reference": reference,
                    "channel": "upi",
                }
                started = time.perf_counter()
                response = client.post(
                    f"/api/v1/loans/{loan}/repayments",
                    json=body,
                    headers={"Idempotency-Key": reference, **AUTH},
                )
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 201:
                        latencies.append(elapsed)
                    else:
                        failures[0] += 1
                n += 1

    pool = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(latencies), latencies, failures[0]


def load_with_wrk(
    loan_ids: list[int], threads: int, seconds: int, port: int = PORT
) -> tuple[float, float, float, int]:
    """(payments/s, p50 ms, p99 ms, failed requests) with wrk: a C client, so the server and
    PostgreSQL get the cores the Python client would take."""
    day = (date(2026, 1, 15) + timedelta(days=31)).isoformat()
    script = Path(__file__).with_name("posting_wrk.lua")
    result = subprocess.run(
        [
            "wrk",  # one thread drives every connection: references in the order posted
            "-t",
            "1",
            "-c",
            str(threads),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            day,
            AUTH["Authorization"],
            *map(str, loan_ids),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: ([0-9]+)", out)
    return rate, _ms(out, "50%"), _ms(out, "99%"), int(failed.group(1)) if failed else 0


def _ms(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([0-9.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def pgbench_tps(seconds: int) -> float:
    url = fresh_database("lms_bench_pgbench")
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", url], check=True, capture_output=True)
    result = subprocess.run(
        ["pgbench", "-c", "8", "-j", "2", "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    assert match, result.stdout
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="wrk (a C load generator, when installed) or Python threads with httpx",
    )
    args = parser.parse_args()
    url = fresh_database("lms_bench")
    loan_ids = book(url, args.loans)
    lms = str(Path(sys.executable).with_name("lms"))
    server = subprocess.Popen(
        [lms, "serve", "--database-url", url, "--port", str(PORT), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{PORT}/api/v1/loans?limit=1")
        if args.client == "wrk":
            rate, p50, p99, failures = load_with_wrk(loan_ids, args.threads, args.seconds)
        else:
            count, latencies, failures = load(loan_ids, args.threads, args.seconds)
            if not latencies:
                raise SystemExit(f"no repayment succeeded ({failures} failed): is the server up?")
            rate = count / args.seconds
            ordered = sorted(latencies)
            p50 = statistics.median(ordered) * 1000
            p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
        backdated = backdated_payments(loan_ids[:20])
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = bare_stack(loan_ids, args) if args.client == "wrk" else None
    tps = pgbench_tps(args.seconds)
    print(server_settings())
    print(
        f"{args.loans} loans, {args.threads} connections ({args.client} client), {args.seconds} s,"
        f" {args.workers} uvicorn workers"
    )
    print(
        f"lms repayments over HTTP: {rate:,.0f}/s  p50 {p50:.1f} ms  p99 {p99:.1f} ms  failures {failures}"
    )
    print(
        f"pgbench TPC-B (scale 1, 8 clients): {tps:,.0f} TPS   ratio lms/pgbench {rate / tps:.2f}"
    )
    if bare is not None:
        print(
            f"the same web stack doing nothing (bench/bare_api.py, {args.workers} uvicorn workers):"
            f" {bare[0]:,.0f}/s  p50 {bare[1]:.1f} ms  p99 {bare[2]:.1f} ms"
            f"   ratio lms/bare {rate / bare[0]:.2f}"
        )
    print(
        f"backdated repayments (before the loan's last payment, replayed): {len(backdated)},"
        f" p50 {statistics.median(backdated) * 1000:.1f} ms, max {max(backdated) * 1000:.1f} ms;"
        f" {sound(url)}"
    )


def _wait_for(url: str) -> None:
    """Until a server started by this bench answers `url` (at most 20 s)."""
    for _ in range(100):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)


def bare_stack(loan_ids: list[int], args: argparse.Namespace) -> tuple[float, float, float, int]:
    """The wrk load against bench/bare_api.py (the web stack with no work behind it)."""
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    port = PORT + 1
    server = subprocess.Popen(
        [uvicorn, "bare_api:app", "--port", str(port), "--workers", str(args.workers),
         "--log-level", "warning"],
        cwd=Path(__file__).parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/docs")
        return load_with_wrk(loan_ids, args.threads, args.seconds, port)
    finally:
        server.terminate()
        server.wait(timeout=10)


def backdated_payments(loan_ids: list[int]) -> list[float]:
    """One repayment per loan dated the day before the load's payments, one at a time: each
    is replayed with the loan's whole history. Their latencies."""
    day = (date(2026, 1, 15) + timedelta(days=30)).isoformat()
    latencies = []
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=60, headers=AUTH) as client:
        for loan in loan_ids:
            body = {"amount": "100.00", "value_date": day, "reference": f"BACK-{loan}"}
            started = time.perf_counter()
            answer = client.post(
                f"/api/v1/loans/{loan}/repayments", json={**body, "channel": "neft"}
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 201:
                raise SystemExit(f"backdated payment refused: {answer.text}")
    return latencies


def sound(url: str) -> str:
    """Whether every loan's ledger equals its replayed state, and every entry balances."""
    sessions = make_session_factory(make_engine(url))
    with UnitOfWork(sessions) as uow:
        problems = ledger_problems(uow.session) + loan_ledger_problems(uow)
    return "ledger sound" if not problems else f"LEDGER PROBLEMS: {problems[:3]}"


if __name__ == "__main__":
    main()
