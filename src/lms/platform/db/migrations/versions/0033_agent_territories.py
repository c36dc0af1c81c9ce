"""Agents by area: the PIN codes each collections agent covers, and the PIN code of each case.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 17:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch:
        batch.add_column(sa.Column("pin_code", sa.String(6), nullable=True))
    op.create_table(
        "agent_territories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("pin_code", sa.String(6), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "pin_code"),
    )
    op.create_index("ix_agent_territories_username", "agent_territories", ["username"])


def downgrade() -> None:
    op.drop_index("ix_agent_territories_username", "agent_territories")
    op.drop_table("agent_territories")
    with op.batch_alter_table("collection_cases") as batch:
        batch.drop_column("pin_code")
