"""Gold auctions: the notice, failed attempts, the sale and its surplus refunded.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-05 00:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0052"
down_revision: str | Sequence[str] | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gold_auctions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("earliest_on", sa.Date(), nullable=False),
        sa.Column("overdue", Money(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=True),
        sa.Column("buyer", sa.String(120), nullable=True),
        sa.Column("value", Money(), nullable=True),
        sa.Column("reserve", Money(), nullable=True),
        sa.Column("proceeds", Money(), nullable=True),
        sa.Column("applied", Money(), nullable=True),
        sa.Column("surplus", Money(), nullable=True),
        sa.Column("surplus_due_by", sa.Date(), nullable=True),
        sa.Column("refunded_on", sa.Date(), nullable=True),
        sa.Column("refund_reference", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gold_auctions")
