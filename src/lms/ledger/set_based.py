"""Writing many entries of one posting rule at once, worked out by the database: for the
daily close's mass steps (accrual, interest falling due), where a million entries built one
by one in Python would take minutes.

`post_linear_sql` takes a query giving, per entry, the loan (`loan_id`, text), the value date
(`value_date`) and the rule's amounts (`a0`, `a1`, ...): on PostgreSQL it numbers the rows
from the entries' sequence in a temporary table, writes the entries in one statement and
their lines in another, the lines computed from the rule's linear map (lms.ledger.linear,
derived from the rule itself and held to it by a test), each entry with the rule's source
for its date. Elsewhere the steps build each entry with the rule itself.

Guarantee: each entry is what the rule gives, with its source, the unit of work's origin and
the posting date; the ledger's guards check the lines as for any entry. Nothing is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from lms.ledger.linear import LinearRule
from lms.platform.db import UnitOfWork


def post_linear_sql(
    uow: UnitOfWork,
    rule: LinearRule,
    source: str,
    params: Mapping[str, Any],
    *,
    posting_date: date,
) -> int:
    """PostgreSQL: one entry of `rule` per row of the query `source` (with `params`), whose
    columns are loan_id, value_date, a0, a1, ...; how many were written."""
    connection = uow.session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE _linear AS SELECT"
        " nextval(pg_get_serial_sequence('journal_entries', 'id'))::integer AS id, s.*"
        f" FROM ({source}) AS s",
        dict(params),
    )
    written = connection.exec_driver_sql(
        "INSERT INTO journal_entries (id, loan_id, event, value_date, posting_date, created_at,"
        f" source, origin) SELECT id, loan_id, %(event)s, value_date, %(posted)s, %(now)s,"
        f" {rule.source_sql('value_date')}, %(origin)s FROM _linear",
        {
            "event": rule.event, "posted": posting_date, "now": datetime.now(UTC),
            "origin": uow.origin,
        },
    ).rowcount  # fmt: skip
    connection.exec_driver_sql(_lines_sql(rule))
    connection.exec_driver_sql("DROP TABLE _linear")
    return int(written or 0)


def _lines_sql(rule: LinearRule) -> str:
    """All the entries' lines in one statement: per entry and account of the rule, the net of
    the amounts by the account's weights, as a debit or a credit, none when zero."""
    count = len(rule.weights[0])
    net = " + ".join(f"t.w{k} * s.a{k}" for k in range(count))
    table = ", ".join(
        f"('{account.value}', {', '.join(map(str, w))})"
        for account, w in zip(rule.accounts, rule.weights, strict=True)
    )
    return (
        "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit)"
        " SELECT s.id, s.loan_id, t.account, greatest(x.net, 0), greatest(-x.net, 0)"
        f" FROM _linear AS s CROSS JOIN (VALUES {table})"
        f" AS t(account, {', '.join(f'w{k}' for k in range(count))})"
        f" CROSS JOIN LATERAL (SELECT {net} AS net) AS x WHERE x.net <> 0"
    )
