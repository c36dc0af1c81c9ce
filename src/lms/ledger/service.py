"""Storing journal entries: post, reverse, read back. Services take a unit of work and never
commit; the caller does.

Guarantees: only balanced entries are written (the pure rules refuse the others, and on
PostgreSQL the database does too); an entry is reversed at most once (a unique key); nothing is
updated or deleted; every entry records its source within the loan, the loan event it posts,
the event that caused it and the unit of work's origin (api, file, close, migration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.ledger.rules import JournalEntry, LedgerError, Line, reversal_of
from lms.platform.db import Base, UnitOfWork
from lms.platform.db.bulk import insert_rows


@dataclass(frozen=True, slots=True)
class Posting:
    """An entry to write, with the loan event it posts, the event that caused it and the
    entry it reverses (if it is a reversal)."""

    entry: JournalEntry
    event_id: int | None = None
    cause_event_id: int | None = None
    reverses_id: int | None = None


def post_many(uow: UnitOfWork, postings: Sequence[Posting], *, posting_date: date) -> list[int]:
    """Write many postings in two statements (entries, then all their lines); their ids."""
    if not postings:
        return []
    rows = [
        {
            **_row(uow, p.entry, posting_date, p.event_id, _cause(p)),
            "reverses_id": p.reverses_id,
        }
        for p in postings
    ]
    ids = insert_rows(uow, _ENTRIES, rows, ids=True)
    lines = [
        {
            "entry_id": entry_id,
            "loan_id": p.entry.loan_id,
            "account": line.account.value,
            "debit": line.debit,
            "credit": line.credit,
        }
        for entry_id, p in zip(ids, postings, strict=True)
        for line in p.entry.lines
    ]
    insert_rows(uow, _LINES, lines)
    return ids


def _cause(posting: Posting) -> int | None:
    """A new entry caused by nothing else is caused by its own event; a reversal names only
    the event that caused it (none: the close)."""
    if posting.reverses_id is not None:
        return posting.cause_event_id
    return posting.cause_event_id or posting.event_id


def post_entry(
    uow: UnitOfWork,
    entry: JournalEntry,
    *,
    posting_date: date,
    event_id: int | None = None,
    cause_event_id: int | None = None,
) -> int:
    """Write `entry` (posting loan event `event_id`, booked because of `cause_event_id`:
    itself, or a backdated event restating it); returns its id."""
    row = _row(uow, entry, posting_date, event_id, cause_event_id or event_id)
    return _write(uow, entry, row)


def post_entries(
    uow: UnitOfWork,
    entries: Sequence[JournalEntry],
    *,
    posting_date: date,
    event_ids: Sequence[int | None] | None = None,
) -> int:
    """Write many entries in two statements (the entries, then all their lines; by COPY on
    PostgreSQL when there are many); for set-based work such as the daily close. `event_ids`
    gives each entry's loan event, if any. Returns how many were written."""
    if not entries:
        return 0
    sources = event_ids if event_ids is not None else [None] * len(entries)
    rows = [
        _row(uow, e, posting_date, event_id, event_id)
        for e, event_id in zip(entries, sources, strict=True)
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


def reverse_entry(
    uow: UnitOfWork, entry_id: int, *, posting_date: date, cause_event_id: int | None = None
) -> int:
    """Post the mirror of entry `entry_id` on its value date (because of event
    `cause_event_id`); returns the reversal's id. A reversal always carries its entry's value
    date: `live_entries` reads a window of dates and must see both or neither."""
    session = uow.session
    original = load_entry(uow, entry_id)
    already = session.scalar(
        select(JournalEntryRow.id).where(JournalEntryRow.reverses_id == entry_id)
    )
    if already is not None:
        raise LedgerError(f"journal entry {entry_id} is already reversed by entry {already}")
    event_id = session.scalar(
        select(JournalEntryRow.event_id).where(JournalEntryRow.id == entry_id)
    )
    mirror = reversal_of(original, original.value_date)
    row = _row(uow, mirror, posting_date, event_id, cause_event_id)
    return _write(uow, mirror, {**row, "reverses_id": entry_id})


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """A posted entry not reversed: its id, the entry, and the loan event it posts."""

    id: int
    entry: JournalEntry
    event_id: int | None


def live_entries(uow: UnitOfWork, loan_id: str, since: date | None = None) -> dict[str, LiveEntry]:
    """The loan's entries that a replay can restate (those with a source), not reversed, by
    source (`since`: only those dated from that day on; a reversal carries its entry's value
    date). One query, by the loan's index (which entries are reversals, and which are
    reversed, is sorted out here: a condition on them would lead SQLite to scan the book).
    Two live entries with one source are refused (`LedgerError`): one posting of each source
    is what the rules guarantee."""
    entry = JournalEntryRow
    query = (
        select(
            entry.id, entry.event, entry.value_date, entry.source, entry.event_id,
            entry.reverses_id, JournalLineRow.account, JournalLineRow.debit,
            JournalLineRow.credit,
        )
        .join(JournalLineRow, JournalLineRow.entry_id == entry.id)
        .where(entry.loan_id == loan_id)
        .order_by(JournalLineRow.id)
    )  # fmt: skip
    if since is not None:
        query = query.where(entry.value_date >= since)
    heads: dict[int, tuple[str, date, str, int | None]] = {}
    lines: dict[int, list[Line]] = {}
    reversed_ids: set[int] = set()
    for (
        entry_id,
        event,
        value_date,
        source,
        event_id,
        reverses,
        account,
        debit_,
        credit_,
    ) in uow.session.execute(query):
        if reverses is not None:
            reversed_ids.add(reverses)
        elif source is not None:
            heads.setdefault(entry_id, (event, value_date, source, event_id))
            lines.setdefault(entry_id, []).append(Line(Account(account), debit_, credit_))
    found: dict[str, LiveEntry] = {}
    for entry_id, (event, value_date, source, event_id) in heads.items():
        if entry_id in reversed_ids:
            continue
        if source in found:  # a rule was broken somewhere: never pick one of the two silently
            raise LedgerError(
                f"loan {loan_id}: entries {found[source].id} and {entry_id} both post {source}"
            )
        posted = JournalEntry(event, value_date, loan_id, tuple(lines[entry_id]), source)
        found[source] = LiveEntry(entry_id, posted, event_id)
    return found


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
        row.source,
    )


