"""Bureau data files of three formats: each file records its format, and member ids of up to
14 characters (the microfinance and commercial formats' own).

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-05 02:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055"
down_revision: str | Sequence[str] | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bureau_reports") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.alter_column("member_id", type_=sa.String(14), existing_type=sa.String(10),
                           existing_nullable=False)  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("bureau_reports") as batch:
        batch.drop_column("kind")
        batch.alter_column("member_id", type_=sa.String(10), existing_type=sa.String(14),
                           existing_nullable=False)  # fmt: skip
