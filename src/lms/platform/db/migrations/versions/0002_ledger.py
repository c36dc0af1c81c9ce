"""The ledger: journal entries and lines, append-only, balanced at commit on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms.platform.db.types import Money

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES_BALANCE = """
CREATE FUNCTION lms_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE difference numeric;
BEGIN
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO difference
    FROM journal_lines WHERE entry_id = NEW.entry_id;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (debits - credits = %)',
            NEW.entry_id, difference;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lms_entry_balances();
CREATE FUNCTION lms_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (post a reversal)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION lms_append_only();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION lms_append_only();
"""

_SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER {table}_append_only_{action} BEFORE {action.upper()} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {action} on {table} refused'); END"""
    for table in ("journal_entries", "journal_lines")
    for action in ("update", "delete")
]


def upgrade() -> None:
    """Create the ledger tables and their guards."""
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.String(64), nullable=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("posting_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverses_id", sa.Integer(), sa.ForeignKey("journal_entries.id"), nullable=True),
        sa.UniqueConstraint("reverses_id"),
    )
    op.create_index("ix_journal_entries_loan_id", "journal_entries", ["loan_id"])
    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("journal_entries.id"), nullable=False),
        sa.Column("loan_id", sa.String(64), nullable=True),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("debit", Money(), nullable=False),
        sa.Column("credit", Money(), nullable=False),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name="not_negative"),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side"
        ),
    )
    op.create_index("ix_journal_lines_entry_id", "journal_lines", ["entry_id"])
    op.create_index("ix_journal_lines_loan_id", "journal_lines", ["loan_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_BALANCE)
    elif op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    """Drop the ledger (only an empty or test database should ever be downgraded)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER journal_lines_balance ON journal_lines")
        op.execute("DROP TRIGGER journal_lines_append_only ON journal_lines")
        op.execute("DROP TRIGGER journal_entries_append_only ON journal_entries")
        op.execute("DROP FUNCTION lms_entry_balances()")
        op.execute("DROP FUNCTION lms_append_only()")
    op.drop_table("journal_lines")
    op.drop_table("journal_entries")
