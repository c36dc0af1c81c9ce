"""A bank statement of LINES credits matched and posted against a book of as many loans on
PostgreSQL: lines per second.

Setup: bench/eod.py's book (two-wheeler loans booked by the bulk path, a mix of paid, behind
and stopped loans; dues due by the statement date count as raised: a bench shortcut), and an
MT940 statement of 5 Dec 2026 (the book's due day) with one NEFT credit per loan for what it
owes that day; 97 % name the loan number in the narration, 3 % name nothing (they go to
suspense). Then `import_statement` in one transaction, timed: reading the file (mt-940),
matching, posting the repayments, holding the rest in suspense, storing the lines.

Run: .venv/bin/python bench/reconcile.py [--lines 100000]
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432. No peer figure: neither Fineract nor
Frappe Lending imports bank statements by themselves.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from eod import book
from lms.payments.reconcile import import_statement
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from onboarding import fresh

DAY = date(2026, 12, 5)
RAISED = """
UPDATE loans l SET interest_posted_through = (
    SELECT max(due_date) FROM loan_installments i WHERE i.loan_id = l.id AND i.due_date <= %s)
"""
OWED = """
SELECT l.id, l.external_id, c.name, sum(i.principal + i.interest - i.principal_paid
    - i.interest_paid)
FROM loans l JOIN customers c ON c.id = l.customer_id
JOIN loan_installments i ON i.loan_id = l.id AND i.due_date <= %s
GROUP BY l.id, l.external_id, c.name ORDER BY l.id
"""


def statement(url: str) -> bytes:
    """One NEFT credit per loan owing something on DAY."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(OWED, (DAY,)).fetchall()
    lines = [":20:BENCH1205", ":25:HDFC0000001/50200012345678", ":28C:00339/001",
             ":60F:C261204INR0,00"]  # fmt: skip
    total = Decimal(0)
    for k, (_, number, name, owed) in enumerate(rows):
        if owed <= 0:
            continue
        amount = Decimal(owed).quantize(Decimal("0.01"))
        total += amount
        utr = f"N{DAY:%y%m%d}{k:09d}"  # 16 characters, as NEFT UTRs and MT940 allow
        narration = f"NEFT-{utr}-{name.upper()}-EMI {number}" if k % 100 >= 3 else f"NEFT-{utr}"
        lines += [f":61:{DAY:%y%m%d}{DAY:%m%d}C{str(amount).replace('.', ',')}NTRF{utr}//{utr}",
                  f":86:{narration}"]  # fmt: skip
    lines.append(f":62F:C{DAY:%y%m%d}INR{str(total).replace('.', ',')}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    url = fresh("lms_bench_reconcile")
    started = time.perf_counter()
    book(url, args.lines)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(RAISED, (DAY,))
        connection.execute("ANALYZE")
    sessions = make_session_factory(make_engine(url))
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, DAY)
        uow.commit()
    content = statement(url)
    print(f"book of {args.lines:,} loans and a statement of {content.count(b':61:'):,} credits "
          f"({len(content) / 1e6:.1f} MB) ready in {time.perf_counter() - started:.0f} s")  # fmt: skip
    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    with UnitOfWork(sessions) as uow:
        result = import_statement(uow, content, posting_date=DAY, imported_by="bench")
        uow.commit()
    took = time.perf_counter() - started
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    print(f"imported in {took:.1f} s ({result.lines / took:,.0f} lines/s): {result.posted:,} "
          f"posted, {result.suspense:,} in suspense, {result.debits} debits; goal: 100,000 "
          f"lines in under 30 s")  # fmt: skip


if __name__ == "__main__":
    main()
