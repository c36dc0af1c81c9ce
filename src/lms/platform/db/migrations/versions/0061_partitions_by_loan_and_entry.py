"""The tables that grow with the book partitioned on PostgreSQL by range of their key:

- `loan_installments` and `loan_events` by loan id, a million loans a partition
  (`loan_installments_p0000` holds loans 0-999,999): every reader asks by one loan or by the
  close's range of 50,000 loans, which falls inside one partition;
- `journal_lines` by entry id, ten million entries a partition (`journal_lines_p0000`): entries
  are numbered as they are posted, so a day's lines go to the newest partition, a loan's lines
  are found through its entries' ids, and the ledger check walks the lines a range at a time.

By range, not by hash: a hash spreads the close's range of loans over every partition, so each
of its statements would visit them all. A partition is made when the first loan (or entry) of
its range is inserted, by a statement trigger on `loans` (or `journal_entries`) that reads the
statement's new ids; racing inserts queue on an advisory lock taken only when one is missing.
The line ids become 64-bit (two billion lines is a year of a ten-million-loan book).
The parents' keys, unique constraints and indexes keep their names; the events' key
becomes (id, loan_id), as a partitioned table's key must hold its partition key (the ids stay
unique: one sequence numbers them). SQLite keeps one table each.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-05 12:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0061"
down_revision: str | Sequence[str] | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOANS, ENTRIES = 1_000_000, 10_000_000  # partition widths

_MAKER = """
CREATE FUNCTION lms_range_partitions(schema text, parent text, low bigint, high bigint,
                                     width bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE part text;
BEGIN
    FOR k IN low / width .. high / width LOOP
        part := format('%s_p%s', parent, lpad(k::text, 4, '0'));
        IF to_regclass(format('%I.%I', schema, part)) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext(schema || '.' || parent));
            EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.%I'
                           ' FOR VALUES FROM (%s) TO (%s)',
                           schema, part, schema, parent, k * width, (k + 1) * width);
        END IF;
    END LOOP;
END $$;
CREATE FUNCTION lms_loan_partitions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE low bigint; high bigint;
BEGIN
    SELECT min(id), max(id) INTO low, high FROM new_loans;
    IF high IS NOT NULL THEN
        PERFORM lms_range_partitions(TG_TABLE_SCHEMA, 'loan_installments', low, high, @LOANS);
        PERFORM lms_range_partitions(TG_TABLE_SCHEMA, 'loan_events', low, high, @LOANS);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER loans_partitions AFTER INSERT ON loans REFERENCING NEW TABLE AS new_loans
    FOR EACH STATEMENT EXECUTE FUNCTION lms_loan_partitions();
CREATE FUNCTION lms_entry_partitions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE low bigint; high bigint;
BEGIN
    SELECT min(id), max(id) INTO low, high FROM new_entries;
    IF high IS NOT NULL THEN
        PERFORM lms_range_partitions(TG_TABLE_SCHEMA, 'journal_lines', low, high, @ENTRIES);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_entries_partitions AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION lms_entry_partitions();
