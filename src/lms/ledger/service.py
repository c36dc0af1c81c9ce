"""Storing journal entries: post, reverse, read back. Services take a unit of work and never
commit; the caller does.

Guarantees: only balanced entries are written (the pure rules refuse the others, and on
PostgreSQL the database does too); an entry is reversed at most once (a unique key); nothing is
updated or deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from lms.db import Base, UnitOfWork
from lms.db.bulk import insert_rows
from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.ledger.rules import JournalEntry, LedgerError, Line, reversal_of


def post_entry(uow: UnitOfWork, entry: JournalEntry, *, posting_date: date) -> int:
    """Write `entry`; returns its id."""
    return _write(uow, entry, posting_date, reverses=None)


def post_entries(uow: UnitOfWork, entries: Sequence[JournalEntry], *, posting_date: date) -> int:
    """Write many entries in two statements (the entries, then all their lines; by COPY on
    PostgreSQL when there are many); for set-based work such as the daily close. Returns how
    many were written."""
    if not entries:
        return 0
    now = datetime.now(UTC)
    rows = [
        {
            "loan_id": e.loan_id,
            "event": e.event,
            "value_date": e.value_date,
            "posting_date": posting_date,
            "created_at": now,
            "reverses_id": None,
        }
        for e in entries
    ]
    ids = insert_rows(uow, _ENTRIES, rows, ids=True)
    lines = [
        {
            "entry_id": entry_id,
            "loan_id": entry.loan_id,
            "account": line.account.value,
            "debit": line.debit,
            "credit": line.credit,
        }
        for entry_id, entry in zip(ids, entries, strict=True)
        for line in entry.lines
    ]
    insert_rows(uow, _LINES, lines)
    return len(entries)


def reverse_entry(uow: UnitOfWork, entry_id: int, *, posting_date: date, value_date: date) -> int:
    """Post the mirror of entry `entry_id`; returns the reversal's id."""
    session = uow.session
    original = load_entry(uow, entry_id)
    already = session.scalar(
        select(JournalEntryRow.id).where(JournalEntryRow.reverses_id == entry_id)
    )
    if already is not None:
        raise LedgerError(f"journal entry {entry_id} is already reversed by entry {already}")
    return _write(uow, reversal_of(original, value_date), posting_date, reverses=entry_id)


def load_entry(uow: UnitOfWork, entry_id: int) -> JournalEntry:
    session = uow.session
    row = session.get(JournalEntryRow, entry_id)
    if row is None:
        raise LedgerError(f"no journal entry {entry_id}")
    lines = session.scalars(
        select(JournalLineRow)
        .where(JournalLineRow.entry_id == entry_id)
        .order_by(JournalLineRow.id)
    )
    return JournalEntry(
        row.event,
        row.value_date,
        row.loan_id,
        tuple(Line(Account(line.account), line.debit, line.credit) for line in lines),
    )


_ENTRIES = Base.metadata.tables["journal_entries"]
_LINES = Base.metadata.tables["journal_lines"]
_INSERT_LINES = insert(_LINES)


def _write(uow: UnitOfWork, entry: JournalEntry, posting_date: date, reverses: int | None) -> int:
    """Two statements (the entry with RETURNING, its lines in one executemany), no ORM unit of
    work: posting is on every payment's path."""
    session = uow.session
    entry_id: int = session.execute(
        insert(_ENTRIES)
        .values(
            loan_id=entry.loan_id,
            event=entry.event,
            value_date=entry.value_date,
            posting_date=posting_date,
            created_at=datetime.now(UTC),
            reverses_id=reverses,
        )
        .returning(_ENTRIES.c.id)
    ).scalar_one()
    session.execute(
        _INSERT_LINES,
        [
            {
                "entry_id": entry_id,
                "loan_id": entry.loan_id,
                "account": line.account.value,
                "debit": line.debit,
                "credit": line.credit,
            }
            for line in entry.lines
        ],
    )
    return entry_id
