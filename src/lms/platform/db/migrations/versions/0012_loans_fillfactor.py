"""Loans stored with room to spare on each page (PostgreSQL fillfactor 70): the daily close
rewrites a loan's stamps (DPD, class, dues raised) every day, and a row rewritten in the room
left on its own page (a heap-only tuple) needs no change to the loan table's seven indexes.
New and rewritten pages follow it; a no-op on SQLite.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 17:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans RESET (fillfactor)")
