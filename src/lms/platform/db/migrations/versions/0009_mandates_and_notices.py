"""NACH / eNACH mandates, the debits presented under them, and the outbox of notices.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 16:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("umrn", sa.String(20), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("amount_type", sa.String(8), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("debtor_name", sa.String(140), nullable=False),
        sa.Column("debtor_account", sa.String(34), nullable=False),
        sa.Column("debtor_ifsc", sa.String(11), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("umrn", name=op.f("uq_mandates_umrn")),
    )
    op.create_index(op.f("ix_mandates_loan_id"), "mandates", ["loan_id"])
    op.create_index(op.f("ix_mandates_status"), "mandates", ["status"])
    op.create_table(
        "presentations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("mandate_id", sa.Integer(), sa.ForeignKey("mandates.id"), nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("presented_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(80), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason_code", sa.String(4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "loan_id",
            "due_date",
            "attempt",
            name=op.f("uq_presentations_loan_id_due_date_attempt"),
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_presentations_reference")),
    )
    for column in ("mandate_id", "loan_id", "presented_on", "status"):
        op.create_index(op.f(f"ix_presentations_{column}"), "presentations", [column])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_notices_loan_id"), "notices", ["loan_id"])
    op.create_index(op.f("ix_notices_status"), "notices", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_status"), table_name="notices")
    op.drop_index(op.f("ix_notices_loan_id"), table_name="notices")
    op.drop_table("notices")
    for column in ("mandate_id", "loan_id", "presented_on", "status"):
        op.drop_index(op.f(f"ix_presentations_{column}"), table_name="presentations")
    op.drop_table("presentations")
    op.drop_index(op.f("ix_mandates_status"), table_name="mandates")
    op.drop_index(op.f("ix_mandates_loan_id"), table_name="mandates")
    op.drop_table("mandates")
