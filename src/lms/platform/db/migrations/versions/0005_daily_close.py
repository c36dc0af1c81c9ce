"""The daily close: business date, steps done per date and partition, failures, snapshots
(with month-end provisions), each loan's stamped DPD and classification, and whether a
product is secured.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _loan_columns()
    _close_tables()
    _snapshots()
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("secured", sa.Boolean(), nullable=True))
    op.create_table(
        "loan_restatements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("restated_on", sa.Date(), nullable=True),
    )
    op.create_index(op.f("ix_loan_restatements_loan_id"), "loan_restatements", ["loan_id"])
    op.create_index(op.f("ix_loan_installments_due_date"), "loan_installments", ["due_date"])


def _loan_columns() -> None:
    with op.batch_alter_table("loans") as batch_op:
        batch_op.add_column(sa.Column("dpd", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accrued_interest", Money(), nullable=True))
        batch_op.add_column(sa.Column("accrued_through", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("interest_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("asset_class", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("npa_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("asset_category", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_loans_asset_class"), ["asset_class"])


def _close_tables() -> None:
    op.create_table(
        "business_date",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("current", sa.Date(), nullable=False),
    )
    op.create_table(
        "close_steps",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("step", sa.String(length=32), primary_key=True),
        sa.Column("partition", sa.Integer(), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "close_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("parked_by", sa.String(length=64), nullable=True),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_close_failures_day"), "close_failures", ["day"])
    op.create_index(op.f("ix_close_failures_loan_id"), "close_failures", ["loan_id"])


def _snapshots() -> None:
    op.create_table(
        "loan_snapshots",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("loan_id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("principal_due", Money(), nullable=False),
        sa.Column("interest_due", Money(), nullable=False),
        sa.Column("excess", Money(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("asset_class", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("provision", Money(), nullable=True),
        sa.Column("npa_since", sa.Date(), nullable=True),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_loan_installments_due_date"), table_name="loan_installments")
    op.drop_index(op.f("ix_loan_restatements_loan_id"), table_name="loan_restatements")
    op.drop_table("loan_restatements")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("secured")
    op.drop_table("loan_snapshots")
    op.drop_index(op.f("ix_close_failures_loan_id"), table_name="close_failures")
    op.drop_index(op.f("ix_close_failures_day"), table_name="close_failures")
    op.drop_table("close_failures")
    op.drop_table("close_steps")
    op.drop_table("business_date")
    with op.batch_alter_table("loans") as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_asset_class"))
        for name in (
            "asset_category",
            "npa_since",
            "asset_class",
            "interest_from",
            "accrued_through",
            "accrued_interest",
            "dpd",
        ):
            batch_op.drop_column(name)
