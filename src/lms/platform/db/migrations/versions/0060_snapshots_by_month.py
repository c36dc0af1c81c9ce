"""The daily snapshots partitioned by month on PostgreSQL: a million loans add a million rows
a day (two thirds of the book's growth), read a day at a time. Each month is a partition of
its own (`loan_snapshots_yYYYYmMM`, made by the close before the month's first snapshot), so a
day's reads and writes touch one month's table and indexes, and a month past its retention
can be detached or dropped whole. The key (day, loan) and the index of the days' classes
stay as they were, on every partition. SQLite keeps one table.

Revision ID: 0060
Revises: 0059
Create Date: 2026-12-05 10:05:00+00:00
"""

from collections.abc import Sequence
from datetime import date

from alembic import op

revision: str = "0060"
down_revision: str | Sequence[str] | None = "0059"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLASSES = "(day, asset_class, loan_id) WHERE asset_class::text <> 'STD'"


def _month(first: date) -> str:
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        f"CREATE TABLE loan_snapshots_y{first:%Y}m{first:%m} PARTITION OF loan_snapshots"
        f" FOR VALUES FROM ('{first}') TO ('{after}')"
    )


def _set_aside(suffix: str) -> None:
    """The current table renamed, with its key and index, out of the new one's way."""
    op.execute(f"ALTER TABLE loan_snapshots RENAME TO loan_snapshots_{suffix}")
    op.execute(f"ALTER TABLE loan_snapshots_{suffix} RENAME CONSTRAINT pk_loan_snapshots"
               f" TO pk_loan_snapshots_{suffix}")  # fmt: skip
    op.execute(f"ALTER INDEX ix_loan_snapshots_day_asset_class_loan_id"
               f" RENAME TO ix_loan_snapshots_{suffix}_classes")  # fmt: skip


def _keyed() -> None:
    op.execute("ALTER TABLE loan_snapshots ADD CONSTRAINT pk_loan_snapshots"
               " PRIMARY KEY (day, loan_id)")  # fmt: skip
    op.execute(
        f"CREATE INDEX ix_loan_snapshots_day_asset_class_loan_id ON loan_snapshots {_CLASSES}"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside("whole")
    op.execute("CREATE TABLE loan_snapshots (LIKE loan_snapshots_whole INCLUDING DEFAULTS)"
               " PARTITION BY RANGE (day)")  # fmt: skip
    _keyed()
    months = op.get_bind().exec_driver_sql(
        "SELECT DISTINCT date_trunc('month', day)::date FROM loan_snapshots_whole ORDER BY 1"
    )
    for (first,) in months.all():
        op.execute(_month(first))
    op.execute("INSERT INTO loan_snapshots SELECT * FROM loan_snapshots_whole")
    op.execute("DROP TABLE loan_snapshots_whole")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside("by_month")
    op.execute("CREATE TABLE loan_snapshots (LIKE loan_snapshots_by_month INCLUDING DEFAULTS)")
    _keyed()
    op.execute("INSERT INTO loan_snapshots SELECT * FROM loan_snapshots_by_month")
    op.execute("DROP TABLE loan_snapshots_by_month")
