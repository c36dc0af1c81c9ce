"""Top-ups: the loan whose payout paid a loan off; a product's small-balance threshold; the
last installment a loan's moratorium defers.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-04 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db import Money

revision: str = "0041"
down_revision: str | Sequence[str] | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("topped_up_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("relief_until", sa.Date(), nullable=True))
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("small_balance", Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("small_balance")
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("relief_until")
        batch.drop_column("topped_up_by")
