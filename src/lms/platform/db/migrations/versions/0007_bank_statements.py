"""Bank statements imported and their lines (matched to loans, or held in suspense).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 15:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("statement_ref", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_on", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_statements_sha256")),
    )
    op.create_index(op.f("ix_bank_statements_account"), "bank_statements", ["account"])
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "statement_id", sa.Integer(), sa.ForeignKey("bank_statements.id"), nullable=False
        ),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("line_key", sa.String(80), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("bank_reference", sa.String(64), nullable=False),
        sa.Column("narration", sa.Text(), nullable=False),
        sa.Column("payer_name", sa.String(140), nullable=False),
        sa.Column("payer_account", sa.String(64), nullable=False),
        sa.Column("paid_into", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=True),
        sa.Column("rule", sa.String(24), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("suggested_loan_id", sa.Integer(), nullable=True),
        sa.Column("payment_reference", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "account", "line_key", name=op.f("uq_statement_lines_account_line_key")
        ),
    )
    for column in ("statement_id", "payer_account", "status", "loan_id"):
        op.create_index(op.f(f"ix_statement_lines_{column}"), "statement_lines", [column])


def downgrade() -> None:
    for column in ("statement_id", "payer_account", "status", "loan_id"):
        op.drop_index(op.f(f"ix_statement_lines_{column}"), table_name="statement_lines")
    op.drop_table("statement_lines")
    op.drop_index(op.f("ix_bank_statements_account"), table_name="bank_statements")
    op.drop_table("bank_statements")
