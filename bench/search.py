"""Finding a borrower by part of the name among CUSTOMERS customers on PostgreSQL, over HTTP:
GET /api/v1/customers?q=... (the staff search box asks the same condition), with the trigram
index the product keeps (pg_trgm) and, in the same run, without it (its peer: a scan).

Setup: a scratch database `lms_bench_search_<CUSTOMERS>` migrated to the product's schema; in
it (a bench shortcut, plain SQL) CUSTOMERS customers over 20 branches, named from 64 first
names x 64 surnames and a number ("Asha Patil 123456"), then VACUUM ANALYZE.

Measured: `lms serve --workers 2`; one client (one connection, requests one after another, so
each figure is a latency) sends WARM requests, then REQUESTS timed ones for each kind of
search: a rare name (one customer: a surname and the number), a common one (a surname: one in
64), a miss. Goal: p95 under 100 ms with the index. Every answer must be 200.

Run: .venv/bin/python bench/search.py [--customers 1000000] [--requests 200] [--keep]
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432 (trust auth).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from lms.identity.service import create_user, sign_in
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade

SERVER = "postgresql://root@127.0.0.1:5432"
PORT = 8794
FIRST = ["Asha", "Ravi", "Sunita", "Meera", "Arjun", "Kiran", "Pooja", "Rahul"] * 8
LAST = ["Patil", "Kumar", "Devi", "Nair", "Sharma", "Iyer", "Khan", "Das"] * 8
FIRST = [f"{name}{k // 8}" if k >= 8 else name for k, name in enumerate(FIRST)]
LAST = [f"{name}{k // 8}" if k >= 8 else name for k, name in enumerate(LAST)]


def prepared(customers: int, keep: bool) -> str:
    name = f"lms_bench_search_{customers}"
    url = f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and keep:
            return url
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("INSERT INTO branches (code, name) SELECT 'BR' || lpad(g::text, 2, '0'),"
                   " 'Branch ' || g FROM generate_series(1, 20) g")  # fmt: skip
        db.execute(
            "INSERT INTO customers (branch_code, name, created_at)"
            " SELECT 'BR' || lpad((1 + g %% 20)::text, 2, '0'),"
            " (%s::text[])[1 + g %% 64] || ' ' || (%s::text[])[1 + (g / 64) %% 64] || ' ' || g,"
            " now() FROM generate_series(1, %s) g",
            (FIRST, LAST, customers),
        )
        db.execute("VACUUM ANALYZE customers")
    print(f"{customers:,} customers written in {time.perf_counter() - started:.0f} s")
    return url


def _key(url: str) -> str:
    engine = make_engine(url)
    now, name, password = datetime.now(UTC), f"bench-search-{time.time_ns()}", "a bench password"
    with UnitOfWork(make_session_factory(engine)) as uow:
        create_user(uow, username=name, display_name=name, password=password,
                    roles=["auditor"], branches=None, actor="bench", now=now)  # fmt: skip
        token = sign_in(uow, username=name, password=password, code=None, origin="bench", now=now)
        uow.commit()
    engine.dispose()
    return str(token.token)


def measure(client: httpx.Client, label: str, texts: list[str], warm: int) -> float:
    for text in texts[:warm]:
        client.get("/api/v1/customers", params={"q": text})
    took = []
    for text in texts[warm:]:
        started = time.perf_counter()
        answer = client.get("/api/v1/customers", params={"q": text})
        took.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"q={text}: {answer.status_code} {answer.text[:200]}")
    p95 = statistics.quantiles(took, n=20)[18]
    print(f"  {label:<44} p50 {statistics.median(took):7.1f} ms  p95 {p95:7.1f} ms")
    return p95


def searches(customers: int, count: int) -> dict[str, list[str]]:
    rnd = random.Random(7)

    def rare() -> str:
        g = rnd.randrange(1, customers)
        return f"{LAST[(g // 64) % 64]} {g}".lower()

    return {
        "a rare name (surname and number: one customer)": [rare() for _ in range(count)],
        "a common name (a surname: 1 in 64)": [rnd.choice(LAST) for _ in range(count)],
        "no one (a miss)": [f"zz{rnd.randrange(10**6)}" for _ in range(count)],
    }


def run(url: str, requests: int, warm: int, customers: int) -> dict[str, float]:
    lms = str(Path(sys.executable).with_name("lms"))
    server = subprocess.Popen(
        [lms, "serve", "--database-url", url, "--port", str(PORT), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {_key(url)}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=120, headers=headers) as c:
            for _ in range(150):
                try:
                    c.get("/api/v1/customers?limit=1")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            return {label: measure(c, label, texts, warm)
                    for label, texts in searches(customers, requests + warm).items()}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the scratch book if there")
    args = parser.parse_args()
    url = prepared(args.customers, args.keep)
    print(f"{args.customers:,} customers; {args.requests} requests each; one client")
    print("with the trigram index (the product):")
    indexed = run(url, args.requests, args.warm, args.customers)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP INDEX ix_customers_name_trigram")
    try:
        print("without it (the peer: a scan of the customers):")
        scanned = run(url, max(args.requests // 4, 20), args.warm // 4, args.customers)
    finally:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("CREATE INDEX ix_customers_name_trigram ON customers"
                       " USING gin (lower(name) gin_trgm_ops)")  # fmt: skip
    for label, p95 in indexed.items():
        print(f"  {label}: {scanned[label] / p95:.1f}x faster with the index (p95)")


if __name__ == "__main__":
    main()
