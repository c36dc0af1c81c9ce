"""Reads over HTTP on a large PostgreSQL book: one loan's state, statement and schedule; the
loan list under filters; the portfolio summary of a closed date. p50/p95/p99 beside the goals.

Setup (once; --keep reuses it): a copy of bench/eod.py's kept book of LOANS two-wheeler loans
(`lms_bench_eod_book_<LOANS>`, never touched itself) into `lms_bench_reads_<LOANS>`; in the
copy (a bench shortcut, plain SQL) the loans are spread over 20 branches and 4 copies of the
product by a hash of their id (so neither follows the book's states, which go by id); then
one ten-year loan is booked through the services (25,00,000 at 9 % for 120 monthly
installments, paid out on 26 Nov 2016) and every installment is paid on its due date by
`record_payment`; then the daily close of 26 Nov 2026 writes the day's loan snapshots; then
VACUUM ANALYZE (what autovacuum leaves after a close).

Measured: `lms serve --workers 2`; one client (httpx, one connection, requests one after the
other, so each figure is a latency) sends WARM requests, then REQUESTS timed ones per read:
GET /loans/{id}, /loans/{id}/statement and /loans/{id}/schedule of the ten-year loan (goal:
p95 under 50 ms); GET /loans with the filters in several mixes, random branches, products and
cursors (goal: p95 under 200 ms); GET /portfolio/summary?as_of=2026-11-26 (goal: p95 under
500 ms). Every answer must be 200.

Run: .venv/bin/python bench/reads.py [--loans 1000000] [--keep] [--build-book] [--requests 300]
(--build-book builds the kept eod book when it is missing, e.g. at 100,000 loans; without it a
missing book is an error, so a book still being built elsewhere is never touched.)
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432 (trust auth).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg

from eod import _copy_of
from lms.close.portfolio import summarise
from lms.close.runner import close_day
from lms.identity.service import create_user, sign_in
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.catalog import create_branch, create_customer, create_product
from lms.servicing.models import LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan
from onboarding import SERVER, SETTINGS

DAY = date(2026, 11, 26)
PORT = 8793
BRANCHES = [f"BR{n:02d}" for n in range(1, 21)]
PRODUCTS = ["TW", "TW2", "TW3", "TW4"]
TEN_YEARS = "READS-10Y"
SPREAD = """
UPDATE loans l SET branch_code = 'BR' || lpad((abs(hashint4(l.id)) % 20 + 1)::text, 2, '0'),
  product_id = p.id
FROM products p
WHERE l.external_id LIKE 'EOD-%'
  AND p.code = (ARRAY['TW', 'TW2', 'TW3', 'TW4'])[abs(hashint4(l.id + 7919)) % 4 + 1]
"""


def prepared(loans: int, build: bool, keep: bool) -> tuple[str, int]:
    """(the URL of the prepared copy, the ten-year loan's id), prepared now unless kept."""
    name = f"lms_bench_reads_{loans}"
    if keep:
        found = _ten_year_loan(f"{SERVER}/{name}")
        if found is not None:
            upgrade(f"{SERVER}/{name}")  # migrations added since it was prepared
            return f"{SERVER}/{name}", found
    started = time.perf_counter()
    url = _copy_of(f"lms_bench_eod_book_{loans}", name, loans if build else 0)
    _spread(url)
    print(f"copied and spread over branches and products in {time.perf_counter() - started:.0f} s")
    sessions = make_session_factory(make_engine(url))
    started = time.perf_counter()
    loan_id = _book_ten_years(sessions)
    print(f"ten-year loan {loan_id}: 120 payments in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    close_day(sessions, DAY)
    print(f"close of {DAY} in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return url, loan_id


def _ten_year_loan(url: str) -> int | None:
    """The ten-year loan's id in a prepared copy whose close is done, else None."""
    try:
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT l.id FROM loans l, business_date b"
                " WHERE l.external_id = %s AND b.current > %s",
                (TEN_YEARS, DAY),
            ).fetchone()
    except psycopg.Error:
        return None
    return None if row is None else int(row[0])


def _spread(url: str) -> None:
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        for code in BRANCHES:
            create_branch(uow, code=code, name=f"Branch {code}")
        for code in PRODUCTS[1:]:
            create_product(
                uow,
                code=code,
                name=f"Two-wheeler {code}",
                settings=SETTINGS,
                amount=(Decimal(1), Decimal(10**7)),
                rate=(Decimal(1), Decimal(30)),
                tenure=(6, 60),
            )
        uow.commit()
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SPREAD)
        connection.execute("VACUUM ANALYZE loans")


def _book_ten_years(sessions: object) -> int:
    """Book, pay out and pay every installment of the ten-year loan through the services."""
    with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        create_product(
            uow,
            code="HL10",
            name="Ten-year loan",
            settings={},
            amount=(Decimal(1), Decimal(10**8)),
            rate=(Decimal(0), Decimal(36)),
            tenure=(1, 360),
        )
        borrower = create_customer(uow, branch_code=BRANCHES[0], name="Ten-year borrower")
        request = LoanRequest(
            TEN_YEARS, BRANCHES[0], borrower.id, "HL10", Decimal(2500000), Decimal(9), 120,
            date(2016, 11, 26),
        )  # fmt: skip
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=DAY)
        plan = [
            (row.number, row.due_date, row.principal + row.interest)
            for row in uow.session.query(LoanInstallment)
            .filter(LoanInstallment.loan_id == loan.id)
            .order_by(LoanInstallment.number)
        ]
        uow.commit()
        loan_id = loan.id
    for number, due, amount in plan:
        with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
            payment = PaymentRequest(amount, due, f"10Y-{number}", "nach")
            record_payment(uow, loan_id=loan_id, request=payment, posting_date=DAY)
            uow.commit()
    return loan_id


