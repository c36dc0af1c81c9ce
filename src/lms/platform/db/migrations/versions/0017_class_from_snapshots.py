"""The loan list's asset-class index moves from the loans to the day's snapshots.

An index on the loan's asset class made every change of class rewrite the loan's row and all
its index entries (no heap-only update can change an indexed column): harmless while a few
loans change class a day, but on a due date a whole book turns SMA-0 at the day-end, and
those rewrites were a third of that close (38 s of 110 s for a million loans). A snapshot row
is written once per loan and day with its class and never updated, so the same partial index
on (day, asset class, loan) of the loans not standard costs one index entry as it is written,
and the list filtered by class finds the loans the last closed day stamped from it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 01:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_STANDARD = sa.text("asset_class <> 'STD'")


def upgrade() -> None:
    _not_standard("loan_snapshots", ["day", "asset_class", "loan_id"])
    op.drop_index("ix_loans_asset_class_branch_code_id", table_name="loans")


def downgrade() -> None:
    _not_standard("loans", ["asset_class", "branch_code", "id"])
    op.drop_index("ix_loan_snapshots_day_asset_class_loan_id", table_name="loan_snapshots")


def _not_standard(table: str, columns: list[str]) -> None:
    """The partial index of `table`'s rows not standard on `columns`, named after them."""
    name = f"ix_{table}_{'_'.join(columns)}"
    op.create_index(
        name, table, columns, postgresql_where=_NOT_STANDARD, sqlite_where=_NOT_STANDARD
    )
