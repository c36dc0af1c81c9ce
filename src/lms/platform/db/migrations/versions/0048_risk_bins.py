"""Risk: how the loans a model scored spread over its bins, kept at scoring (the dashboard's
stability figures read these instead of the book's features); a score's reason codes are
worked out when read, no longer kept with it; a score's model is no longer checked by a foreign
key (its row-by-row check was a sixth of the time to score a million loans; only scoring
writes scores, with an active model's id, and models are never deleted).

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-04 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | Sequence[str] | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_bins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("risk_models.id"), nullable=False),
        sa.Column("name", sa.String(24), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
    )
    op.create_index("ix_risk_bins_model_id_month", "risk_bins", ["model_id", "month"])
    with op.batch_alter_table("loan_scores") as batch_op:
        batch_op.drop_column("reasons")
        batch_op.drop_constraint("fk_loan_scores_model_id_risk_models", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("loan_scores") as batch_op:
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_foreign_key(
            "fk_loan_scores_model_id_risk_models", "risk_models", ["model_id"], ["id"]
        )
    op.drop_index("ix_risk_bins_model_id_month", table_name="risk_bins")
    op.drop_table("risk_bins")
