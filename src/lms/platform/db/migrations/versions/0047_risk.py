"""Risk: each loan's month of behaviour, the delinquency models and the loans' scores, early
warning signals, and the risk band on loans, collection cases and strategy steps.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-04 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0047"
down_revision: str | Sequence[str] | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_months",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("max_dpd", sa.Integer(), nullable=False),
        sa.Column("overdue_days", sa.Integer(), nullable=False),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("excess", Money(), nullable=False),
        sa.Column("due", Money(), nullable=False),
        sa.Column("installments_left", sa.Integer(), nullable=False),
        sa.Column("paid", Money(), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("broken_promises", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
    )
    op.create_table(
        "risk_models",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("booster", sa.Text(), nullable=False),
        sa.Column("trained_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("target", "version"),
    )
    op.create_table(
        "loan_scores",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("target", sa.String(8), primary_key=True),
        sa.Column("loan_id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("risk_models.id"), nullable=False),
        sa.Column("pd_ppm", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(2), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
    )

    op.create_table(
        "risk_signals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("signal", sa.String(24), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_risk_signals_loan_id_cleared_on", "risk_signals", ["loan_id", "cleared_on"])
    op.create_index("ix_risk_signals_raised_on", "risk_signals", ["raised_on"])
    op.create_index("ix_loan_events_value_date_loan_id", "loan_events", ["value_date", "loan_id"])
    op.add_column("loans", sa.Column("risk_band", sa.String(1), nullable=True))
    op.add_column("collection_cases", sa.Column("risk_band", sa.String(1), nullable=True))
    op.add_column("collection_strategies", sa.Column("min_band", sa.String(1), nullable=True))


def downgrade() -> None:
    op.drop_column("collection_strategies", "min_band")
    op.drop_column("collection_cases", "risk_band")
    op.drop_column("loans", "risk_band")
    op.drop_index("ix_loan_events_value_date_loan_id", "loan_events")
    op.drop_table("risk_signals")
    op.drop_table("loan_scores")
    op.drop_table("risk_models")
    op.drop_table("loan_months")
