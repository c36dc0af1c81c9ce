"""Messages on every channel: a notice names its channel, customer, template version,
language, business date, the provider's id and its delivery; borrowers' channel opt-outs; a
customer's language.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 15:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(10), server_default="email",
                                   nullable=False))  # fmt: skip
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lang", sa.String(2), nullable=True))
        batch.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("provider_ref", sa.String(128), nullable=True))
        batch.add_column(sa.Column("delivery", sa.String(10), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_notices_customer_id", ["customer_id"])
        batch.create_index("ix_notices_provider_ref", ["provider_ref"])
    op.execute(
        "UPDATE notices SET customer_id = (SELECT customer_id FROM loans WHERE loans.id = loan_id)"
    )
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=True))
    op.create_table(
        "channel_opt_outs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "channel"),
    )
    op.create_index("ix_channel_opt_outs_customer_id", "channel_opt_outs", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_opt_outs_customer_id", "channel_opt_outs")
    op.drop_table("channel_opt_outs")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_provider_ref")
        batch.drop_index("ix_notices_customer_id")
        for name in ("delivered_at", "delivery", "provider_ref", "day", "lang", "version",
                     "channel", "customer_id"):  # fmt: skip
            batch.drop_column(name)
