"""Co-lending: arrangements with partner lenders, the loans lent under them, and the daily
settlements with the partner.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-05 00:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0051"
down_revision: str | Sequence[str] | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "colending_arrangements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("partner", sa.String(120), nullable=False),
        sa.Column("partner_share", sa.String(40), nullable=False),
        sa.Column("partner_rate", sa.String(40), nullable=False),
        sa.Column("own_rate", sa.String(40), nullable=False),
        sa.Column("fee_share", sa.String(40), nullable=False),
        sa.Column("escrow_account", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "colent_loans",
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), primary_key=True),
        sa.Column("arrangement_id", sa.Integer(), sa.ForeignKey("colending_arrangements.id"),
                  nullable=False, index=True),
        sa.Column("partner_share", sa.String(40), nullable=False),
        sa.Column("partner_rate", sa.String(40), nullable=False),
        sa.Column("own_rate", sa.String(40), nullable=False),
        sa.Column("fee_share", sa.String(40), nullable=False),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
    )  # fmt: skip
    op.create_table(
        "colending_settlements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("arrangement_id", sa.Integer(), sa.ForeignKey("colending_arrangements.id"),
                  nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("principal", Money(), nullable=False),
        sa.Column("interest", Money(), nullable=False),
        sa.Column("charges", Money(), nullable=False),
        sa.Column("held", Money(), nullable=False),
        sa.Column("net", Money(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )  # fmt: skip
    op.create_index("ux_colending_settlements_arrangement_id_day", "colending_settlements",
                    ["arrangement_id", "day"], unique=True)  # fmt: skip


def downgrade() -> None:
    for table in ("colending_settlements", "colent_loans", "colending_arrangements"):
        op.drop_table(table)
