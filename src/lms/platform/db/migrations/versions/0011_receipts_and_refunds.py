"""Branch cash and cheque receipts; refund requests with maker-checker.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 16:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("branch_code", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=False),
        sa.Column("collector", sa.String(64), nullable=False),
        sa.Column("cheque_number", sa.String(12), nullable=True),
        sa.Column("cheque_bank", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("number", name=op.f("uq_receipts_number")),
    )
    op.create_index(op.f("ix_receipts_loan_id"), "receipts", ["loan_id"])
    op.create_index(op.f("ix_receipts_collected_on"), "receipts", ["collected_on"])
    op.create_table(
        "refund_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("account_holder", sa.String(140), nullable=False),
        sa.Column("account_number", sa.String(34), nullable=False),
        sa.Column("ifsc", sa.String(11), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payout_file", sa.String(64), nullable=True),
    )
    op.create_index(op.f("ix_refund_requests_loan_id"), "refund_requests", ["loan_id"])
    op.create_index(op.f("ix_refund_requests_status"), "refund_requests", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_refund_requests_status"), table_name="refund_requests")
    op.drop_index(op.f("ix_refund_requests_loan_id"), table_name="refund_requests")
    op.drop_table("refund_requests")
    op.drop_index(op.f("ix_receipts_collected_on"), table_name="receipts")
    op.drop_index(op.f("ix_receipts_loan_id"), table_name="receipts")
    op.drop_table("receipts")
