"""A demo portfolio: branches, products, customers and loans with up to two years of realistic
repayment history (on-time payers, late payers, partial payers, defaulters, bounced debits,
part-prepayers, foreclosures; home loans floating on the repo rate through its moves, some paid
out in two tranches), then the last weeks closed day by day by the daily close, so the book
has days past due, SMA and NPA classes, and a month end's accrual, penal charges and
provisions; three running loans in five get an eNACH mandate from the demo's date. Then the
risk models: each loan's months of behaviour (from its replay), the delinquency models trained
on them and measured on held-out months, and the last month ends scored. A defaulter's
trouble shows in its last installments before it stops paying (late, some debits returned),
as it does in a real book: what the models learn from, never the outcome itself.

The history is built day by day through paths proven equal to the single services
(lms.demo.history: bulk onboarding, the bulk payment path, the close's dues step, and the
single services for the rarer events); the closed weeks through `lms.close.runner.close_day`.
Beside it, day by day, the group lending of microfinance centres (lms.demo.groups) and personal
loans co-lent with a bank (lms.demo.colent).

Guarantees: the same seed, size and date always build the same book; the book's business date
is `as_of` (every earlier day of the closed weeks closed, none failed), so `lms eod run`
closes the demo's date next; `lms ledger check` passes on the result.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_day
from lms.collections.strategies import add_step
from lms.demo.colent import CoLent
from lms.demo.data import BRANCHES, PRODUCTS, REPO_MOVES, RULES
from lms.demo.gold import give_back, keep_prices
from lms.demo.groups import Groups
from lms.demo.history import History
from lms.demo.plan import Borrower, draw_borrowers
from lms.demo.staff import demo_agent
from lms.platform import business_date as calendar
from lms.platform.db import Base, UnitOfWork
from lms.platform.errors import InvalidError
from lms.risk.features import TARGETS
from lms.risk.months import backfill, shift
from lms.risk.scoring import score
from lms.risk.training import train
from lms.servicing.catalog import create_branch, create_customer, create_product
from lms.servicing.models import BenchmarkRate, Loan

CLOSED_DAYS = 14  # at least the last two weeks are closed by the daily close
BEFORE_MONTH_END = 6  # and the last week of the month before the demo's date, at least


@dataclass(frozen=True)
class DemoSummary:
    loans: int
    payments: int  # payments, part-prepayments and foreclosure payments
    reversals: int
    closed: tuple[date, date] | None = None  # the first and last day closed


def closed_from(as_of: date) -> date:
    """The first day the demo closes: two weeks before `as_of`, or the last week of the month
    before, whichever is earlier (so a month end is always closed)."""
    month_end = as_of.replace(day=1) - timedelta(days=1)
    return min(as_of - timedelta(days=CLOSED_DAYS), month_end - timedelta(days=BEFORE_MONTH_END))


def build_demo(
    sessions: sessionmaker[Session],
    *,
    loans: int,
    as_of: date,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
    close: bool = True,
    centres: int | None = None,
    colent: int | None = None,
) -> DemoSummary:
    """Create the demo book in an empty, migrated database; `progress` hears the number of
    loans booked so far. Without `close`, nothing is closed and no business date is set (the
    history alone, every day through `as_of`). `centres` group-lending centres run beside it
    (lms.demo.groups; default one for every 300 loans, at most three), and `colent` loans
    co-lent with a bank (lms.demo.colent; default one for every 100 loans)."""
    beside = (Groups(as_of, loans // 300 if centres is None else centres),
              CoLent(as_of, loans // 100 if colent is None else colent))  # fmt: skip
    with _fast_commits(sessions):
        return _build(sessions, draw_borrowers(seed, loans, as_of), as_of, progress, close,
                      beside)  # fmt: skip


def _build(
    sessions: sessionmaker[Session],
    borrowers: list[Borrower],
    as_of: date,
    progress: Callable[[int], None] | None,
    close: bool,
    beside: tuple[Groups, CoLent],
) -> DemoSummary:
    """The catalog and customers, then each day's history through `as_of`, the days from
    `closed_from(as_of)` closed (with `close`), then the mandates."""
    with UnitOfWork(sessions, origin="demo") as uow:
        _catalog(uow, as_of)
        customers = _customers(uow, borrowers)
        for part in beside:
            part.setup(uow)
        uow.commit()
    history = History(borrowers, customers, as_of, progress)
    with UnitOfWork(sessions, origin="demo") as uow:
        keep_prices(uow, history.first_day, as_of)
        uow.commit()
    first = closed_from(as_of) if close else None
    day = history.first_day if first is None else min(history.first_day, first)
    while day <= as_of:
        if day == first:
            _start_closing(sessions, day)
        if history.busy(day):
            with UnitOfWork(sessions, origin="demo") as uow:
                history.run_day(uow, day)
                uow.commit()
        for part in beside:
            if part.busy(day):
                with UnitOfWork(sessions, origin="demo") as uow:
                    part.run_day(uow, day)
                    uow.commit()
        if first is not None and first <= day < as_of:
            _close(sessions, day)
        day += timedelta(days=1)
    with UnitOfWork(sessions, origin="demo") as uow:
        _mandates(uow, as_of)
        _releases(uow, as_of)
        give_back(uow, as_of)
        uow.commit()
    if close:
        _risk(sessions, as_of)
    _analyze(sessions)
    counts = history.counts
    closed = None if first is None else (first, as_of - timedelta(days=1))
    paid = counts.payments + counts.prepayments + counts.foreclosures
    return DemoSummary(len(borrowers), paid, counts.reversals, closed)


@contextmanager
def _fast_commits(sessions: sessionmaker[Session]) -> Iterator[None]:
    """On SQLite, commits that do not wait for the disk while the book is built (synchronous
    NORMAL under the write-ahead log: a crash may lose the last commits, never corrupt the
    file, and a demo book cut short is built again); each connection is back to the
    platform's FULL when it returns to the pool."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        yield
        return

    def pragma(value: str) -> Callable[..., None]:
        def run(connection: Any, *_: object) -> None:
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA synchronous = {value}")
            cursor.close()

        return run

    normal, full = pragma("NORMAL"), pragma("FULL")
    event.listen(engine, "checkout", normal)
    event.listen(engine, "checkin", full)
    try:
        yield
    finally:
        event.remove(engine, "checkout", normal)
        event.remove(engine, "checkin", full)


