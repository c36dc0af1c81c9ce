"""Each loan's principal outstanding (principal not yet repaid, due or not) kept on its row:
the sum over its stored installments, which every writer of them now keeps, so the close's
snapshots stop summing every installment not paid in full each evening.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-05 06:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0058"
down_revision: str | Sequence[str] | None = "0057"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the stored encodings of Money (NUMERIC, or integer 1/10000 units on SQLite) both sum exactly
_BACKFILL = """
UPDATE loans SET principal_outstanding = COALESCE((
    SELECT sum(i.principal - i.principal_paid) FROM loan_installments i
    WHERE i.loan_id = loans.id), 0)
"""


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("principal_outstanding", Money(), nullable=True))
    op.execute(_BACKFILL)
    with op.batch_alter_table("loans") as batch:
        batch.alter_column("principal_outstanding", existing_type=Money(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("principal_outstanding")
