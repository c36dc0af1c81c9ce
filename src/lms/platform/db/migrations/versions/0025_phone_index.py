"""Customers' phones get a blind index (lms.platform.db.sealed), so staff find a borrower by
phone without opening every row; the phones already held are indexed.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 12:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.sealed import keyring, phone_digits

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("phone_index", sa.String(64), nullable=True))
        batch.create_index("ix_customers_phone_index", ["phone_index"])
    bind = op.get_bind()
    ring = keyring()
    rows = bind.execute(sa.text("SELECT id, phone FROM customers WHERE phone IS NOT NULL")).all()
    found = []
    for customer_id, sealed in rows:
        digits = phone_digits(ring.open(sealed, "customers.phone"))
        if digits is not None:
            found.append({"id": customer_id, "ix": ring.blind_index(digits, "customers.phone")})
    if found:
        bind.execute(sa.text("UPDATE customers SET phone_index = :ix WHERE id = :id"), found)


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_phone_index")
        batch.drop_column("phone_index")
