"""Settlements count the money received after the loan's last event when agreed (not money the
owed figure already took); one open settlement per loan, held by a partial unique index.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | Sequence[str] | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("after_event", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE settlements SET after_event = COALESCE((SELECT max(e.id) FROM loan_events e"
        " WHERE e.loan_id = settlements.loan_id AND e.value_date < settlements.agreed_on), 0)"
    )
    op.create_index(
        "ix_settlements_open", "settlements", ["loan_id"], unique=True,
        sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_settlements_open", "settlements")
    with op.batch_alter_table("settlements") as batch:
        batch.drop_column("after_event")
