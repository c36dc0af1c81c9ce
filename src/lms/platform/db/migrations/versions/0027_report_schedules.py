"""Reports sent by e-mail on a schedule after the daily close.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 14:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report", sa.String(32), nullable=False),
        sa.Column("format", sa.String(4), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("branch", sa.String(16), nullable=True),
        sa.Column("branches", sa.JSON(), nullable=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_for", sa.Date(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("report_schedules")
