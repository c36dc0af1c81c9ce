"""The stored ledger on every configured database: append-only, balanced, provable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from lms.core.replay import Payment, replay
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.ledger.check import account_balances, ledger_problems
from lms.ledger.rules import LedgerError, disbursement, interest_due, repayment
from lms.ledger.service import load_entry, post_entry, reverse_entry
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade

DAY = date(2026, 1, 15)


@pytest.fixture
def sessions(db_url: str, engine: Engine) -> sessionmaker[Session]:
    upgrade(db_url)
    return make_session_factory(engine)


def _post_loan(sessions: sessionmaker[Session]) -> int:
    with UnitOfWork(sessions) as uow:
        entry_id = post_entry(uow, disbursement("L1", DAY, D("100000.00")), posting_date=DAY)
        uow.commit()
    return entry_id


def test_a_loan_s_ledger_equals_its_replayed_state(sessions: sessionmaker[Session]) -> None:
    rows = generate_schedule(LoanTerms(D(100000), D(12), DAY, 12)).installments
    payments = [
        Payment(date(2026, 2, 15), D(10000), "R1"),
        Payment(date(2026, 3, 20), D(5000), "R2"),
    ]
    as_of = date(2026, 3, 31)
    state = replay(rows, payments, as_of)
    with UnitOfWork(sessions) as uow:
        post_entry(uow, disbursement("L1", DAY, D("100000.00")), posting_date=DAY)
        for row in rows:
            if row.due_date <= as_of:
                post_entry(
                    uow, interest_due("L1", row.due_date, row.interest), posting_date=row.due_date
                )
        for applied in state.applied:
            entry = repayment("L1", applied.payment.value_date, applied.parts, applied.held)
            post_entry(uow, entry, posting_date=applied.payment.value_date)
        for used in state.excess_applied:  # the excess held on 15 Feb paid installment 2
            entry = repayment("L1", used.day, used.parts, D("0.00"), from_excess=True)
            post_entry(uow, entry, posting_date=used.day)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        balances = account_balances(uow.session, "L1")
        assert ledger_problems(uow.session) == []
    # 1,00,000 - 7,884.88 (15 Feb) - 193.97 (excess on 15 Mar) - 5,000 (20 Mar) = 86,921.15
    assert [(u.day, sum(p.amount for p in u.parts)) for u in state.excess_applied] == [
        (date(2026, 3, 15), D("1115.12"))
    ]
    assert balances["loan_principal"] == state.principal_outstanding == D("86921.15")
    assert balances["interest_receivable"] == state.interest_due == D("0.00")
    assert -balances["unapplied_funds"] == state.excess == D("0.00")
    assert balances["collection_bank"] == D("15000.00")


def test_reversal_restores_every_account_and_happens_once(sessions: sessionmaker[Session]) -> None:
    entry_id = _post_loan(sessions)
    with UnitOfWork(sessions) as uow:
        reversal = reverse_entry(uow, entry_id, posting_date=DAY)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert {a: v for a, v in account_balances(uow.session).items() if v} == {}
        assert load_entry(uow, reversal).event == "reversal"
        assert ledger_problems(uow.session) == []
        with pytest.raises(LedgerError, match=f"already reversed by entry {reversal}"):
            reverse_entry(uow, entry_id, posting_date=DAY)


@pytest.mark.parametrize(
    "statement", ["UPDATE journal_lines SET debit = 1", "DELETE FROM journal_entries"]
)
def test_the_ledger_is_append_only(sessions: sessionmaker[Session], statement: str) -> None:
    _post_loan(sessions)
    with UnitOfWork(sessions) as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(text(statement))
        uow.session.flush()


def test_an_unbalanced_entry_written_behind_python_s_back(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    _post_loan(sessions)
    insert = (
        "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at)"
        " VALUES ('L9', 'bad', '2026-01-15', '2026-01-15', '2026-01-15 00:00:00+00:00');"
    )
    with UnitOfWork(sessions) as uow:
        uow.session.execute(text(insert))
        entry = uow.session.execute(text("SELECT max(id) FROM journal_entries")).scalar_one()
        amount = "1000000" if db_url.startswith("sqlite") else "100.0000"  # SQLite stores 1/10000s
        line = (
            "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit)"
            f" VALUES ({entry}, 'L9', 'collection_bank', {amount}, 0)"
        )
        if db_url.startswith("postgresql"):  # the database refuses the statement itself: each
            with pytest.raises(DBAPIError, match=f"journal entry {entry} does not balance"):
                uow.session.execute(text(line))  # statement's lines must balance per entry
            return
        uow.session.execute(text(line))
        uow.commit()
    with UnitOfWork(sessions) as uow:  # SQLite has no deferred triggers: the check finds it
        problems = ledger_problems(uow.session)
    assert [(p.entry_id, p.loan_id) for p in problems] == [(entry, "L9"), (None, None)]
    assert problems[0].message == "debits 100.0000 differ from credits 0.0000"


def test_a_line_filed_under_another_loan_is_a_problem(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    """A loan's balances are read through its entries, so a line must name its entry's loan;
    an entry that balances but files a line under another loan is found."""
    _post_loan(sessions)
    with UnitOfWork(sessions) as uow:
        uow.session.execute(
            text(
                "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at)"
                " VALUES ('L2', 'odd', '2026-01-15', '2026-01-15', '2026-01-15 00:00:00+00:00')"
            )
        )
        entry = uow.session.execute(text("SELECT max(id) FROM journal_entries")).scalar_one()
        five = "50000" if db_url.startswith("sqlite") else "5"  # SQLite stores 1/10000s
        uow.session.execute(
            text(
                "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit) VALUES"
                f" ({entry}, 'L2', 'collection_bank', {five}, 0),"
                f" ({entry}, 'L3', 'loan_principal', 0, {five})"
            )
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        problems = ledger_problems(uow.session)
        balances = account_balances(uow.session, "L2")
    assert [(p.entry_id, p.loan_id, p.message) for p in problems] == [
        (entry, "L2", "a line names loan L3, its entry loan L2")
    ]
    assert balances == {"collection_bank": D(5), "loan_principal": D(-5)}  # by its entries


def test_references_of_the_ledger_hold_on_every_database(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    """A line of no entry, a reversal of no entry: refused (by foreign keys on SQLite, by the
    per-statement triggers that replace them on PostgreSQL)."""
    _post_loan(sessions)
    amount = "1000000" if db_url.startswith("sqlite") else "100.0000"
    orphan = (
        "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit) VALUES"
        f" (999999, 'L9', 'collection_bank', {amount}, 0),"
        f" (999999, 'L9', 'loan_principal', 0, {amount})"
    )
    mirror = (
        "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at,"
        " reverses_id) VALUES ('L9', 'reversal', '2026-01-15', '2026-01-15',"
        " '2026-01-15 00:00:00+00:00', 999999)"
    )
    for statement in (orphan, mirror):
        with UnitOfWork(sessions) as uow, pytest.raises(DBAPIError, match=r"999999|FOREIGN KEY"):
            uow.session.execute(text(statement))
            uow.session.flush()


def test_the_check_reads_a_range_of_entries_at_a_time_and_finds_the_same(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    """Entries 1-4: a disbursement, an entry filing a line under another loan, the reversal of
    the disbursement (a true mirror) and a reversal of entry 2 whose lines are not its mirror
    (7 where 5 was posted). Read two entries at a time, the reversal of entry 2 is checked in
    the range after its original's: the same two problems as read all at once."""
    first = _post_loan(sessions)
    five, seven = ("50000", "70000") if db_url.startswith("sqlite") else ("5", "7")
    entry = (
        "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at,"
        " reverses_id) VALUES ('L2', '{event}', '2026-01-15', '2026-01-15',"
        " '2026-01-15 00:00:00+00:00', {reverses}) RETURNING id"
    )
    lines = (
        "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit) VALUES"
        " ({entry}, 'L2', 'collection_bank', {debit}, 0),"
        " ({entry}, '{other}', 'loan_principal', 0, {debit})"
    )
    with UnitOfWork(sessions) as uow:
        odd = uow.session.execute(text(entry.format(event="odd", reverses="NULL"))).scalar_one()
        uow.session.execute(text(lines.format(entry=odd, debit=five, other="L3")))
        reverse_entry(uow, first, posting_date=DAY)
        bad = uow.session.execute(text(entry.format(event="reversal", reverses=odd))).scalar_one()
        uow.session.execute(text(lines.format(entry=bad, debit=seven, other="L2")))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        by_twos = ledger_problems(uow.session, per_range=2)
        at_once = ledger_problems(uow.session)
    assert (first, odd, bad) == (1, 2, 4)
    assert [(p.entry_id, p.loan_id, p.message) for p in by_twos] == [
        (2, "L2", "a line names loan L3, its entry loan L2"),
        (4, "L2", "does not mirror entry 2"),
    ]
    assert by_twos == at_once
