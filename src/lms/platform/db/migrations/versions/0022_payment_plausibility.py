"""Each product's plausibility limits for payments: the multiple of all a loan could still owe
above which a payment is refused, and how many days back a value date may go (None: the
defaults, 1.1 and 365 days).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import DecimalText

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("payment_ceiling", DecimalText(), nullable=True))
        batch.add_column(sa.Column("backdate_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("backdate_days")
        batch.drop_column("payment_ceiling")
