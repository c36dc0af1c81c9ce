"""Accounting periods: a period closed refuses journal entries posted on or before its last
day. PostgreSQL checks each INSERT statement's rows at once; SQLite each row.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-04 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | Sequence[str] | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "journal entry posted on % falls in a closed accounting period (closed through %)"
_POSTGRESQL = f"""
CREATE FUNCTION lms_open_period() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE closed date; early date;
BEGIN
    SELECT closed_through INTO closed FROM accounting_periods ORDER BY id DESC LIMIT 1;
    IF closed IS NULL THEN RETURN NULL; END IF;
    SELECT MIN(posting_date) INTO early FROM new_entries;
    IF early <= closed THEN
        RAISE EXCEPTION '{_MESSAGE}', early, closed;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_open_period AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION lms_open_period();
"""
_SQLITE = """
CREATE TRIGGER journal_entries_open_period BEFORE INSERT ON journal_entries
WHEN NEW.posting_date <= (SELECT closed_through FROM accounting_periods ORDER BY id DESC LIMIT 1)
BEGIN
    SELECT RAISE(ABORT, 'journal entry falls in a closed accounting period');
END
"""


def upgrade() -> None:
    op.create_table(
        "accounting_periods",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("closed_through", sa.Date(), nullable=False),
        sa.Column("closed_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL)
    else:
        op.execute(_SQLITE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER journal_entries_open_period ON journal_entries")
        op.execute("DROP FUNCTION lms_open_period()")
    else:
        op.execute("DROP TRIGGER journal_entries_open_period")
    op.drop_table("accounting_periods")
