"""Proving the book: checks over the stored ledger that return problems as values.

A loan's lines are found through its entries (the entries' loan index, then the lines' entry
index): a line's loan is its entry's, and the lines carry no loan index of their own, which
would cost an index entry for each of the millions of lines a close writes.

The check walks the entries a range at a time (a million entries, a tenth of a partition of the
lines on PostgreSQL): each range's statements name it, so they read one partition's lines, and
what is held in memory besides the problems found is one range's reversals and their lines,
whatever the size of the book.

Guarantee: `ledger_problems` reads only; it lists every entry whose debits and credits differ,
every line filed under another loan than its entry's, every reversal that does not mirror its
entry, and a trial balance that does not net to zero,
each naming the entry (and loan) concerned. An empty list means the book is sound.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lms.ledger.models import SUSPENSE_LINES, JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    entry_id: int | None
    loan_id: str | None
    message: str


# entries checked at a time: a tenth of a partition of the lines on PostgreSQL (ten million
# entries each, migration 0061), so each range's statements read one partition's lines
ENTRIES_PER_RANGE = 1_000_000


def ledger_problems(session: Session, per_range: int = ENTRIES_PER_RANGE) -> list[LedgerProblem]:
    """Every problem found in the stored ledger, read a range of `per_range` entries at a time
    (the problems of each range in entry order: unbalanced, misfiled, reversals), then the
    trial balance of them all."""
    top = session.scalar(select(func.max(JournalEntryRow.id))) or 0
    problems: list[LedgerProblem] = []
    debits = credits = Decimal(0)
    for low in range(0, top + 1, per_range):
        entries = (low, low + per_range - 1)
        problems += _unbalanced_entries(session, entries)
        problems += _misfiled_lines(session, entries)
        problems += _bad_reversals(session, entries)
        range_debits, range_credits = _totals(session, entries)
        debits, credits = debits + range_debits, credits + range_credits
    if debits != credits:
        message = f"trial balance: debits {debits} differ from credits {credits}"
        problems.append(LedgerProblem(None, None, message))
    return problems


Range = tuple[int, int]


def _misfiled_lines(session: Session, entries: Range) -> list[LedgerProblem]:
    """Lines whose loan is not their entry's (a loan's lines are read through its entries)."""
    rows = session.execute(
        select(JournalLineRow.entry_id, JournalEntryRow.loan_id, JournalLineRow.loan_id)
        .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
        .where(JournalLineRow.entry_id.between(*entries), JournalEntryRow.id.between(*entries))
        .where(JournalLineRow.loan_id.is_distinct_from(JournalEntryRow.loan_id))
        .order_by(JournalLineRow.entry_id)
    )
    return [
        LedgerProblem(entry, loan, f"a line names loan {line_loan}, its entry loan {loan}")
        for entry, loan, line_loan in rows
    ]


def _unbalanced_entries(session: Session, entries: Range) -> list[LedgerProblem]:
    rows = session.execute(
        select(
            JournalLineRow.entry_id,
            JournalEntryRow.loan_id,
            func.sum(JournalLineRow.debit),
            func.sum(JournalLineRow.credit),
        )
        .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
        .where(JournalLineRow.entry_id.between(*entries), JournalEntryRow.id.between(*entries))
        .group_by(JournalLineRow.entry_id, JournalEntryRow.loan_id)
        .order_by(JournalLineRow.entry_id)
    )
    return [
        LedgerProblem(entry, loan, f"debits {debits} differ from credits {credits}")
        for entry, loan, debits, credits in rows
        if debits != credits
    ]


def _bad_reversals(session: Session, entries: Range) -> list[LedgerProblem]:
    """Reversals in the range whose lines are not their original's, mirrored (the originals'
    lines read by their entries, wherever they are)."""
    entry = JournalEntryRow
    in_range = (entry.id.between(*entries), entry.reverses_id.is_not(None))
    reversals = session.execute(
        select(entry.id, entry.reverses_id, entry.loan_id).where(*in_range).order_by(entry.id)
    ).all()
    if not reversals:
        return []
    both = sorted({r for r, _, _ in reversals} | {o for _, o, _ in reversals if o is not None})
    lines: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    line = JournalLineRow
    for start in range(0, len(both), 5_000):  # ids named: only their partitions are read
        for entry_id, account, debit, credit in session.execute(
            select(line.entry_id, line.account, line.debit, line.credit).where(
                line.entry_id.in_(both[start : start + 5_000])
            )
        ):
            lines[entry_id][account] += debit - credit
    problems = []
    for reversal, original, loan in reversals:
        assert original is not None
        mirrored = {a: -v for a, v in lines[original].items() if v}
        if {a: v for a, v in lines[reversal].items() if v} != mirrored:
            problems.append(LedgerProblem(reversal, loan, f"does not mirror entry {original}"))
    return problems


def _totals(session: Session, entries: Range) -> tuple[Decimal, Decimal]:
    debits, credits = session.execute(
        select(
            func.coalesce(func.sum(JournalLineRow.debit), 0),
            func.coalesce(func.sum(JournalLineRow.credit), 0),
        ).where(JournalLineRow.entry_id.between(*entries))
    ).one()
    return Decimal(debits), Decimal(credits)


def account_balances(
    session: Session, loan_id: str | None = None, through: date | None = None
) -> dict[str, Decimal]:
    """Debit-minus-credit balance of every account (of one loan, if given; of the entries
    dated up to `through`, if given)."""
    query = select(
        JournalLineRow.account, func.sum(JournalLineRow.debit), func.sum(JournalLineRow.credit)
    ).group_by(JournalLineRow.account)
    if loan_id is not None:  # the loan's entries by their index, then their lines
        query = query.join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id).where(
            JournalEntryRow.loan_id == loan_id
        )
        if through is not None:
            query = query.where(JournalEntryRow.value_date <= through)
    return {account: debit - credit for account, debit, credit in session.execute(query)}


def suspense_held(uow: UnitOfWork, loan_ids: Sequence[str]) -> dict[str, dict[str, Decimal]]:
    """Debit-minus-credit balance of the suspense accounts (interest and penal) of each of
    `loan_ids` (ids as the ledger keeps them), read from their suspense lines alone (a partial
    index holds them): {loan: {account: balance}} (an account with no line is absent)."""
    found: dict[str, dict[str, Decimal]] = {}
    line = JournalLineRow
    for start in range(0, len(loan_ids), 20_000):
        query = (
            select(line.loan_id, line.account, func.sum(line.debit), func.sum(line.credit))
            .where(among(uow, line.loan_id, loan_ids[start : start + 20_000]))
            .where(text(SUSPENSE_LINES))  # as the index's own predicate: literal, not bound
            .group_by(line.loan_id, line.account)
        )
        for loan, account, debit, credit in uow.session.execute(query):
            found.setdefault(str(loan), {})[account] = debit - credit
    return found
