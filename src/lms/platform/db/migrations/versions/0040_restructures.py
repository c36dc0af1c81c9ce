"""Restructures: a restructure event's new number of installments, and on the loan the mark
the classification keeps (when, why, and until when an NPA stays NPA); a product's charges by
rule.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db import Money

revision: str = "0040"
down_revision: str | Sequence[str] | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("charge_rules", sa.JSON(), nullable=True))
    with op.batch_alter_table("loan_events") as batch:
        batch.add_column(sa.Column("installments", sa.Integer(), nullable=True))
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("restructured_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("restructure_reason", sa.String(24), nullable=True))
        batch.add_column(sa.Column("specified_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("npa_held_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("capitalised_interest", Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("capitalised_interest")
        batch.drop_column("npa_held_until")
        batch.drop_column("specified_until")
        batch.drop_column("restructure_reason")
        batch.drop_column("restructured_on")
    with op.batch_alter_table("loan_events") as batch:
        batch.drop_column("installments")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("charge_rules")
