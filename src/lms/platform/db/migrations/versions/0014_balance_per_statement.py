"""The ledger's balance guard on PostgreSQL checks each statement's lines at once instead of
each line at commit: every INSERT (or COPY) into journal_lines must bring, for every entry it
touches, lines whose debits equal their credits. Since lines are never updated or deleted
(append-only), every entry then balances; a commit of a million entries no longer runs three
million look-ups. The ledger writes all the lines of an entry in one statement.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 21:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PER_STATEMENT = """
CREATE FUNCTION lms_statement_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE unbalanced record;
BEGIN
    SELECT entry_id, SUM(debit) - SUM(credit) AS difference INTO unbalanced
    FROM new_lines GROUP BY entry_id HAVING SUM(debit) <> SUM(credit) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance (debits - credits = %)',
            unbalanced.entry_id, unbalanced.difference;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION lms_statement_balances();
"""

_PER_LINE = """
CREATE CONSTRAINT TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lms_entry_balances();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER journal_lines_balance ON journal_lines")
    op.execute(_PER_STATEMENT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER journal_lines_balance ON journal_lines")
    op.execute("DROP FUNCTION lms_statement_balances()")
    op.execute(_PER_LINE)
