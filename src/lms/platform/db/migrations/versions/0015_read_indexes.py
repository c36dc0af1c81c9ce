"""Indexes for the loan list (lms.close.portfolio).

Loans indexed by branch, product and id instead of by branch alone: the list filtered by
branch (and product) finds, counts and pages its loans in id order from the index; neither
column changes after booking, so the daily close's updates of a loan stay heap-only.

Loans not standard indexed by asset class, branch and id (a partial index: only the loans
the close stamped SMA or NPA): the loan list filtered by asset class, alone or with a branch,
finds and counts its loans without reading the table. Standard loans (most of a book) are
left out, so a loan that stays standard never touches the index and its daily stamps stay
heap-only updates (see migrations 0006 and 0012); a standard filter is dense enough
to be read in id order from the primary key.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_STANDARD = sa.text("asset_class <> 'STD'")


def upgrade() -> None:
    op.create_index(
        "ix_loans_branch_code_product_id_id", "loans", ["branch_code", "product_id", "id"]
    )
    op.drop_index(op.f("ix_loans_branch_code"), table_name="loans")
    op.create_index(
        "ix_loans_asset_class_branch_code_id",
        "loans",
        ["asset_class", "branch_code", "id"],
        postgresql_where=_NOT_STANDARD,
        sqlite_where=_NOT_STANDARD,
    )


def downgrade() -> None:
    op.drop_index("ix_loans_asset_class_branch_code_id", table_name="loans")
    op.create_index(op.f("ix_loans_branch_code"), "loans", ["branch_code"])
    op.drop_index("ix_loans_branch_code_product_id_id", table_name="loans")