def _catalog(uow: UnitOfWork, as_of: date) -> None:
    """The branches, the five products and the repo rate's moves."""
    for code, name in BRANCHES.items():
        create_branch(uow, code=code, name=name)
    for code, (name, settings, amount, rate, tenure) in PRODUCTS.items():
        create_product(
            uow,
            code=code,
            name=name,
            settings=settings,
            amount=(Decimal(amount[0]), Decimal(amount[1])),
            rate=(Decimal(rate[0]), Decimal(rate[1])),
            tenure=tenure,
            rules=replace(RULES[code], bounce_charge=(Decimal(500), Decimal(18))),
        )
    uow.session.add_all(
        BenchmarkRate(
            benchmark="REPO",
            effective_from=as_of - timedelta(days=days),
            rate=Decimal(rate),
            created_at=datetime.now(UTC),
        )
        for days, rate in REPO_MOVES
    )
    uow.actor = "demo"
    for bucket, day, action, message in STRATEGY:
        add_step(uow, bucket=bucket, day=day, action=action, event=message, product_code=None)
    demo_agent(uow)


# the demo's collections strategy: a notice on entering each bucket, a call three days into
# 1-30, a field visit on entering 31-60 and 61-90 (the close does them for each open case)
STRATEGY = (
    ("1-30", 0, "message", "overdue_notice"),
    ("1-30", 3, "call", None),
    ("31-60", 0, "message", "overdue_notice"),
    ("31-60", 0, "visit", None),
    ("61-90", 0, "visit", None),
)


