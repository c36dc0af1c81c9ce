"""Customers are found by part of their name through a trigram index on PostgreSQL (pg_trgm,
a trusted extension: the database owner may create it); SQLite needs nothing.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 14:50:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_customers_name_trigram ON customers USING gin (lower(name) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_customers_name_trigram")
