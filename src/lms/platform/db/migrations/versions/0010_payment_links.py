"""Payment requests issued for loans (UPI intent links and their references).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 16:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_links_reference")),
    )
    op.create_index(op.f("ix_payment_links_loan_id"), "payment_links", ["loan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_links_loan_id"), table_name="payment_links")
    op.drop_table("payment_links")
