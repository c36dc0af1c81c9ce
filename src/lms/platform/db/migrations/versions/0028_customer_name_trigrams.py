"""Customers are found by part of their name through a trigram index on PostgreSQL (pg_trgm,
a trusted extension: the database owner may create it; in the public schema, so books in other
schemas of the database find it); SQLite needs nothing.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 14:50:00+00:00
"""

from collections.abc import Sequence

from alembic import op

from lms.servicing.models import TRIGRAMS

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    op.execute(TRIGRAMS)
    home = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).scalar_one()  # public, unless the lender installed it elsewhere before
    op.execute(
        "CREATE INDEX ix_customers_name_trigram ON customers"
        f' USING gin (lower(name) "{home}".gin_trgm_ops)'
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_customers_name_trigram")
