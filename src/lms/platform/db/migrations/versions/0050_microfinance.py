"""Microfinance: households and their assessed income, centres, joint liability groups and their
members, the loans lent through groups, and centre meetings with their collection sheets; the
products' microfinance and joint liability flags.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-04 23:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0050"
down_revision: str | Sequence[str] | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _made() -> list[sa.Column[object]]:
    return [
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("microfinance", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("joint_liability", sa.Boolean(), nullable=True))
    op.create_table("households", sa.Column("id", sa.Integer(), primary_key=True), *_made())
    op.create_table(
        "household_members",
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), primary_key=True),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("households.id"), nullable=False,
                  index=True),
        sa.Column("added_on", sa.Date(), nullable=False),
    )  # fmt: skip
    op.create_table(
        "household_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("households.id"), nullable=False,
                  index=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("annual_income", Money(), nullable=False),
        sa.Column("other_obligations", Money(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        *_made(),
    )  # fmt: skip
    _centres()
    _meetings()


def _centres() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("branch_code", sa.String(16), sa.ForeignKey("branches.code"), nullable=False,
                  index=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("meeting_time", sa.String(5), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("first_meeting", sa.Date(), nullable=False),
        sa.Column("field_officer", sa.String(80), nullable=False),
        *_made(),
    )  # fmt: skip
    op.create_table(
        "lending_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centre_id", sa.Integer(), sa.ForeignKey("centres.id"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=False),
        *_made(),
    )  # fmt: skip
    op.create_index("ux_lending_groups_centre_id_name", "lending_groups", ["centre_id", "name"],
                    unique=True)  # fmt: skip
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("lending_groups.id"), nullable=False,
                  index=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
    )  # fmt: skip
    op.create_index("ix_group_members_customer_id", "group_members", ["customer_id"])
    op.create_table(
        "group_loans",
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("lending_groups.id"), nullable=False,
                  index=True),
        sa.Column("centre_id", sa.Integer(), sa.ForeignKey("centres.id"), nullable=False,
                  index=True),
    )  # fmt: skip


def _meetings() -> None:
    op.create_table(
        "centre_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centre_id", sa.Integer(), sa.ForeignKey("centres.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("collector", sa.String(80), nullable=False),
        sa.Column("collected", Money(), nullable=False),
        *_made(),
    )
    op.create_index("ux_centre_meetings_centre_id_held_on", "centre_meetings",
                    ["centre_id", "held_on"], unique=True)  # fmt: skip
    op.create_table(
        "meeting_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("centre_meetings.id"),
                  nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, index=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("lending_groups.id"), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("installment", Money(), nullable=False),
        sa.Column("arrears", Money(), nullable=False),
        sa.Column("collected", Money(), nullable=False),
        sa.Column("receipt", sa.String(40), nullable=True),
        sa.Column("cover", Money(), nullable=False),
        sa.Column("cover_receipt", sa.String(40), nullable=True),
    )  # fmt: skip
    op.create_index("ux_meeting_lines_meeting_id_loan_id", "meeting_lines",
                    ["meeting_id", "loan_id"], unique=True)  # fmt: skip


def downgrade() -> None:
    for table in ("meeting_lines", "centre_meetings", "group_loans", "group_members",
                  "lending_groups", "centres", "household_assessments", "household_members",
                  "households"):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("products") as batch:
        batch.drop_column("joint_liability")
        batch.drop_column("microfinance")
