"""The delinquency models at scale on PostgreSQL: a synthetic book (lms.demo.synthetic_risk:
LOANS loans with MONTHS months of behaviour, repayment driven by a hidden stress of each
borrower), both models trained (time split, measured on the held-out month ends), and the book
scored at its last month end as the daily close scores it: partition by partition (50,000 loans)
in one process, each loan's probability, band and three reason codes written.

Printed: the build, each model's training time and its held-out AUC, Gini, KS and share of
bad loans caught in the riskiest tenth beside the rule that ranks by days past due alone (the
peer every risk team has), and the scoring time with its parts (features, trees, writing).

Run: .venv/bin/python bench/risk.py [--loans 1000000] [--months 24] [--keep-book]
[--keep-models] [--workers] (--keep-models: score with the models of a last run, trained on the
same book; --workers: score again on `lms worker --processes 2`)
Needs: PostgreSQL at postgresql://root@127.0.0.1:5432; Redis at 127.0.0.1:6379 for --workers.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import CloseStep
from lms.close.runner import PARTITION_SIZE, partitions, run_partition
from lms.close.steps import score as score_step
from lms.demo.synthetic_risk import build
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.risk.models import LoanScore, RiskBin
from lms.risk.training import train
from onboarding import close_workers, fresh, server_settings

LAST = date(2026, 10, 31)
DATABASE = "lms_bench_risk"


def main() -> None:
    asked = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    asked.add_argument("--loans", type=int, default=1_000_000)
    asked.add_argument("--months", type=int, default=24)
    asked.add_argument("--keep-book", action="store_true", help="reuse the book of a last run")
    asked.add_argument("--keep-models", action="store_true", help="and its models (no training)")
    asked.add_argument("--workers", action="store_true", help="also score on 2 worker processes")
    args = asked.parse_args()
    print(server_settings())
    url = f"postgresql://root@127.0.0.1:5432/{DATABASE}"
    sessions = make_session_factory(make_engine(url))
    if not args.keep_book:
        upgrade(fresh(DATABASE))
        started = time.perf_counter()
        with UnitOfWork(sessions) as uow:
            book = build(uow, loans=args.loans, months=args.months, last=LAST)
            uow.commit()
        print(f"built {book.loans:,} loans, {book.rows:,} loan-months "
              f"({book.first} to {book.last}) in {time.perf_counter() - started:.1f} s")  # fmt: skip
    for target in () if args.keep_models and args.keep_book else ("dpd30", "dpd90"):
        started = time.perf_counter()
        with UnitOfWork(sessions) as uow:
            model = train(uow, target=target, actor="bench")
            uow.commit()
        card = model.card
        print(f"\n{target}: trained in {time.perf_counter() - started:.1f} s on "
              f"{card['loans']['learnt_from']:,} loan-months ({len(card['months']['learnt_from'])}"
              f" month ends), {card['method']['rounds']} trees; held out "
              f"{', '.join(card['months']['held_out'])}: {card['loans']['held_out']:,} loans, "
              f"bad rate {card['bad_rate']['held_out']:.2%}")  # fmt: skip
        held = card["held_out"]
        print(f"  {'':<22}{'model':>8}{'DPD rule':>10}{'ratio':>8}")
        for key in ("auc", "gini", "ks", "caught_in_top_decile"):
            mine, rule = held["model"][key], held["dpd_rule"][key]
            print(f"  {key:<22}{mine:>8.4f}{rule:>10.4f}{mine / rule:>8.2f}")
    _score(sessions)
    if args.workers:
        _score(sessions, workers=url)


def _score(sessions: sessionmaker[Session], workers: str = "") -> None:
    """The close's score step at the book's last month end, partition by partition, as `lms
    close` runs it (its transaction settings included): in this process, or with `workers`
    (the database's URL) on `lms worker --processes 2` through the Redis queue."""
    with UnitOfWork(sessions) as uow:
        # the bench's own book: a kept book's scores of a last run go, so the month is scored
        for table in (LoanScore, RiskBin):
            uow.session.execute(delete(table).where(table.month == LAST))
        uow.session.execute(delete(CloseStep).where(CloseStep.day == LAST))
        uow.commit()
    parts = partitions(sessions, score_step.KEY, PARTITION_SIZE)
    if workers:
        took = _on_workers(sessions, workers, parts)
    else:
        started = time.perf_counter()
        for partition in parts:
            run_partition(sessions, score_step, LAST, partition, PARTITION_SIZE)
        took = time.perf_counter() - started
    with UnitOfWork(sessions) as uow:
        written = uow.session.scalar(
            select(func.count()).select_from(LoanScore).where(LoanScore.month == LAST)
        )
    how = "two worker processes" if workers else "one process"
    print(f"\nscored {written:,} loan-targets at {LAST} in {took:.1f} s, "
          f"{PARTITION_SIZE:,} loans a partition, {how} (goal: under 30 s at 1,000,000)")  # fmt: skip


def _on_workers(sessions: sessionmaker[Session], url: str, parts: range) -> float:
    with close_workers("lms-close-bench"):
        from lms.close.worker import queue_dispatch  # reads the queue when it loads

        started = time.perf_counter()
        queue_dispatch(url)(sessions, score_step.NAME, LAST, parts, PARTITION_SIZE)
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
