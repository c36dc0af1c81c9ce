"""A gateway order says what its money is for: a repayment (none), or the foreclosure quote
that closes the loan when the money comes.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 00:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | Sequence[str] | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_orders") as batch:
        batch.add_column(sa.Column("purpose", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_orders") as batch:
        batch.drop_column("purpose")
