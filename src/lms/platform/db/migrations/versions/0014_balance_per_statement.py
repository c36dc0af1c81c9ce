"""The ledger's guards on PostgreSQL check each statement's rows at once instead of each row:
every INSERT (or COPY) into journal_lines must bring, for every entry it touches, lines whose
debits equal their credits, and name entries that exist; every insert into journal_entries
must reverse only entries that exist. Since nothing is ever updated or deleted
(append-only), every entry then balances and every reference holds, as the foreign keys they
replace guaranteed; a close writing a million entries no longer runs three million look-ups
and row locks. The ledger writes all the lines of an entry in one statement.

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
    SELECT n.entry_id INTO unbalanced FROM (SELECT DISTINCT entry_id FROM new_lines) AS n
    WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = n.entry_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not exist', unbalanced.entry_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION lms_statement_balances();
CREATE FUNCTION lms_statement_reversals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing integer;
BEGIN
    SELECT n.reverses_id INTO missing FROM new_entries n
    WHERE n.reverses_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = n.reverses_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not exist (to be reversed)', missing;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_reversals AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION lms_statement_reversals();
ALTER TABLE journal_lines DROP CONSTRAINT fk_journal_lines_entry_id_journal_entries;
ALTER TABLE journal_entries DROP CONSTRAINT fk_journal_entries_reverses_id_journal_entries;
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
    op.execute("DROP TRIGGER journal_entries_reversals ON journal_entries")
    op.execute("DROP FUNCTION lms_statement_reversals()")
    op.execute(_PER_LINE)
    op.create_foreign_key(
        "fk_journal_lines_entry_id_journal_entries", "journal_lines", "journal_entries",
        ["entry_id"], ["id"],
    )  # fmt: skip
    op.create_foreign_key(
        "fk_journal_entries_reverses_id_journal_entries", "journal_entries", "journal_entries",
        ["reverses_id"], ["id"],
    )  # fmt: skip
