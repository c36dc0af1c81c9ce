"""A restructure's new due day (the day of the month its installments move to) and frequency.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-04 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | Sequence[str] | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loan_events") as batch:
        batch.add_column(sa.Column("due_day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("frequency", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_events") as batch:
        batch.drop_column("frequency")
        batch.drop_column("due_day")
