"""Turning the book's changes into domain events in the outbox.

The sources are the book's own append-only records, each written in the transaction of the
change it records, so no path (the single services, the bulk paths, the daily close) can
change the book without its event: the loans (`loan.booked`), the loans' events (disbursed,
payment received or reversed, charges, write-off, settlement, restructure...), and the close's
daily snapshots (DPD bucket changed, asset class changed, closed). Each event's id is made from
its source row, so reading a source twice writes nothing twice.

Guarantees: a source is read in id order and its cursor moves in the transaction that wrote
the events; a row whose id is missing is waited for (a transaction still running may hold
it) unless the gap is older than `GAP_WAIT` (a rolled-back transaction's id never comes); a
day's snapshots are read once the day is closed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.close.models import LoanSnapshot
from lms.collections.cases import bucket_of, buckets
from lms.events.models import DomainEvent, EventCursor
from lms.platform.business_date import business_date
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanEvent

GAP_WAIT = timedelta(seconds=30)
BATCH = 2000
# a loan event's kind -> the domain event it is
KINDS = {
    "disbursement": "loan.disbursed", "tranche": "loan.tranche_disbursed",
    "payment": "payment.received", "prepayment": "payment.received",
    "foreclosure": "payment.received", "reversal": "payment.reversed",
    "refund": "refund.paid", "charge": "charge.levied", "penal": "charge.levied",
    "charge_waiver": "charge.waived", "charge_reversal": "charge.reversed",
    "rate_change": "loan.rate_changed", "restructure": "loan.restructured",
    "moratorium": "loan.restructured", "write_off": "loan.written_off",
    "settlement": "loan.settled",
}  # fmt: skip


def relay(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Write the events of whatever the sources hold past their cursors; how many."""
    now = now or datetime.now(UTC)
    return _booked(uow, now) + _loan_events(uow, now) + _snapshots(uow, now)


def cursor(uow: UnitOfWork, name: str) -> EventCursor:
    row = uow.session.get(EventCursor, name, with_for_update=True)
    if row is None:
        row = EventCursor(name=name, position=0)
        uow.session.add(row)
        uow.session.flush()
    return row


def _write(uow: UnitOfWork, events: list[dict[str, Any]], now: datetime) -> int:
    if not events:
        return 0
    known = set(
        uow.session.scalars(
            select(DomainEvent.event_id).where(
                DomainEvent.event_id.in_([e["event_id"] for e in events])
            )
        )
    )
    fresh = [DomainEvent(**e, created_at=now) for e in events if e["event_id"] not in known]
    uow.session.add_all(fresh)
    uow.session.flush()
    return len(fresh)


def _ready(rows: list[Any], position: int, now: datetime) -> list[Any]:
    """The rows that may be taken in order: up to the first gap in the ids that a transaction
    still running might fill."""
    taken = []
    expected = position + 1
    for row in rows:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        if row.id != expected and now - created < GAP_WAIT:
            break
        taken.append(row)
        expected = row.id + 1
    return taken


def _booked(uow: UnitOfWork, now: datetime) -> int:
    mark = cursor(uow, "loans")
    rows = uow.session.execute(
        select(Loan.id, Loan.external_id, Loan.customer_id, Loan.principal, Loan.product_id,
               Loan.branch_code, Loan.created_at)
        .where(Loan.id > mark.position).order_by(Loan.id).limit(BATCH)
    ).all()  # fmt: skip
    taken = _ready(list(rows), mark.position, now)
    events = [
        {"event_id": f"loan-{r.id}", "kind": "loan.booked", "loan_id": r.id,
         "occurred_on": r.created_at.date(),
         "data": {"loan_id": r.id, "external_id": r.external_id, "customer_id": r.customer_id,
                  "principal": f"{r.principal:.2f}", "product_id": r.product_id,
                  "branch": r.branch_code}}
        for r in taken
    ]  # fmt: skip
    if taken:
        mark.position = taken[-1].id
    return _write(uow, events, now)


def _loan_events(uow: UnitOfWork, now: datetime) -> int:
    mark = cursor(uow, "loan_events")
    e = LoanEvent
    rows = uow.session.execute(
        select(e.id, e.loan_id, e.kind, e.value_date, e.amount, e.reference, e.channel,
               e.reason, e.created_at, Loan.external_id)
        .join(Loan, Loan.id == e.loan_id)
        .where(e.id > mark.position).order_by(e.id).limit(BATCH)
    ).all()  # fmt: skip
    taken = _ready(list(rows), mark.position, now)
    events = []
    for r in taken:
        data = {"loan_id": r.loan_id, "external_id": r.external_id, "event": r.kind,
                "value_date": r.value_date.isoformat(), "reference": r.reference}  # fmt: skip
        if r.amount is not None:
            data["amount"] = f"{r.amount:.2f}"
        for key in ("channel", "reason"):
            if getattr(r, key):
                data[key] = getattr(r, key)
        events.append({"event_id": f"event-{r.id}", "kind": KINDS.get(r.kind, f"loan.{r.kind}"),
                       "loan_id": r.loan_id, "occurred_on": r.value_date, "data": data})  # fmt: skip
    if taken:
        mark.position = taken[-1].id
    return _write(uow, events, now)


def _snapshots(uow: UnitOfWork, now: datetime) -> int:
    """Each closed day's changes against the day before: DPD bucket, asset class, closure."""
    today = business_date(uow)
    if today is None:
        return 0
    mark = cursor(uow, "snapshots")
    first = uow.session.scalar(select(LoanSnapshot.day).order_by(LoanSnapshot.day).limit(1))
    if first is None:
        return 0
    day = max(date.fromordinal(mark.position + 1) if mark.position else first, first)
    written = 0
    while day < today and written < BATCH * 10:
        written += _write(uow, _day_changes(uow, day), now)
        mark.position = day.toordinal()
        day += timedelta(days=1)
    return written


def _day_changes(uow: UnitOfWork, day: date) -> list[dict[str, Any]]:
    now_, before = LoanSnapshot, aliased(LoanSnapshot)
    rows = uow.session.execute(
        select(now_.loan_id, now_.dpd, now_.asset_class, now_.status, before.dpd,
               before.asset_class)
        .join(before, (before.loan_id == now_.loan_id) & (before.day == day - timedelta(days=1)))
        .where(now_.day == day,
               (now_.dpd != before.dpd) | (now_.asset_class != before.asset_class)
               | (now_.status != "active"))
        .order_by(now_.loan_id)
    ).all()  # fmt: skip
    among = buckets()
    events = []
    for loan_id, dpd, klass, status, dpd_before, class_before in rows:
        was, now = _label(bucket_of(dpd_before, among), among), _label(bucket_of(dpd, among), among)
        common = {"loan_id": loan_id, "occurred_on": day}
        if was != now:
            events.append({**common, "event_id": f"bucket-{loan_id}-{day}",
                           "kind": "loan.dpd_bucket_changed",
                           "data": {"loan_id": loan_id, "from": was, "to": now, "dpd": dpd}})  # fmt: skip
        if klass != class_before:
            events.append({**common, "event_id": f"class-{loan_id}-{day}",
                           "kind": "loan.class_changed",
                           "data": {"loan_id": loan_id, "from": class_before, "to": klass}})  # fmt: skip
        if status in ("closed", "settled"):
            events.append({**common, "event_id": f"closed-{loan_id}-{day}", "kind": "loan.closed",
                           "data": {"loan_id": loan_id, "how": status}})  # fmt: skip
    return events


def _label(index: int | None, among: tuple[Any, ...]) -> str:
    return "current" if index is None else str(among[index].label)
