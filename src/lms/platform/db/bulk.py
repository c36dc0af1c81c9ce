"""Set-based writes of many rows at once, the fastest way each database offers.

`read_rows` reads many rows without the ORM's overhead; `copy_rows` streams rows into a table with PostgreSQL's COPY; `insert_rows` inserts many rows
(by COPY on PostgreSQL, ids taken from the sequence first; a few rows as one INSERT ...
SELECT from unnest() of one array per column, prepared once). `update_rows` updates many rows
by key: on PostgreSQL the new values are copied into a temporary table and applied by one
UPDATE ... FROM (a million rows in seconds, where one UPDATE per row takes a minute), a few
rows by one UPDATE ... FROM unnest(); elsewhere one parameterised UPDATE is executed for all
the rows.

Guarantees: everything happens in the caller's transaction (nothing is committed here); the
temporary table is dropped before returning; rows not matching a key are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, JSON, Table, any_, bindparam, insert, literal, text, update
from sqlalchemy.dialects import postgresql

from lms.platform.db.base import Base
from lms.platform.db.sealed import Sealed
from lms.platform.db.uow import UnitOfWork


def copy_rows(uow: UnitOfWork, table: str, columns: Sequence[str], rows: Iterable[Any]) -> None:
    """COPY `rows` (sequences in the order of `columns`) into `table` (PostgreSQL only)."""
    connection = uow.session.connection().connection.dbapi_connection
    assert connection is not None
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    known = Base.metadata.tables.get(table)
    convert = [_converter(None if known is None else known.c[n].type) for n in columns]
    with connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        if not any(convert):  # each row as it is (a million rows: seconds saved)
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:  # a sealed column's value sealed; a JSON column's as its text
            copy.write_row([c(v) if c else v for c, v in zip(convert, row, strict=True)])


def _converter(kind: Any) -> Callable[[Any], Any] | None:
    """How COPY needs a column's value: sealed, as JSON text (a JSON column's value; a column
    of an unknown table holding a dict too), or as it is (None)."""
    if isinstance(kind, Sealed):
        return lambda value: kind.process_bind_param(value, _POSTGRES)
    if isinstance(kind, JSON):
        return _json_text
    if kind is None:
        return lambda value: json.dumps(value) if isinstance(value, dict) else value
    return None


def insert_rows(
    uow: UnitOfWork, table: Table, rows: Sequence[Mapping[str, Any]], *, ids: bool = False
) -> list[int]:
    """Insert `rows` (mappings with the same names) into `table`; with `ids`, their new ids in
    order (the table's `id` from its sequence). On PostgreSQL many rows go by COPY, the ids
    taken from the sequence in one query. Without `ids`, the rows go in one statement."""
    if not rows:
        return []
    postgres = uow.session.get_bind().dialect.name == "postgresql"
    if not postgres or len(rows) < _COPY_FROM:
        if not ids and postgres:  # one statement: the ledger's guard checks a statement's lines
            names = list(rows[0])
            source, params = _arrays(uow, table, names, [[r[n] for n in names] for r in rows])
            uow.session.connection().exec_driver_sql(
                f"INSERT INTO {table.name} ({', '.join(rows[0])}) SELECT * FROM {source}", params
            )
            return []
        if not ids:
            uow.session.execute(insert(table), list(rows))
            return []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(uow.session.execute(statement, list(rows)).scalars())
    names = list(rows[0])
    new: list[int] = []
    if ids:
        new = list(
            uow.session.scalars(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            )
        )
        names = ["id", *names]
    values = ([*([i] if ids else []), *(r[n] for n in rows[0])] for i, r in _numbered(new, rows))
    copy_rows(uow, table.name, names, values)
    return new


_POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]
_COPY_FROM = 1_000  # rows: below this, a plain INSERT is as quick


def _arrays(
    uow: UnitOfWork, table: Table, typed: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, dict[str, list[Any]]]:
    """PostgreSQL: `unnest(...)` of one array parameter per position of `rows`, bound by the
    type of the column `typed` names for it: a statement whose text depends only on the
    columns, so it is prepared once, where a multi-row VALUES is compiled for each count."""
    dialect = uow.session.get_bind().dialect
    arrays, params = [], {}
    for k, name in enumerate(typed):
        kind = table.c[name].type
        bind = kind.bind_processor(dialect)
        if isinstance(kind, JSON):  # as text, cast to JSON by the statement
            bind = _json_text
        params[f"a{k}"] = [bind(r[k]) if bind else r[k] for r in rows]
        arrays.append(f"%(a{k})s::{kind.compile(dialect=dialect)}[]")
    return f"unnest({', '.join(arrays)})", params


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _numbered(
    ids: list[int], rows: Sequence[Mapping[str, Any]]
) -> Iterable[tuple[int, Mapping[str, Any]]]:
    return zip(ids, rows, strict=True) if ids else ((0, r) for r in rows)


def read_rows(uow: UnitOfWork, statement: Any) -> Any:
    """The result of a set-based read as plain rows, without the ORM's row loading (a third of
    the time of reading 50,000 rows of a few columns), after writing out what the session
    holds (so the read sees it, as an ORM query would)."""
    uow.session.flush()
    return uow.session.connection().execute(statement)


def among(uow: UnitOfWork, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`, as one array parameter on PostgreSQL (`= ANY(...)`): a list of
    thousands of values is then sent as one value, not thousands of placeholders."""
    if uow.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(list(values))


