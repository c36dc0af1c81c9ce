"""Write-offs and one-time settlements: the day a loan left the books and how (technical, full,
settlement), and the settlements agreed with their instalment plans.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 17:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db import Money

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("written_off_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("write_off_kind", sa.String(12), nullable=True))
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("owed", Money(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("asked_by", sa.String(80), nullable=False),
        sa.Column("approved_by", sa.String(80), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("paid", Money(), nullable=False),
        sa.Column("waived", Money(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_settlements_loan_id", "settlements", ["loan_id"])
    op.create_index("ix_settlements_status", "settlements", ["status"])


def downgrade() -> None:
    op.drop_index("ix_settlements_status", "settlements")
    op.drop_index("ix_settlements_loan_id", "settlements")
    op.drop_table("settlements")
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("write_off_kind")
        batch.drop_column("written_off_on")