"""

# each table: its partition key, width, and what is made on the new table (the parent's
# constraints and indexes keep their names; each partition's own get PostgreSQL's)
_KEYED = {
    "loan_installments": (
        "loan_id",
        LOANS,
        [
            "ALTER TABLE loan_installments ADD CONSTRAINT pk_loan_installments"
            " PRIMARY KEY (loan_id, number)",
            "ALTER TABLE loan_installments ADD CONSTRAINT fk_loan_installments_loan_id_loans"
            " FOREIGN KEY (loan_id) REFERENCES loans (id)",
            "CREATE INDEX ix_loan_installments_due_date_loan_id"
            " ON loan_installments (due_date, loan_id)",
            "CREATE INDEX ix_loan_installments_loan_id_due_date"
            " ON loan_installments (loan_id, due_date)",
        ],
    ),
    "loan_events": (
        "loan_id",
        LOANS,
        [
            "ALTER TABLE loan_events ADD CONSTRAINT pk_loan_events PRIMARY KEY (id, loan_id)",
            "ALTER TABLE loan_events ADD CONSTRAINT uq_loan_events_loan_id_idempotency_key"
            " UNIQUE (loan_id, idempotency_key)",
            "ALTER TABLE loan_events ADD CONSTRAINT uq_loan_events_loan_id_kind_reference"
            " UNIQUE (loan_id, kind, reference)",
            "ALTER TABLE loan_events ADD CONSTRAINT fk_loan_events_loan_id_loans"
            " FOREIGN KEY (loan_id) REFERENCES loans (id)",
            "CREATE INDEX ix_loan_events_loan_id ON loan_events (loan_id)",
            "CREATE INDEX ix_loan_events_reference ON loan_events (reference)",
            "CREATE INDEX ix_loan_events_value_date_loan_id ON loan_events (value_date, loan_id)",
        ],
    ),
    "journal_lines": (
        "entry_id",
        ENTRIES,
        [
            "ALTER TABLE journal_lines ADD CONSTRAINT pk_journal_lines PRIMARY KEY (id, entry_id)",
            "CREATE INDEX ix_journal_lines_entry_id ON journal_lines (entry_id)",
            "CREATE INDEX ix_journal_lines_suspense ON journal_lines (loan_id)"
            " WHERE account IN ('interest_suspense', 'penal_suspense')",
            "CREATE TRIGGER journal_lines_append_only BEFORE DELETE OR UPDATE ON journal_lines"
            " FOR EACH ROW EXECUTE FUNCTION lms_append_only()",
            "CREATE TRIGGER journal_lines_balance AFTER INSERT ON journal_lines"
            " REFERENCING NEW TABLE AS new_lines"
            " FOR EACH STATEMENT EXECUTE FUNCTION lms_statement_balances()",
        ],
    ),
}
_PLAIN_KEYS = {"loan_events": "(id)", "journal_lines": "(id)"}  # the keys before partitioning


def _set_aside(table: str, suffix: str) -> str:
    """The table renamed, its indexes (and so its keys) too, out of the new one's way."""
    old = f"{table}_{suffix}"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    indexes = op.get_bind().exec_driver_sql(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = %(t)s",
        {"t": old},
    )
    for (index,) in indexes.all():
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_{suffix}")
    if table in _PLAIN_KEYS:  # the ids' sequence passes to the new table
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY NONE")
    return old


def _filled(table: str, old: str) -> None:
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(f"DROP TABLE {old}")
    if table in _PLAIN_KEYS:
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")


def _partitioned(table: str) -> None:
    key, width, made = _KEYED[table]
    old = _set_aside(table, "whole")
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
               f" PARTITION BY RANGE ({key})")  # fmt: skip
    if table == "journal_lines":
        op.execute("ALTER TABLE journal_lines ALTER COLUMN id TYPE bigint")
        op.execute("ALTER SEQUENCE journal_lines_id_seq AS bigint")
    for statement in made:
        op.execute(statement)
    ids = "journal_entries" if key == "entry_id" else "loans"  # rows to come name these too
    top = (
        op.get_bind()
        .exec_driver_sql(
            f"SELECT greatest((SELECT max({key}) FROM {old}), (SELECT max(id) FROM {ids}))"
        )
        .scalar()
    )
    if top is not None:  # else the first row's insert makes its partition
        op.execute(f"SELECT lms_range_partitions(current_schema(), '{table}', 0, {top}, {width})")
    _filled(table, old)


def _whole(table: str) -> None:
    old = _set_aside(table, "parts")
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    if table == "journal_lines":
        op.execute("ALTER TABLE journal_lines ALTER COLUMN id TYPE integer")
        op.execute("ALTER SEQUENCE journal_lines_id_seq AS integer")
    for statement in _KEYED[table][2]:
        if table in _PLAIN_KEYS and "PRIMARY KEY" in statement:
            statement = statement.split(" PRIMARY KEY")[0] + f" PRIMARY KEY {_PLAIN_KEYS[table]}"
        op.execute(statement)
    _filled(table, old)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_MAKER.replace("@LOANS", str(LOANS)).replace("@ENTRIES", str(ENTRIES)))
    for table in _KEYED:
        _partitioned(table)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER journal_entries_partitions ON journal_entries")
    op.execute("DROP TRIGGER loans_partitions ON loans")
    for table in _KEYED:
        _whole(table)
    op.execute("DROP FUNCTION lms_entry_partitions(), lms_loan_partitions()")
    op.execute("DROP FUNCTION lms_range_partitions(text, text, bigint, bigint, bigint)")
