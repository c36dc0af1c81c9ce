"""Ledger tables: journal entries and their lines, append-only.

Guarantees: a line is a debit or a credit of a non-negative exact amount (check constraints);
rows are never updated or deleted (triggers refuse it, on PostgreSQL and SQLite, see migration
0002); on PostgreSQL a statement-level trigger refuses any statement whose lines leave an entry
unbalanced or name a missing entry, even if Python has a bug (migration 0014).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, Money


class JournalEntryRow(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (  # only entries that post an event: the close's mass entries skip it
        Index(
            "ix_journal_entries_event_id",
            "event_id",
            postgresql_where=text("event_id IS NOT NULL"),
            sqlite_where=text("event_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(32))
    value_date: Mapped[date] = mapped_column(Date)
    posting_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    # what the entry posts within its loan ("payment:UTR1", "due:2026-03-05", "charge:bounce:X");
    # None for entries that no replay restates (accruals, NPA moves, provisions, suspense)
    source: Mapped[str | None] = mapped_column(String(96))
    event_id: Mapped[int | None] = mapped_column(Integer)  # the loan event posted
    # the event whose booking made this entry: itself, or a backdated payment or a reversal
    # that restated an earlier entry (which is reversed by an entry with the same cause)
    cause_event_id: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(16))  # api, file, close, migration
    actor: Mapped[str | None] = mapped_column(String(80))  # who asked (None: the system)


SUSPENSE_LINES = "account IN ('interest_suspense', 'penal_suspense')"


class JournalLineRow(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="not_negative"),
        CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side"
        ),
        # what suspense holds for a loan, read when loans become NPA or are upgraded: only the
        # suspense lines are in it, so the other lines' inserts do not maintain it
        Index(
            "ix_journal_lines_suspense",
            "loan_id",
            postgresql_where=text(SUSPENSE_LINES),
            sqlite_where=text(SUSPENSE_LINES),
        ),
    )

    # 64-bit on PostgreSQL (a ten-million-loan book writes two billion lines a year); SQLite's
    # own row ids are 64-bit integers already
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    # its entry's loan (a loan's lines are read through its entries: no index of its own but
    # for its suspense lines)
    loan_id: Mapped[str | None] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(32))
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)


class AccountingPeriod(Base):
    """An accounting period closed: no entry may be posted on or before `closed_through` (the
    latest row is in force; a trigger refuses such entries on PostgreSQL and SQLite alike)."""

    __tablename__ = "accounting_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    closed_through: Mapped[date] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
