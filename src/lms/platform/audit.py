"""The audit trail: who changed what, when, from where, with the values before and after,
chained by hash so that an edited, inserted or deleted record is found by `verify`.

Records come from two places: every row of an audited table (loans, customers, products,
users, credentials, loan events, refunds ...) that the ORM inserts or updates in a unit of
work, with its changed columns before and after; and what a service or route records itself
(`UnitOfWork.audit`, for writes that do not go through the ORM, such as grouped payments).
They are written when the unit of work commits, in the same transaction, after the last
flush: each one's hash is SHA-256 over the previous record's hash and its own content. The
chain's head (the newest hash) is kept in one row that writers lock and advance, so the
chain has one order (the records' ids) and a writer needs two round trips.

Guarantees: a record is never updated or deleted by lms; `verify` recomputes every hash in id
order and names the first record that does not match, or the removal of the newest records
(the head row no longer the last record's hash). The head is also what an operator keeps
elsewhere, against someone who removes records and rewrites the head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, event, insert, inspect, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.sealed import Sealed

AUDITED = frozenset({
    "branches", "customers", "consents", "products", "loans", "loan_events", "users",
    "api_credentials", "refund_requests", "receipts", "mandates", "benchmark_rates", "approvals",
    "service_requests",
})  # fmt: skip
_DIALECT = sqlite.dialect()  # sealing does not depend on the database
SECRET_COLUMNS = frozenset({"password_hash", "secret_hash", "totp_secret"})
GENESIS = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(64))  # where the request came from
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)  # JSON of the changed columns
    after: Mapped[str | None] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head: the newest record's hash, in one row (id 1). Writers lock it to
    chain their records (on PostgreSQL a locking read waits for the writer before and sees
    its head), and advance it with their insert."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):  # as UTC, whatever the database gives back
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps({k: _plain(v) for k, v in sorted(values.items())}, default=str)


_FIELDS = ("at", "actor", "address", "request_id", "action", "entity", "entity_id")


def chained_hash(previous: str, record: dict[str, Any]) -> str:
    """The hash of `record` (its content fields) after the record whose hash is `previous`."""
    content = [_plain(record[name]) for name in _FIELDS] + [record["before"], record["after"]]
    return hashlib.sha256((previous + json.dumps(content)).encode()).hexdigest()


def pending(session: Session) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = session.info.setdefault("audit", [])
    return records


@contextmanager
def undone(session: Session) -> Iterator[None]:
    """A trial: what the block writes (checked by the database as it goes) is undone after it,
    in a savepoint, and so are the audit records it collected."""
    kept = len(pending(session))
    trial = session.begin_nested()
    try:
        yield
    finally:
        trial.rollback()
        del pending(session)[kept:]


def note(session: Session, action: str, entity: str, entity_id: object, **after: Any) -> None:
    """Record a change made outside the ORM (written with the unit of work's commit)."""
    pending(session).append(
        {
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": None,
            "after": as_json(after),
        }
    )


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: object) -> None:
    """The audited rows the flush inserted or updated, with their changed columns."""
    changed = [(row, "insert") for row in session.new]
    changed += [(row, "update") for row in session.dirty]
    for row, action in changed:
        table = getattr(row, "__tablename__", None)
        if table not in AUDITED:
            continue
        before, after = _changes(row, action == "insert")
        if not after:
            continue
        state = inspect(row)
        key = ",".join(str(v) for v in state.mapper.primary_key_from_instance(row))
        record = {"action": action, "entity": table, "entity_id": key}
        record |= {"before": None if action == "insert" else as_json(before)}
        pending(session).append(record | {"after": as_json(after)})


def _changes(row: object, new: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A row's columns before and after the flush: all of a new row's, an updated row's
    changed ones; secrets only as "(secret)", personal data sealed as it is stored (so the
    trail holds no clear personal data, and a key holder can still open it)."""
    state = inspect(row)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        history = state.attrs[column.key].history
        if not new and not history.has_changes():
            continue
        shown = _shown_as(column.key, column.columns[0].type)
        if not new and history.deleted:
            before[column.key] = shown(history.deleted[0])
        value = history.added[0] if history.added else getattr(row, column.key)
        after[column.key] = shown(value)
    return before, after


def _shown_as(key: str, kind: object) -> Callable[[Any], Any]:
    if key in SECRET_COLUMNS:
        return lambda _: "(secret)"
    if isinstance(kind, Sealed):
        return lambda value: kind.process_bind_param(value, _DIALECT)
    return lambda value: value


def write_pending(session: Session) -> int:
    """Chain and insert the unit of work's pending records (called just before it commits):
    two round trips on PostgreSQL, the head's locking read and one statement that inserts the
    records and advances the head."""
    session.flush()
    records = session.info.get("audit") or []
    if not records:
        return 0
    postgres = session.get_bind().dialect.name == "postgresql"
    head = select(AuditHead.hash).where(AuditHead.id == 1)
    previous = session.scalar(head.with_for_update() if postgres else head)
    if previous is None:  # a book whose head row is missing: start it where the chain ends
        previous = _last_hash(session)
        session.add(AuditHead(id=1, hash=previous))
        session.flush()
    now = datetime.now(UTC)
    rows = []
    for record in records:
        row = {
            "at": now, "actor": session.info.get("actor"),
            "address": session.info.get("address"), "request_id": session.info.get("request_id"),
            "before": None, "after": None, "entity_id": None, **record,
        }  # fmt: skip
        row["previous_hash"] = previous
        row["hash"] = previous = chained_hash(previous, row)
        rows.append(row)
    if postgres:
        arrays = {c: [r[c] for r in rows] for c in _COLUMNS}
        session.connection().exec_driver_sql(_INSERT_AND_ADVANCE, {"head": previous, **arrays})
    else:
        session.execute(insert(AuditRecord), rows)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=previous))
    session.info["audit"] = []
    return len(rows)


_COLUMNS = (*_FIELDS, "before", "after", "previous_hash", "hash")
# PostgreSQL: a commit's records inserted and the head advanced in one statement
_INSERT_AND_ADVANCE = (
    "WITH head AS (UPDATE audit_head SET hash = %(head)s WHERE id = 1) "
    f"INSERT INTO audit_records ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"%({c})s::{'timestamptz' if c == 'at' else 'text'}[]" for c in _COLUMNS)
    + ")"
)


def _last_hash(session: Session) -> str:
    last = select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
    return session.scalar(last) or GENESIS


@dataclass(frozen=True)
class Verdict:
    records: int
    head: str  # the last record's hash (keep it elsewhere to detect removal of the newest)
    broken_at: int | None  # the id of the first record that does not match, if any


def verify(session: Session) -> Verdict:
    """Recompute the chain in id order; the first record that does not match, if any. A
    head row that is not the last record's hash (the newest records removed) is reported as
    a break at the record after the last one."""
    previous, count, last_id = GENESIS, 0, 0
    for row in _in_order(session):
        stored = {name: getattr(row, name) for name in (*_FIELDS, "before", "after")}
        if row.previous_hash != previous or chained_hash(previous, stored) != row.hash:
            return Verdict(count, previous, row.id)
        previous, count, last_id = row.hash, count + 1, row.id
    head = session.scalar(select(AuditHead.hash).where(AuditHead.id == 1))
    if head is not None and head != previous:
        return Verdict(count, previous, last_id + 1)
    return Verdict(count, previous, None)


def _in_order(session: Session) -> Iterator[AuditRecord]:
    yield from session.scalars(
        select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    )
