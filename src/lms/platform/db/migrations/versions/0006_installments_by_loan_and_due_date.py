"""Installments indexed by loan and due date (the daily close finds each loan's next dues by
it, partition by partition), instead of by due date alone; loans no longer indexed by asset
class (a column of a handful of values that the close rewrites: the index only slowed it).
Loans paid out and never stamped by a close get the first stamp (DPD 0, standard), as new
loans now do when paid out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_loan_installments_due_date"), table_name="loan_installments")
    op.create_index(
        "ix_loan_installments_loan_id_due_date", "loan_installments", ["loan_id", "due_date"]
    )
    op.drop_index(op.f("ix_loans_asset_class"), table_name="loans")
    op.execute(
        "UPDATE loans SET dpd = 0, asset_class = 'STD', asset_category = 'standard'"
        " WHERE asset_class IS NULL AND status <> 'approved'"
    )


def downgrade() -> None:
    op.create_index(op.f("ix_loans_asset_class"), "loans", ["asset_class"])
    op.drop_index("ix_loan_installments_loan_id_due_date", table_name="loan_installments")
    op.create_index(op.f("ix_loan_installments_due_date"), "loan_installments", ["due_date"])
