"""Collateral: the gold price series, items pledged on loans, daily loan-to-value checks and
margin calls.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-04 21:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0049"
down_revision: str | Sequence[str] | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gold_prices",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("price", Money(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "collateral_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.String(120), nullable=False),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("gross_grams", sa.String(40), nullable=False),
        sa.Column("net_grams", sa.String(40), nullable=False),
        sa.Column("carats", sa.String(40), nullable=False),
        sa.Column("assay_certificate", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(80), nullable=True),
        sa.Column("acknowledgement", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ux_collateral_items_loan_id_assay_certificate",
        "collateral_items",
        ["loan_id", "assay_certificate"],
        unique=True,
    )
    op.create_table(
        "ltv_checks",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), primary_key=True),
        sa.Column("price", sa.String(40), nullable=False),
        sa.Column("value", Money(), nullable=False),
        sa.Column("owed", Money(), nullable=False),
        sa.Column("ltv", sa.String(40), nullable=False),
        sa.Column("ceiling", sa.String(40), nullable=False),
    )
    op.create_table(
        "margin_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("ltv", sa.String(40), nullable=False),
        sa.Column("ceiling", sa.String(40), nullable=False),
        sa.Column("pay_down", Money(), nullable=False),
        sa.Column("more_value", Money(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_margin_calls_loan_id_closed_on", "margin_calls", ["loan_id", "closed_on"])


def downgrade() -> None:
    op.drop_index("ix_margin_calls_loan_id_closed_on", table_name="margin_calls")
    op.drop_index("ux_collateral_items_loan_id_assay_certificate", table_name="collateral_items")
    for table in ("margin_calls", "ltv_checks", "collateral_items", "gold_prices"):
        op.drop_table(table)