_ENTRIES = Base.metadata.tables["journal_entries"]
_LINES = Base.metadata.tables["journal_lines"]


def _row(
    uow: UnitOfWork,
    entry: JournalEntry,
    posting_date: date,
    event_id: int | None,
    cause_event_id: int | None,
) -> dict[str, object]:
    return {
        "loan_id": entry.loan_id,
        "event": entry.event,
        "value_date": entry.value_date,
        "posting_date": posting_date,
        "created_at": datetime.now(UTC),
        "reverses_id": None,
        "source": entry.source,
        "event_id": event_id,
        "cause_event_id": cause_event_id,
        "origin": uow.origin,
        "actor": uow.actor,
    }


def _write(uow: UnitOfWork, entry: JournalEntry, row: dict[str, object]) -> int:
    """Two statements (the entry with RETURNING, its lines in one multi-row INSERT), no ORM
    unit of work: posting is on every payment's path."""
    session = uow.session
    entry_id: int = session.execute(
        insert(_ENTRIES).values(**row).returning(_ENTRIES.c.id)
    ).scalar_one()
    session.execute(  # one statement: the balance guard checks each statement's lines
        insert(_LINES).values(
            [
                {
                    "entry_id": entry_id,
                    "loan_id": entry.loan_id,
                    "account": line.account.value,
                    "debit": line.debit,
                    "credit": line.credit,
                }
                for line in entry.lines
            ]
        )
    )
    return entry_id
