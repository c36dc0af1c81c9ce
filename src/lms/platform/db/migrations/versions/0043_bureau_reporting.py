"""Credit bureau reporting: the customer's gender, the product's bureau account type, the day
a recovery suit was filed, the files written, the bureaus' errors queued for correction and
the intimations before a first default is reported.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-04 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | Sequence[str] | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("gender", sa.String(1), nullable=True))
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("bureau_type", sa.String(2), nullable=True))
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("suit_filed_on", sa.Date(), nullable=True))
    _reports()
    _corrections()
    _intimations()


def _reports() -> None:
    op.create_table(
        "bureau_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.Date(), nullable=False, index=True),
        sa.Column("bureau", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(10), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("left_out", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _corrections() -> None:
    op.create_table(
        "bureau_corrections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("bureau", sa.String(16), nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=True, index=True),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("segment", sa.String(4), nullable=False),
        sa.Column("field", sa.String(4), nullable=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("corrected_on", sa.Date(), nullable=True),
        sa.Column("corrected_by", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _intimations() -> None:
    op.create_table(
        "bureau_intimations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("overdue_since", sa.Date(), nullable=False),
        sa.Column("told_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("loan_id", "overdue_since"),
    )


def downgrade() -> None:
    op.drop_table("bureau_intimations")
    op.drop_table("bureau_corrections")
    op.drop_table("bureau_reports")
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("suit_filed_on")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("bureau_type")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("gender")
