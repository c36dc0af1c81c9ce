"""A loan event names the charge it forgives: a charge waiver keeps its own reference and the
reference of the charge it waives.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 14:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loan_events") as batch:
        batch.add_column(sa.Column("charge_reference", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_events") as batch:
        batch.drop_column("charge_reference")
