"""On PostgreSQL the installments and loan events are partitioned by loan id (a million loans
a partition) and the journal lines by entry id (ten million entries a partition): a loan's
first row makes its partition, each row lands in its range's, a close day makes the partitions
ahead of its rows in a transaction of its own (giving up on a lock not had in time, which
leaves it to the trigger), every statement of a close day that names one of the tables touches
only the partition of the close's range (EXPLAIN of the statements as the close sent them),
the ledger check walks the lines range by range, and the migration moves a written book out
of the partitions and back without losing a row.

The book: loans 999,999 and 1,000,000 (the sequence set so), one each side of the first
boundary, 1,00,000 at 12 % for 12 months paid out on 26 Sep 2026 (12 installments each), and
the entries numbered from 9,999,997, so the lines cross the first boundary of ten million.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from types import ModuleType

import psycopg
import pytest
from book_setup import SEP26, open_book, sound
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from lms.close import runner
from lms.close.runner import close_day
from lms.ledger.check import ledger_problems
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine, partitions
from lms.platform.db.migrate import downgrade, upgrade
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

NOV26 = date(2026, 11, 26)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as connection:  # the test's schema searched first
        return [tuple(row) for row in connection.execute(sql).fetchall()]


def _by_partition(table: str, key: str) -> str:
    return (
        f"SELECT tableoid::regclass::text, min({key}), max({key}), count(*) FROM {table}"
        " GROUP BY 1 ORDER BY 1"
    )


@pytest.fixture
def book(postgres_url: str) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    engine = make_engine(postgres_url)
    sessions = open_book(postgres_url, engine, customers=[{"name": "A"}, {"name": "B"}])
    with UnitOfWork(sessions) as uow:
        uow.session.execute(text("SELECT setval('loans_id_seq', 999998)"))
        uow.session.execute(text("SELECT setval('journal_entries_id_seq', 9999996)"))
        for k in (1, 2):
            request = LoanRequest(f"PL-{k}", "PUN01", k, "PL", D(100000), D(12), 12, SEP26)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=SEP26)
        calendar.set_business_date(uow, NOV26)
        uow.commit()
    yield engine, sessions
    engine.dispose()


def test_each_row_lands_in_its_range_partition(
    postgres_url: str, book: tuple[Engine, sessionmaker[Session]]
) -> None:
    _, sessions = book
    assert close_day(sessions, NOV26).failures == 0
    assert _rows(postgres_url, _by_partition("loan_installments", "loan_id")) == [
        ("loan_installments_p0000", 999999, 999999, 12),
        ("loan_installments_p0001", 1000000, 1000000, 12),
    ]
    assert _rows(postgres_url, _by_partition("loan_events", "loan_id")) == [
        ("loan_events_p0000", 999999, 999999, 1),  # the disbursement
        ("loan_events_p0001", 1000000, 1000000, 1),
    ]
    lines = _rows(postgres_url, _by_partition("journal_lines", "entry_id"))
    assert lines == [  # two disbursements and a due: two lines each, each side
        ("journal_lines_p0000", 9999997, 9999999, 6),
        ("journal_lines_p0001", 10000000, 10000002, 6),
    ]
    sound(sessions)  # the ledger check across the boundary: every entry balanced, no problem
    made = "SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE"
    assert [row[0] for row in _rows(postgres_url, f"{made} h.inhparent = 'loan_installments'"
                                                  "::regclass ORDER BY 1")] == [
        "loan_installments_p0000", "loan_installments_p0001",
        "loan_installments_p0002",  # made ahead by the close, in its own transaction
    ]  # fmt: skip
    assert [row[0] for row in _rows(postgres_url, f"{made} h.inhparent = 'journal_lines'"
                                                  "::regclass ORDER BY 1")] == [
        "journal_lines_p0000", "journal_lines_p0001",  # the newest entry's then two ahead
        "journal_lines_p0002",
    ]  # fmt: skip


def test_a_partition_is_made_ahead_while_another_transaction_writes_the_table(
    postgres_url: str, book: tuple[Engine, sessionmaker[Session]]
) -> None:
    """Making a partition locks its parent: the close's making ahead waits at most LOCK_WAIT
    for a transaction holding the table, then leaves it to the trigger, without failing."""
    _, sessions = book
    monkey = pytest.MonkeyPatch()
    monkey.setattr(partitions, "LOCK_WAIT", "200ms")
    holder = make_engine(postgres_url).connect()
    try:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("LOCK TABLE loan_installments IN ACCESS SHARE MODE")
        partitions.make_ahead(sessions)  # waits 200 ms, warns, returns
        named = "SELECT to_regclass('loan_installments_p0002') IS NULL"
        assert _rows(postgres_url, named) == [(True,)]
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
        monkey.undo()
    partitions.make_ahead(sessions)
    assert _rows(postgres_url, "SELECT to_regclass('loan_installments_p0002') IS NULL") == [
        (False,)
    ]


Sent = list[tuple[str, object, str | None]]  # statement, parameters, partition expected


def _plans(engine: Engine, sent: Sent) -> list[tuple[str, list[str], str | None]]:
    """Each statement's plan (EXPLAIN, its parameters bound): the partitions of the installments,
    events and lines it names."""
    found = []
    with engine.connect() as connection:
        for statement, parameters, expected in sent:
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)  # type: ignore[arg-type]
            text_of = " ".join(str(row[0]) for row in plan)
            found.append((statement, sorted(set(PARTITION.findall(text_of))), expected))
    return found


PARTITION = re.compile(r"\b((?:loan_installments|loan_events|journal_lines)_p\d{4})\b")


def test_every_statement_of_a_close_day_reads_its_range_s_partition_only(
    postgres_url: str, book: tuple[Engine, sessionmaker[Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step keyed by loan runs on 50,000 loans at a time: its statements that name the
    installments or events name the one partition holding that range (a step keyed by borrower
    reads its borrowers' loans wherever they are, and is not asked to)."""
    engine, sessions = book
    sent: Sent = []
    running: list[str | None] = [None]
    original = runner.run_partition

    def tracked(sessions: object, step: ModuleType, day: date, partition: int, size: int) -> object:
        part = (partition * size) // 1_000_000
        running[0] = f"p{part:04d}" if step.KEY == "loan" else None
        try:
            return original(sessions, step, day, partition, size)  # type: ignore[arg-type]
        finally:
            running[0] = None

    def keep(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
        if running[0] is not None and (
            "loan_installments" in statement or "loan_events" in statement
        ):
            sent.append((statement, parameters, running[0]))

    monkeypatch.setattr(runner, "run_partition", tracked)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert close_day(sessions, NOV26).failures == 0
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = _plans(engine, sent)
    wrong = [
        (s[:120], named, part)
        for s, named, part in plans
        if any(not n.endswith(part) for n in named)
    ]
    assert wrong == []
    assert {part for _, named, part in plans if named} == {"p0000", "p0001"}
    assert len([p for p in plans if p[1]]) >= 100  # dues, snapshot, reminders, signals ...


def test_a_payment_and_the_ledger_check_read_their_own_partitions(
    postgres_url: str, book: tuple[Engine, sessionmaker[Session]]
) -> None:
    """A repayment of loan 1,000,000 reads and writes its loan's partitions alone; each range the
    ledger check reads names one partition of the lines (the book has no reversal)."""
    engine, sessions = book
    sent: Sent = []

    def keep(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
        if any(t in statement for t in ("loan_installments", "loan_events", "journal_lines")):
            sent.append((statement, parameters, None))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with UnitOfWork(sessions) as uow:
            payment = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-1", "upi")
            record_payment(uow, loan_id=1_000_000, request=payment, posting_date=NOV26)
            uow.commit()
        payment_statements = len(sent)
        with UnitOfWork(sessions) as uow:
            assert ledger_problems(uow.session) == []
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = _plans(engine, sent)
    by_loan = [  # a reference (UTR) is looked up among every loan: one borrower's alone may
        (statement, named)  # share it, so that look-up reads each partition's index once
        for statement, named, _ in plans[:payment_statements]
        if "journal_lines" not in statement and "loan_events.reference = " not in statement
    ]
    assert len(by_loan) >= 5
    assert [(s, n) for s, n in by_loan if any(not x.endswith("p0001") for x in n)] == []
    checked = [named for _, named, _ in plans[payment_statements:]]
    # eleven ranges of a million entries (the last from entry 10,000,000), three statements
    # each on the lines (sums per entry, loans of lines, totals): ten in the first partition
    assert checked == [["journal_lines_p0000"]] * 30 + [["journal_lines_p0001"]] * 3


CONTENTS = {  # each table's rows, whole, in key order
    "loan_installments": "SELECT md5(string_agg(t::text, ';' ORDER BY loan_id, number))"
    " FROM loan_installments t",
    "loan_events": "SELECT md5(string_agg(t::text, ';' ORDER BY id)) FROM loan_events t",
    "journal_lines": "SELECT md5(string_agg(t::text, ';' ORDER BY id)) FROM journal_lines t",
}
KINDS = (
    "SELECT relname, relkind::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    " AND relname IN ('loan_installments', 'loan_events', 'journal_lines') ORDER BY 1"
)


def test_the_migration_moves_a_written_book_out_of_partitions_and_back(
    postgres_url: str, book: tuple[Engine, sessionmaker[Session]]
) -> None:
    engine, sessions = book
    assert close_day(sessions, NOV26).failures == 0
    engine.dispose()
    written = {table: _rows(postgres_url, sql) for table, sql in CONTENTS.items()}
    assert _rows(postgres_url, KINDS) == [
        ("journal_lines", "p"), ("loan_events", "p"), ("loan_installments", "p")
    ]  # fmt: skip
    downgrade(postgres_url, "0060")
    assert _rows(postgres_url, KINDS) == [
        ("journal_lines", "r"), ("loan_events", "r"), ("loan_installments", "r")
    ]  # fmt: skip
    assert {table: _rows(postgres_url, sql) for table, sql in CONTENTS.items()} == written
    keys = (
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p'"
        " AND connamespace = current_schema()::regnamespace"
    )
    assert sorted(_rows(postgres_url, f"{keys} AND conname IN ('pk_loan_events', 'pk_journal_lines')")) == [
        ("pk_journal_lines", "PRIMARY KEY (id)"), ("pk_loan_events", "PRIMARY KEY (id)")
    ]  # fmt: skip
    upgrade(postgres_url)
    assert {table: _rows(postgres_url, sql) for table, sql in CONTENTS.items()} == written
    assert _rows(postgres_url, _by_partition("loan_installments", "loan_id")) == [
        ("loan_installments_p0000", 999999, 999999, 12),
        ("loan_installments_p0001", 1000000, 1000000, 12),
    ]
    with UnitOfWork(sessions) as uow:  # the ids' sequences numbering the new tables' rows
        payment = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-2", "upi")
        record_payment(uow, loan_id=999_999, request=payment, posting_date=NOV26)
        uow.commit()
    sound(sessions)
