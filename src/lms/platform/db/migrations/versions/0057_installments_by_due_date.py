"""Installments found by due date within a range of loans: the close's reminders ask, for
each partition of loans, which installments fall due on three or four given days; the
(loan, due date) index can only read every installment of the partition's loans to answer.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-05 03:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0057"
down_revision: str | Sequence[str] | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_loan_installments_due_date_loan_id", "loan_installments", ["due_date", "loan_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_loan_installments_due_date_loan_id", table_name="loan_installments")
