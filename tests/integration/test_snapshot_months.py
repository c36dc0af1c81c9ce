"""The daily snapshots on PostgreSQL are partitioned by month: the close makes each month's
partition before its first snapshot, a day's rows land in their month's, a day's read touches
that month's alone (EXPLAIN), and the migration moves snapshots already written into their
months and back (downgrade) without losing one.

The book (lms test books): nine loans of 1,00,000, the business date 26 Nov 2026 closed once,
then closed through 2 Dec: 26-30 Nov in November's partition, 1-2 Dec in December's.
"""

from __future__ import annotations

from datetime import date

import psycopg
from book_setup import nine_loans_closed
from sqlalchemy import make_url

from lms.close.runner import close_until
from lms.platform.db import make_engine
from lms.platform.db.migrate import downgrade, upgrade


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as connection:  # the test's schema searched first
        return [tuple(row) for row in connection.execute(sql).fetchall()]


BY_PARTITION = (
    "SELECT tableoid::regclass::text, min(day), max(day), count(*) FROM loan_snapshots"
    " GROUP BY 1 ORDER BY 1"
)


def test_the_close_writes_each_month_into_its_own_partition(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    sessions = nine_loans_closed(postgres_url, engine)
    close_until(sessions, date(2026, 12, 2))
    engine.dispose()
    assert _rows(postgres_url, BY_PARTITION) == [  # 8 loans active (loan 9 not paid out)
        ("loan_snapshots_y2026m11", date(2026, 11, 26), date(2026, 11, 30), 40),
        ("loan_snapshots_y2026m12", date(2026, 12, 1), date(2026, 12, 2), 16),
    ]
    plan = _rows(postgres_url, "EXPLAIN SELECT count(*) FROM loan_snapshots"
                               " WHERE day = '2026-12-01'")  # fmt: skip
    scanned = " ".join(str(line[0]) for line in plan)
    assert "loan_snapshots_y2026m12" in scanned
    assert "loan_snapshots_y2026m11" not in scanned


def test_the_migration_moves_written_snapshots_into_months_and_back(postgres_url: str) -> None:
    upgrade(postgres_url, "0059")
    rows = [(date(2026, 10, 31), 1), (date(2026, 11, 1), 1), (date(2026, 11, 1), 2)]
    values = ", ".join(
        f"('{day}', {loan}, 'active', 100, 0, 0, 0, 0, 'STD', 'standard')" for day, loan in rows
    )
    _rows(postgres_url, "INSERT INTO loan_snapshots (day, loan_id, status, principal_outstanding,"
                        " principal_due, interest_due, excess, dpd, asset_class, category)"
                        f" VALUES {values} RETURNING day")  # fmt: skip
    upgrade(postgres_url)
    assert _rows(postgres_url, BY_PARTITION) == [
        ("loan_snapshots_y2026m10", date(2026, 10, 31), date(2026, 10, 31), 1),
        ("loan_snapshots_y2026m11", date(2026, 11, 1), date(2026, 11, 1), 2),
    ]
    downgrade(postgres_url, "0059")
    assert _rows(postgres_url, BY_PARTITION) == [
        ("loan_snapshots", date(2026, 10, 31), date(2026, 11, 1), 3)
    ]
