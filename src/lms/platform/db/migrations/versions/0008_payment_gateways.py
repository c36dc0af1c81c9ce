"""Payment gateways: orders created for loans, webhook events taken, settlement reports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("order_ref", sa.String(64), nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("receipt", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payment_ref", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("order_ref", name=op.f("uq_payment_orders_order_ref")),
    )
    op.create_index(op.f("ix_payment_orders_loan_id"), "payment_orders", ["loan_id"])
    op.create_table(
        "gateway_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(80), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("payment_ref", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "gateway", "event_key", name=op.f("uq_gateway_events_gateway_event_key")
        ),
    )
    op.create_table(
        "gateway_settlements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("settlement_ref", sa.String(64), nullable=False),
        sa.Column("payment_ref", sa.String(64), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("fee", Money(), nullable=False),
        sa.Column("tax", Money(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint(
            "gateway",
            "settlement_ref",
            "payment_ref",
            name=op.f("uq_gateway_settlements_gateway_settlement_ref_payment_ref"),
        ),
    )
    op.create_index(
        op.f("ix_gateway_settlements_payment_ref"), "gateway_settlements", ["payment_ref"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_gateway_settlements_payment_ref"), table_name="gateway_settlements")
    op.drop_table("gateway_settlements")
    op.drop_table("gateway_events")
    op.drop_index(op.f("ix_payment_orders_loan_id"), table_name="payment_orders")
    op.drop_table("payment_orders")
