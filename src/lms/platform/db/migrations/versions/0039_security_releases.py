"""The release of closed secured loans' security: documents returned, the charge removed, the
extension for lost documents.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 01:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | Sequence[str] | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loans.id"), nullable=False, unique=True),
        sa.Column("extended_because", sa.Text(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("charge_removed_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(80), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("security_releases")