def _customers(uow: UnitOfWork, borrowers: list[Borrower]) -> dict[int, int]:
    """One customer per loan (an entity for an MSME loan); their ids by loan number."""
    return {
        b.number: create_customer(
            uow,
            branch_code=b.branch,
            name=b.name,
            phone=b.phone,
            email=b.email,
            kind="entity" if b.product == "MSME" else "individual",
            **b.kyc(),
        ).id
        for b in borrowers
    }


def _start_closing(sessions: sessionmaker[Session], day: date) -> None:
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, day)
        uow.commit()


RISK_MONTHS = 24  # months of behaviour the demo's models learn from
SCORED_MONTHS = 4  # month ends scored: the last, and three whose outcomes are known


def _risk(sessions: sessionmaker[Session], as_of: date) -> None:
    """The loans' months of behaviour from their replays, the two delinquency models trained
    on them (a book too small or too young to learn from has none), and the last month ends
    scored (oldest first, so the loans' bands are of the newest)."""
    last = as_of.replace(day=1) - timedelta(days=1)
    with UnitOfWork(sessions, origin="demo") as uow:
        backfill(uow, through=last, months=RISK_MONTHS)
        uow.commit()
    for target in TARGETS:
        with UnitOfWork(sessions, origin="demo") as uow:
            try:
                train(uow, target=target, actor="demo")
            except InvalidError:
                continue
            uow.commit()
    with UnitOfWork(sessions, origin="demo") as uow:
        for back in range(SCORED_MONTHS - 1, -1, -1):
            score(uow, shift(last, -back))
        uow.commit()


def _close(sessions: sessionmaker[Session], day: date) -> None:
    """The daily close of `day` (the planner's statistics brought up to date before a month
    end, whose penal step sums the month's snapshots)."""
    if (day + timedelta(days=1)).day == 1:
        _analyze(sessions)
    result = close_day(sessions, day)
    if result.failures:
        raise RuntimeError(f"the demo's close of {day} failed for {result.failures} loans")


def _analyze(sessions: sessionmaker[Session]) -> None:
    """Refresh the book's planner statistics (it grew from nothing): its own tables only, not
    every schema of the database (another book's tables may be being made or dropped)."""
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            session.execute(text(f"ANALYZE {tables}"))
        else:
            session.execute(text("ANALYZE"))
        session.commit()


IFSCS = ("HDFC0001234", "ICIC0004321", "SBIN0012345", "UTIB0000987", "KKBK0006543")


def _mandates(uow: UnitOfWork, as_of: date) -> None:
    """Three loans in five still running get an active eNACH mandate from `as_of` (up to twice
    the EMI), so the next close presents their dues; drawn from the loan's own id."""
    from lms.payments.nach import MandateRequest, register_mandate

    running = uow.session.execute(
        select(Loan.id, Loan.emi).where(Loan.status == "active").order_by(Loan.id)
    ).all()
    for loan_id, emi in running:
        pick = random.Random(loan_id)
        if pick.random() >= 0.6:
            continue
        request = MandateRequest(
            "enach", "monthly", "maximum", (emi * 2).quantize(Decimal("0.01")), as_of, None,
            "Borrower", str(pick.randrange(10**11, 10**12)), pick.choice(IFSCS),
            f"DEMO{loan_id:016d}",
        )  # fmt: skip
        register_mandate(uow, loan_id=loan_id, request=request)


def _releases(uow: UnitOfWork, as_of: date) -> None:
    """The security of the secured loans closed more than a fortnight ago was released, its
    documents returned 5 to 14 days after closure and the charge removed a week after them
    (nine in ten; the rest are late); those closed lately wait (staff record them)."""
    from lms.servicing.closure_duties import record_release, releases

    for duty in releases(uow, today=as_of, branches=None):
        pick = random.Random(duty.loan_id)
        given = duty.closed_on + timedelta(days=pick.randrange(5, 15))
        late = pick.random() < 0.1
        removed = given + timedelta(days=7 + (pick.randrange(20, 40) if late else 0))
        if removed > as_of - timedelta(days=14):
            continue
        record_release(uow, loan_id=duty.loan_id, today=as_of, actor="demo",
                       returned_on=given, charge_removed_on=removed)  # fmt: skip
