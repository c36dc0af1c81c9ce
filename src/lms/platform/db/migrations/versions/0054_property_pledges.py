"""Property mortgaged for loans, and its valuations.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-05 00:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0054"
down_revision: str | Sequence[str] | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "property_pledges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("charge_reference", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "property_valuations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("property_id", sa.Integer(), sa.ForeignKey("property_pledges.id"),
                  nullable=False, index=True),
        sa.Column("valued_on", sa.Date(), nullable=False),
        sa.Column("value", Money(), nullable=False),
        sa.Column("valuer", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("property_valuations")
    op.drop_table("property_pledges")
