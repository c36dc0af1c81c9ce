"""What suspense holds for a loan, found by the loan: an index of the journal lines on the
suspense accounts alone (the other lines' inserts do not maintain it). The close reads it for
every loan that becomes NPA or is upgraded, where it read every line of the loan's entries.

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-05 07:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0059"
down_revision: str | Sequence[str] | None = "0058"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUSPENSE = sa.text("account IN ('interest_suspense', 'penal_suspense')")


def upgrade() -> None:
    op.create_index("ix_journal_lines_suspense", "journal_lines", ["loan_id"],
                    postgresql_where=_SUSPENSE, sqlite_where=_SUSPENSE)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_journal_lines_suspense", table_name="journal_lines")