def update_rows(
    uow: UnitOfWork,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    guard: Mapping[str, str] | None = None,
) -> list[Any]:
    """Set, for each of `rows` (mappings of column names to values, all with the same names),
    its other columns on the row of `table` whose `keys` columns equal its values of them.
    `guard` maps a column of the table to a field of the rows holding the value the caller
    read: a row whose column has changed since (another transaction wrote it) is left as it
    is. Returns the first key of the rows updated (with a guard; else [])."""
    if not rows:
        return []
    guard = guard or {}
    columns = [c for c in rows[0] if c not in keys and c not in guard.values()]
    if uow.session.get_bind().dialect.name != "postgresql":
        # SQLite: a writer holds the database from BEGIN IMMEDIATE on, so nothing changed since
        match = [table.c[k] == bindparam(f"_key_{k}") for k in keys]
        statement = update(table).where(*match).values({c: bindparam(c) for c in columns})
        uow.session.execute(
            statement,
            [{**{f"_key_{k}": r[k] for k in keys}, **{c: r[c] for c in columns}} for r in rows],
        )
        return [r[keys[0]] for r in rows] if guard else []
    if len(rows) < _COPY_FROM:
        return _update_by_arrays(uow, table, keys, columns, rows, guard)
    return _update_by_copy(uow, table, keys, columns, rows, guard)


def _update_by_arrays(
    uow: UnitOfWork,
    table: Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    guard: Mapping[str, str],
) -> list[Any]:
    """PostgreSQL, a few rows: one UPDATE ... FROM unnest(...) of the rows' values."""
    uow.session.flush()
    names = [*keys, *columns, *guard.values()]
    source, params = _arrays(
        uow, table, [*keys, *columns, *guard], [[r[n] for n in names] for r in rows]
    )
    set_, on = _update_clauses(keys, columns, guard)
    updated = uow.session.connection().exec_driver_sql(
        f"UPDATE {table.name} AS t SET {set_} FROM {source} AS u({', '.join(names)})"
        f" WHERE {on} RETURNING t.{keys[0]}",
        params,
    )
    won = [row[0] for row in updated]
    return won if guard else []


def _update_clauses(
    keys: Sequence[str], columns: Sequence[str], guard: Mapping[str, str]
) -> tuple[str, str]:
    """The SET and WHERE of an UPDATE of table `t` from rows `u` holding the keys, the new
    values and, under each guard field's name, the value the caller read of its column."""
    on = [
        *(f"t.{k} = u.{k}" for k in keys),
        *(f"t.{c} IS NOT DISTINCT FROM u.{f}" for c, f in guard.items()),
    ]
    return ", ".join(f"{c} = u.{c}" for c in columns), " AND ".join(on)


def _update_by_copy(
    uow: UnitOfWork,
    table: Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    guard: Mapping[str, str],
) -> list[Any]:
    """PostgreSQL: the rows by COPY into a temporary table, then one UPDATE ... FROM (which
    waits for a row another transaction holds, then checks the guard on its new version)."""
    names = [*keys, *columns, *guard.values()]
    session = uow.session
    session.flush()
    connection = session.connection()
    typed = ", ".join([*keys, *columns, *(f"{c} AS {f}" for c, f in guard.items())])
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE _bulk_update AS SELECT {typed} FROM {table.name} WITH NO DATA"
    )
    copy_rows(uow, "_bulk_update", names, ([r[n] for n in names] for r in rows))
    assignments, on = _update_clauses(keys, columns, guard)
    first = [r[keys[0]] for r in rows]  # the range of the first key: the database reads only
    updated = connection.exec_driver_sql(  # that part of the table, not all of it
        f"UPDATE {table.name} AS t SET {assignments} FROM _bulk_update AS u WHERE {on}"
        f" AND t.{keys[0]} BETWEEN %(low)s AND %(high)s RETURNING t.{keys[0]}",
        {"low": min(first), "high": max(first)},
    )
    won = [row[0] for row in updated] if guard else []
    connection.exec_driver_sql("DROP TABLE _bulk_update")
    return won
