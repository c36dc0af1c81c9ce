"""The months whose daily snapshots were thinned to their last day (the snapshots' retention):
a report asked for another day of such a month is refused, not answered with no loans.

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-05 12:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0062"
down_revision: str | Sequence[str] | None = "0061"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "thinned_snapshot_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kept_day", sa.Date(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("thinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_thinned_snapshot_months")),
    )


def downgrade() -> None:
    op.drop_table("thinned_snapshot_months")
