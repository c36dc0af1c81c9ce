"""Writing many entries of one posting rule at once, worked out by the database: for the
daily close's mass steps (accrual, interest falling due), where a million entries built one
by one in Python would take a minute.

`post_linear` takes, per entry, the loan, the value date and the rule's amounts. On
PostgreSQL it writes the entries in one statement and their lines in another, the lines
computed in SQL from the rule's linear map (lms.ledger.linear, derived from the rule itself
and held to it by a test); elsewhere it builds each entry with the rule and writes them with
`post_entries`. Either way each entry is what the rule gives, with its source, the unit of
work's origin and the posting date; the ledger's guards check the lines as for any entry.
Nothing is committed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text

from lms.ledger.linear import LinearRule
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork

Row = tuple[str, date, Sequence[Decimal]]  # loan, value date, the rule's amounts


def post_linear(
    uow: UnitOfWork, rule: LinearRule, rows: Sequence[Row], *, posting_date: date
) -> int:
    """Write one entry of `rule` per row; how many were written."""
    if not rows:
        return 0
    if uow.session.get_bind().dialect.name != "postgresql":
        entries = [rule.build(loan, day, amounts) for loan, day, amounts in rows]
        return post_entries(uow, entries, posting_date=posting_date)
    connection = uow.session.connection()
    ids = list(
        connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('journal_entries', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    sources = {day: rule.source(day) for day in {day for _, day, _ in rows}}
    loans = [loan for loan, _, _ in rows]
    connection.exec_driver_sql(
        "INSERT INTO journal_entries (id, loan_id, event, value_date, posting_date, created_at,"
        " source, origin) SELECT s.id, s.loan, %(event)s, s.day, %(posted)s, %(now)s, s.source,"
        " %(origin)s FROM unnest(%(ids)s::integer[], %(loans)s::varchar[], %(days)s::date[],"
        " %(sources)s::varchar[]) AS s(id, loan, day, source)",
        {
            "event": rule.event, "posted": posting_date, "now": datetime.now(UTC),
            "origin": uow.origin, "ids": ids, "loans": loans,
            "days": [day for _, day, _ in rows], "sources": [sources[day] for _, day, _ in rows],
        },
    )  # fmt: skip
    _post_lines(uow, rule, ids, loans, rows)
    return len(rows)


def _post_lines(
    uow: UnitOfWork, rule: LinearRule, ids: list[int], loans: list[str], rows: Sequence[Row]
) -> None:
    """All the entries' lines in one statement: per entry and account of the rule, the net of
    the amounts by the account's weights, as a debit or a credit, none when zero."""
    count = len(rule.weights[0])
    amounts = [f"a{k}" for k in range(count)]
    weights = [f"w{k}" for k in range(count)]
    net = " + ".join(f"t.w{k} * s.a{k}" for k in range(count))
    table = ", ".join(
        f"({n}, '{account.value}', {', '.join(map(str, w))})"
        for n, (account, w) in enumerate(zip(rule.accounts, rule.weights, strict=True))
    )
    params: dict[str, object] = {"ids": ids, "loans": loans}
    for k in range(count):
        params[f"a{k}"] = [values[k] for _, _, values in rows]
    arrays = ", ".join(f"%(a{k})s::numeric[]" for k in range(count))
    uow.session.connection().exec_driver_sql(
        "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit)"
        " SELECT s.id, s.loan, t.account, greatest(x.net, 0), greatest(-x.net, 0)"
        f" FROM unnest(%(ids)s::integer[], %(loans)s::varchar[], {arrays})"
        f" AS s(id, loan, {', '.join(amounts)})"
        f" CROSS JOIN (VALUES {table}) AS t(n, account, {', '.join(weights)})"
        f" CROSS JOIN LATERAL (SELECT {net} AS net) AS x"
        " WHERE x.net <> 0",
        params,
    )
