"""Lending against securities: closing prices of securities, and shares and fund units pledged
on loans.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-05 00:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | Sequence[str] | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_prices",
        sa.Column("isin", sa.String(12), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("price", sa.String(40), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "pledged_securities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("isin", sa.String(12), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("quantity", sa.String(40), nullable=False),
        sa.Column("pledge_reference", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ux_pledged_securities_loan_id_pledge_reference", "pledged_securities",
                    ["loan_id", "pledge_reference"], unique=True)  # fmt: skip


def downgrade() -> None:
    op.drop_table("pledged_securities")
    op.drop_table("security_prices")
