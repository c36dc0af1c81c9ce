"""Cheaper writes for the daily close's mass steps.

Loans stored half full on PostgreSQL (fillfactor 50, was 70): on a due date or a month end
the close rewrites every loan's dues, accrual and DPD figures in one statement per partition;
a rewritten row fits on its own page only if the page has room for a second version of all
its rows, and then (a heap-only tuple) needs no change to the loan table's indexes. Pages
written from now on follow it; `VACUUM FULL loans` (in a quiet window) rewrites a book's
existing pages at once (docs/postgresql.md).

Journal entries indexed by the loan event they post only where there is one (a partial
index): the close's entries (accruals, dues, provisions) post no event, so each of them now
updates three indexes instead of four; a look-up by event finds the same rows.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT = sa.text("event_id IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans SET (fillfactor = 50)")
    op.drop_index("ix_journal_entries_event_id", table_name="journal_entries")
    op.create_index(
        "ix_journal_entries_event_id",
        "journal_entries",
        ["event_id"],
        postgresql_where=_EVENT,
        sqlite_where=_EVENT,
    )


def downgrade() -> None:
    op.drop_index("ix_journal_entries_event_id", table_name="journal_entries")
    op.create_index("ix_journal_entries_event_id", "journal_entries", ["event_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans SET (fillfactor = 70)")