def measure(
    client: httpx.Client, label: str, goal_ms: float, path: Callable[[random.Random], str],
    requests: int, warm: int,
) -> float:  # fmt: skip
    """Time `requests` GETs of `path(rnd)` after `warm` untimed ones; print and return p95."""
    rnd = random.Random(label)
    for _ in range(warm):
        _get(client, path(rnd))
    took = []
    started = time.perf_counter()
    for _ in range(requests):
        one = time.perf_counter()
        _get(client, path(rnd))
        took.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(took, n=100)
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    verdict = "met" if p95 < goal_ms else "MISSED"
    print(f"  {label:<54} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"
          f"  {requests / elapsed:6.1f}/s   goal p95 < {goal_ms:.0f} ms: {verdict}")  # fmt: skip
    return p95


def _get(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")


def lists(top: int) -> dict[str, Callable[[random.Random], str]]:
    """The loan-list mixes: each a function of the client's random generator."""

    def branch(rnd: random.Random) -> str:
        return rnd.choice(BRANCHES)

    def product(rnd: random.Random) -> int:
        return rnd.randrange(1, len(PRODUCTS) + 1)  # TW is id 1, its copies 2-4

    def after(rnd: random.Random) -> int:
        return rnd.randrange(1, top)

    return {
        "all five filters (branch, product, status, class, DPD)": lambda r: (
            f"/api/v1/loans?branch={branch(r)}&product_id={product(r)}&status=active"
            f"&asset_class={r.choice(['SMA-0', 'SMA-1', 'SMA-2', 'NPA'])}&dpd_min=1&dpd_max=120"
        ),
        "branch, status, DPD 31-60": lambda r: (
            f"/api/v1/loans?branch={branch(r)}&status=active&dpd_min=31&dpd_max=60"
        ),
        "asset class NPA, keyset page": lambda r: f"/api/v1/loans?asset_class=NPA&after={after(r)}",
        "branch and product, keyset page": lambda r: (
            f"/api/v1/loans?branch={branch(r)}&product_id={product(r)}&after={after(r)}"
        ),
        "status active (the whole book), keyset page": lambda r: (
            f"/api/v1/loans?status=active&after={after(r)}"
        ),
        "status active, offset up to 5,000": lambda r: (
            f"/api/v1/loans?status=active&offset={r.randrange(0, 5000)}"
        ),
        "branch, exact total asked for": lambda r: (
            f"/api/v1/loans?branch={branch(r)}&exact_total=true"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the prepared copy if there")
    parser.add_argument("--build-book", action="store_true", help="build a missing eod book")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warm", type=int, default=30)
    args = parser.parse_args()
    url, loan_id = prepared(args.loans, args.build_book, args.keep)
    headers = {"Authorization": f"Bearer {_reader_key(url)}"}
    lms = str(Path(sys.executable).with_name("lms"))
    server = subprocess.Popen(
        [lms, "serve", "--database-url", url, "--port", str(PORT), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
            _wait_for(client)
            _run(client, loan_id, args.loans, args.requests, args.warm)
    finally:
        server.terminate()
        server.wait(timeout=10)
    worked_out(url)


def _reader_key(url: str) -> str:
    """A signed-in auditor's token (reads loans and reports): the reads are timed
    authenticated, as staff make them."""
    engine = make_engine(url)
    now, name, password = datetime.now(UTC), f"bench-reader-{time.time_ns()}", "a bench password"
    with UnitOfWork(make_session_factory(engine)) as uow:
        create_user(
            uow, username=name, display_name=name, password=password, roles=["auditor"],
            branches=None, actor="bench", now=now,
        )  # fmt: skip
        token = sign_in(uow, username=name, password=password, code=None, origin="bench", now=now)
        uow.commit()
    engine.dispose()
    return str(token.token)


def _wait_for(client: httpx.Client) -> None:
    for _ in range(150):
        try:
            client.get("/api/v1/loans?limit=1")
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("lms serve did not start")


def _run(client: httpx.Client, loan_id: int, loans: int, requests: int, warm: int) -> None:
    print(f"{loans:,} loans; {requests} requests each after {warm} to warm up; one client")
    print("one loan with ten years of monthly history (120 installments, 120 payments):")
    one = f"/api/v1/loans/{loan_id}"
    for label, path in (("state", one), ("statement", f"{one}/statement"),
                        ("schedule", f"{one}/schedule")):  # fmt: skip
        measure(client, f"GET /loans/{{id}} {label}", 50, _fixed(path), requests, warm)
    print("the loan list (limit 50):")
    for label, query in lists(loans).items():
        measure(client, label, 200, query, requests, warm)
    print("the portfolio summary by branch and DPD bucket:")
    day = f"/api/v1/portfolio/summary?as_of={DAY.isoformat()}"
    measure(client, f"GET /portfolio/summary {DAY}", 500, _fixed(day), requests, warm)


def worked_out(url: str, times: int = 5) -> None:
    """The summary worked out afresh from the snapshots (what the first read after a close
    costs; later reads are kept until the close log moves), in this process."""
    sessions = make_session_factory(make_engine(url))
    took = []
    for _ in range(times):
        with UnitOfWork(sessions) as uow:
            started = time.perf_counter()
            cells = summarise(uow, day=DAY)
            took.append((time.perf_counter() - started) * 1000)
    print(f"  worked out afresh ({len(cells)} cells), {times} times:"
          f" best {min(took):.0f} ms, median {statistics.median(took):.0f} ms")  # fmt: skip


def _fixed(path: str) -> Callable[[random.Random], str]:
    return lambda _: path


if __name__ == "__main__":
    main()
