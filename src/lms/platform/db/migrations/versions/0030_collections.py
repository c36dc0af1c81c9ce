"""Collections: a case per borrower behind on their loans, its history, promises to pay and
the outcomes of calls and visits.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 15:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db import Money

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _cases()
    _events()
    _promises()
    _outcomes()


def _cases() -> None:
    op.create_table(
        "collection_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("branch_code", sa.String(16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("worst_bucket", sa.Integer(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("overdue", Money(), nullable=False),
        sa.Column("agent", sa.String(80), nullable=True),
        sa.Column("broken_promises", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_collection_cases_customer_id", "collection_cases", ["customer_id"])
    op.create_index("ix_collection_cases_branch_code", "collection_cases", ["branch_code"])
    op.create_index("ix_collection_cases_agent", "collection_cases", ["agent"])
    op.create_index(
        "ix_collection_cases_open", "collection_cases", ["customer_id"], unique=True,
        sqlite_where=sa.text("closed_on IS NULL"), postgresql_where=sa.text("closed_on IS NULL"),
    )  # fmt: skip


def _events() -> None:
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("collection_cases.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])


def _promises() -> None:
    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("collection_cases.id"), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("promised_for", sa.Date(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("made_by", sa.String(80), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("paid", Money(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_promises_case_id", "promises", ["case_id"])
    op.create_index("ix_promises_promised_for", "promises", ["promised_for"])
    op.create_index("ix_promises_status", "promises", ["status"])


def _outcomes() -> None:
    op.create_table(
        "case_outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("collection_cases.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("disposition", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("latitude", sa.String(16), nullable=True),
        sa.Column("longitude", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_outcomes_case_id", "case_outcomes", ["case_id"])


def downgrade() -> None:
    for table in ("case_outcomes", "promises", "case_events", "collection_cases"):
        op.drop_table(table)
