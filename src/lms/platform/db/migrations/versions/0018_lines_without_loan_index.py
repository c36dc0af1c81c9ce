"""Journal lines without an index on their loan.

A loan's lines are read through its entries (the entries' loan index, then the lines' entry
index); a line's loan is always its entry's. The lines' own loan index cost an index entry
for every line written: on the day a whole book falls due, three million of them, 9 s of a
77 s close of a million loans.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 02:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_journal_lines_loan_id", table_name="journal_lines")


def downgrade() -> None:
    op.create_index("ix_journal_lines_loan_id", "journal_lines", ["loan_id"])
