"""Schedules per second: lms (exact, dated) beside the `amortization` package (floats, undated).

Workload: N reducing-balance EMI loans of 36 monthly installments; principal between 10,000
and 50,00,000 (paisa amounts), annual rate on a 0.05 % grid between 8 % and 24 %, disbursement
dates spread over a year (so every loan has its own real due dates). Each contender computes
every installment of every loan; the figure is the best of several runs.

- peer:   list(amortization.schedule.amortization_schedule(principal, rate, 36)) per loan.
- single: lms.core.schedule.generate_schedule(terms) per loan (Decimal, dated, exact).
- batch:  lms.servicing.bulk.generate_schedules(product, columns) for all loans at once (exact
          int64 minor units, dated; the bulk-import path).

Run: .venv/bin/python bench/schedule.py [--loans 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from amortization.schedule import amortization_schedule

from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.servicing.bulk import LoanColumns, generate_schedules

TENURE = 36


def workload(count: int, seed: int = 2026) -> LoanColumns:
    rnd = random.Random(seed)
    return LoanColumns(
        principal=[Decimal(rnd.randrange(10_000_00, 50_00_000_00)) / 100 for _ in range(count)],
        annual_rate=[Decimal(rnd.randrange(800, 2400, 5)) / 100 for _ in range(count)],
        disbursement_date=[date(2026, 1, 1) + timedelta(rnd.randrange(365)) for _ in range(count)],
        installments=[TENURE] * count,
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def best_of(repeat: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    loans = workload(args.loans)
    product = LoanTerms(Decimal(1), Decimal(1), date(2026, 1, 1), TENURE)
    terms = [loans.terms(product, i) for i in range(len(loans))]
    floats = [
        (float(p), float(r) / 100) for p, r in zip(loans.principal, loans.annual_rate, strict=True)
    ]

    def peer() -> None:
        for principal, rate in floats:
            list(amortization_schedule(principal, rate, TENURE))

    def single() -> None:
        for loan in terms:
            generate_schedule(loan)

    def batch() -> None:
        generate_schedules(product, loans)

    batch()  # warm the caches of both lms paths the same way a long-running import would
    single()
    results = {
        name: args.loans / best_of(args.repeat, run)
        for name, run in (("peer", peer), ("single", single), ("batch", batch))
    }
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{args.loans} loans x {TENURE} installments, best of {args.repeat}")
    print(f"amortization (peer, float, undated): {results['peer']:>10,.0f} schedules/s")
    print(
        f"lms single (exact, dated):           {results['single']:>10,.0f} schedules/s"
        f"   ratio to peer {results['single'] / results['peer']:.2f}"
    )
    print(
        f"lms batch  (exact, dated):           {results['batch']:>10,.0f} schedules/s"
        f"   ratio to peer {results['batch'] / results['peer']:.2f}"
        f"   ratio to single {results['batch'] / results['single']:.1f}"
    )


if __name__ == "__main__":
    main()
