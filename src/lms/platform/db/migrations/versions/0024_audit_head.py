"""The audit chain's head in one row, which writers lock and advance (one round trip fewer
than an advisory lock and a read of the newest record).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 09:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(
        "INSERT INTO audit_head (id, hash) SELECT 1, COALESCE((SELECT hash FROM audit_records"
        " ORDER BY id DESC LIMIT 1), '" + "0" * 64 + "')"
    )


def downgrade() -> None:
    op.drop_table("audit_head")
