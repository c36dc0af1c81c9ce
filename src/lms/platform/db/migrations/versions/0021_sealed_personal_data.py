"""Personal data sealed at rest: phone, e-mail, date of birth, addresses, PAN and bank
accounts become sealed text (lms.platform.db.sealed); the values already held are sealed
under the keyring's primary key.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:10:00+00:00
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from lms.platform.db.sealed import keyring

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable, type before): each becomes sealed text
SEALED: tuple[tuple[str, str, bool, sa.types.TypeEngine[Any]], ...] = (
    ("customers", "date_of_birth", True, sa.Date()),
    ("customers", "phone", True, sa.String(20)),
    ("customers", "email", True, sa.String(254)),
    ("customers", "addresses", True, sa.JSON()),
    ("loans", "disbursement_account", True, sa.JSON()),
    ("mandates", "debtor_account", False, sa.String(34)),
    ("refund_requests", "account_number", False, sa.String(34)),
    ("statement_lines", "payer_account", False, sa.String(64)),
)


def upgrade() -> None:
    op.drop_index(op.f("ix_statement_lines_payer_account"), table_name="statement_lines")
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in sorted({t for t, *_ in SEALED}):
        with op.batch_alter_table(table) as batch:
            for name, column, nullable, _ in SEALED:
                if name == table:
                    using: dict[str, Any] = (
                        {"postgresql_using": f"{column}::text"} if postgres else {}
                    )
                    batch.alter_column(column, type_=sa.Text(), nullable=nullable, **using)
            if table == "customers":
                batch.add_column(sa.Column("pan", sa.Text(), nullable=True))
    ring = keyring()
    for table, column, *_ in SEALED:
        _rewrite(table, column, lambda v, p: ring.seal(str(v), p))


def _rewrite(table: str, column: str, change: Callable[[object, str], str]) -> None:
    """Each value held (its text: ISO dates, JSON documents as written) changed by `change`."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")
    ).all()
    purpose = f"{table}.{column}"
    update = sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id")
    for start in range(0, len(rows), 10_000):
        batch = rows[start : start + 10_000]
        bind.execute(update, [{"id": i, "value": change(v, purpose)} for i, v in batch])


def downgrade() -> None:
    ring = keyring()
    for table, column, *_ in SEALED:
        _rewrite(table, column, lambda v, p: ring.open(str(v), p))
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in sorted({t for t, *_ in SEALED}):
        with op.batch_alter_table(table) as batch:
            if table == "customers":
                batch.drop_column("pan")
            for name, column, nullable, kind in SEALED:
                if name == table:
                    cast = kind.compile(dialect=op.get_bind().dialect)
                    using: dict[str, Any] = (
                        {"postgresql_using": f"{column}::{cast}"} if postgres else {}
                    )
                    batch.alter_column(column, type_=kind, nullable=nullable, **using)
    op.create_index(op.f("ix_statement_lines_payer_account"), "statement_lines", ["payer_account"])
