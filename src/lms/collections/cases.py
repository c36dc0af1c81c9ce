"""Collection cases, kept by the daily close: a borrower's worst days past due over their active
loans (at the day-end, from the close's snapshots) puts them in a bucket (LMS_COLLECTION_BUCKETS,
e.g. 1-30, 31-60, 61-90, 91+). A case opens when a borrower enters a bucket, escalates as they
move up, eases as they move down, and closes, cured, when nothing of theirs is overdue; one
open case per borrower, covering all their loans. Promises to pay falling due are judged the
same day (kept, partly kept, broken: a broken one escalates the case) and the borrower is
reminded the day before.

Guarantees: what the close does to a case is in its history (`CaseEvent`), dated with the
business date; a case is never reopened (a borrower who slips again gets a new one); money
counted for a promise is the borrower's payments from the day it was made to its date, less
those returned since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.collections.models import CaseEvent, CollectionCase, Promise
from lms.notices.outbox import Message, queue_messages
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among as amid
from lms.platform.db.bulk import insert_rows, read_rows, update_rows
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan, LoanEvent
from lms.servicing.payment_rules import MONEY_IN

ZERO = Decimal(0)
CLAIMED = ("active", "written_off")  # loans a borrower owes (a technical write-off: all of it)


@dataclass(frozen=True, slots=True)
class Bucket:
    label: str
    low: int
    high: int | None  # None: and beyond


def buckets(spec: str | None = None) -> tuple[Bucket, ...]:
    """The buckets of LMS_COLLECTION_BUCKETS ("1-30,31-60,61-90,91+"), in order."""
    found = []
    for part in (spec or get_settings().collection_buckets).split(","):
        low, _, high = part.strip().rstrip("+").partition("-")
        found.append(Bucket(part.strip(), int(low), int(high) if high else None))
    return tuple(found)


def bucket_of(dpd: int, among: tuple[Bucket, ...]) -> int | None:
    """The index of the bucket `dpd` days fall in (None: not overdue enough for any)."""
    for k, b in enumerate(among):
        if dpd >= b.low and (b.high is None or dpd <= b.high):
            return k
    return None


@dataclass(frozen=True, slots=True)
class Standing:
    """A borrower at a day-end: worst DPD and overdue over their active loans."""

    customer_id: int
    branch_code: str
    dpd: int
    overdue: Decimal
    loan_id: int  # their loan with the most overdue (messages name it)


def review(uow: UnitOfWork, day: date, low: int, high: int, standings: dict[int, Standing]) -> int:
    """The close's work for borrowers `low`..`high` on `day`, given their `standings` at its
    day-end (those overdue); how many cases it touched. Cases are read and written together
    (a few statements per partition, whatever the number of cases)."""
    among, c = buckets(), CollectionCase
    cases = {r.customer_id: r for r in read_rows(uow,
        select(c.id, c.customer_id, c.bucket, c.worst_bucket, c.dpd, c.overdue, c.opened_on,
               c.bucket_since)
        .where(c.customer_id.between(low, high), c.closed_on.is_(None))
    )}  # fmt: skip
    opened, moved, ended, history = [], [], [], History()
    for customer_id in sorted(set(standings) | set(cases)):
        standing, case = standings.get(customer_id), cases.get(customer_id)
        bucket = bucket_of(standing.dpd, among) if standing is not None else None
        if case is not None and (standing is None or bucket is None):
            ended.append(case)
        elif case is not None and standing is not None and bucket is not None:
            change = _moved(case, standing, bucket, among, day, history)
            if change is not None:
                moved.append(change)
        elif standing is not None and bucket is not None:
            opened.append({
                "customer_id": customer_id, "branch_code": standing.branch_code,
                "opened_on": day, "bucket": bucket, "worst_bucket": bucket, "dpd": standing.dpd,
                "overdue": standing.overdue, "broken_promises": 0, "agent": None,
                "closed_on": None, "outcome": None, "bucket_since": day,
            })  # fmt: skip
    _open(uow, day, opened, among, history)
    _end(uow, day, ended, history)
    # most moves are a day more past due in the same bucket: those rows carry only the figures
    update_rows(uow, _CASES, ["id"], [m for m in moved if "bucket" in m])
    update_rows(uow, _CASES, ["id"], [m for m in moved if "bucket" not in m])
    history.write(uow)
    touched = len(opened) + len(ended) + len(moved)
    touched += _judge_promises(uow, day, low, high)
    _remind_promises(uow, day, low, high, standings)
    return touched


_CASES = CollectionCase.metadata.tables["collection_cases"]


def refresh_bands(uow: UnitOfWork, low: int, high: int) -> None:
    """Each open case of borrowers `low`..`high` takes the worst risk band of the borrower's
    active loans (lms.risk.signals writes them), where it differs. Only the open cases'
    borrowers' loans are read (by borrower), not every loan of the range."""
    c = CollectionCase
    worst = (
        select(func.max(Loan.risk_band))
        .where(Loan.customer_id == c.customer_id, Loan.status == "active")
        .scalar_subquery()
    )
    rows = read_rows(
        uow,
        select(c.id, worst)
        .where(c.customer_id.between(low, high), c.closed_on.is_(None))
        .where(c.risk_band.is_distinct_from(worst)),
    ).all()
    update_rows(uow, _CASES, ["id"], [{"id": i, "risk_band": band} for i, band in rows])


def _moved(
    case: Any, standing: Standing, bucket: int, among: tuple[Bucket, ...], day: date,
    history: History,
) -> dict[str, Any] | None:  # fmt: skip
    """The case's new figures (None: unchanged): its id, DPD and overdue, and with its bucket
    changed its buckets too; a move between buckets in its history."""
    if (bucket, standing.dpd, standing.overdue) == (case.bucket, case.dpd, case.overdue):
        return None
    change = {"id": case.id, "dpd": standing.dpd, "overdue": standing.overdue}
    if bucket == case.bucket:
        return change
    kind = "escalated" if bucket > case.bucket else "eased"
    history.add(case.id, day, kind, bucket=among[bucket].label, dpd=standing.dpd)
    change.update(bucket=bucket, worst_bucket=max(case.worst_bucket, bucket), bucket_since=day)
    return change


def _end(uow: UnitOfWork, day: date, ended: list[Any], history: History) -> None:
    """Close the cases of borrowers with nothing overdue any more, each with why."""
    if not ended:
        return
    why = _ended_by(uow, ended)
    rows = []
    for case in ended:
        outcome = why.get(case.customer_id, "cured")
        rows.append({"id": case.id, "closed_on": day, "outcome": outcome, "dpd": 0,
                     "overdue": ZERO})  # fmt: skip
        history.add(case.id, day, outcome)
    update_rows(uow, _CASES, ["id"], rows)


def _open(
    uow: UnitOfWork,
    day: date,
    opened: list[dict[str, Any]],
    among: tuple[Bucket, ...],
    history: History,
) -> None:
    """Store the cases opened today (in one insert), each with its borrower's PIN code and
    the first line of its history."""
    if not opened:
        return
    pins = pin_codes(uow, [c["customer_id"] for c in opened])
    for case in opened:
        case["pin_code"] = pins.get(case["customer_id"])
    ids = insert_rows(uow, CollectionCase.metadata.tables["collection_cases"], opened, ids=True)
    for case_id, case in zip(ids, opened, strict=True):
        history.add(case_id, day, "opened", bucket=among[case["bucket"]].label, dpd=case["dpd"])


def pin_codes(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, str]:
    """The PIN code of each borrower's first address that has one (addresses are sealed: read
    and opened here)."""
    found = {}
    rows = read_rows(
        uow, select(Customer.id, Customer.addresses).where(amid(uow, Customer.id, customer_ids))
    )
    for customer_id, addresses in rows:
        pin = next((a["pin"] for a in addresses or [] if a.get("pin")), None)
        if pin:
            found[customer_id] = str(pin)
    return found


def _ended_by(uow: UnitOfWork, cases: list[Any]) -> dict[int, str]:
    """Why nothing of a borrower is overdue any more, where it is not that they paid (cured):
    a loan of theirs left the book since their case opened without being paid: "settled", or
    "written_off" (in full: the claim given up)."""
    opened = {case.customer_id: case.opened_on for case in cases}
    rows = uow.session.execute(
        select(Loan.customer_id, Loan.status, Loan.written_off_on).where(
            amid(uow, Loan.customer_id, sorted(opened)),
            (Loan.status == "settled")
            | ((Loan.status == "written_off") & (Loan.write_off_kind == "full")),
        )
    )  # fmt: skip
    found: dict[int, str] = {}
    for customer_id, status, since in sorted(rows, key=lambda r: r[1]):
        if since is not None and since >= opened[customer_id]:
            found.setdefault(customer_id, status)
    return found


class History:
    """Lines of cases' histories, kept to be appended together (`write`: one insert)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.now = datetime.now(UTC)  # one work, one time

    def add(
        self, case_id: int, day: date, kind: str, actor: str | None = None, **detail: Any
    ) -> None:
        self.rows.append({"case_id": case_id, "day": day, "kind": kind, "detail": detail,
                          "actor": actor, "created_at": self.now})  # fmt: skip

    def write(self, uow: UnitOfWork) -> None:
        insert_rows(uow, CaseEvent.metadata.tables["case_events"], self.rows)
        self.rows.clear()


def note(
    uow: UnitOfWork, case: CollectionCase, day: date, kind: str, actor: str | None = None,
    **detail: Any,
) -> None:  # fmt: skip
    """Append to the case's history."""
    uow.session.add(CaseEvent(case_id=case.id, day=day, kind=kind, detail=detail, actor=actor,
                              created_at=datetime.now(UTC)))  # fmt: skip


def _judge_promises(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    due = uow.session.execute(
        select(Promise, CollectionCase)
        .join(CollectionCase, CollectionCase.id == Promise.case_id)
        .where(Promise.promised_for == day, Promise.status == "open",
               CollectionCase.customer_id.between(low, high))
    ).all()  # fmt: skip
    for promise, case in due:
        paid = paid_between(uow, case.customer_id, promise.made_on, day)
        promise.paid = paid
        promise.status = "kept" if paid >= promise.amount else "partly_kept" if paid else "broken"
        note(uow, case, day, f"promise_{promise.status}", promise=promise.id,
             amount=str(promise.amount), paid=str(paid))  # fmt: skip
        if promise.status == "broken":
            case.broken_promises += 1
            note(uow, case, day, "escalated", reason="promise broken")
    return len(due)


def paid_between(
    uow: UnitOfWork, customer_id: int, since: date, until: date, loan_id: int | None = None
) -> Decimal:
    """What the borrower paid on their loans (or on the one loan `loan_id`) with value dates
    `since`..`until`, not returned."""
    e = LoanEvent
    returned = select(e.loan_id, e.reference).where(e.kind == "reversal").subquery()
    whose = Loan.customer_id == customer_id if loan_id is None else Loan.id == loan_id
    total = uow.session.scalar(
        select(func.sum(e.amount))
        .join(Loan, Loan.id == e.loan_id)
        .outerjoin(returned, (returned.c.loan_id == e.loan_id)
                   & (returned.c.reference == e.reference))
        .where(whose, e.kind.in_(MONEY_IN),
               e.value_date.between(since, until), returned.c.reference.is_(None))
    )  # fmt: skip
    return total or ZERO


def _remind_promises(
    uow: UnitOfWork, day: date, low: int, high: int, standings: dict[int, Standing]
) -> None:
    """The day before a promise's date (the morning after this close), the borrower is told."""
    soon = uow.session.execute(
        select(Promise, CollectionCase.customer_id)
        .join(CollectionCase, CollectionCase.id == Promise.case_id)
        .where(Promise.promised_for == day + timedelta(days=2), Promise.status == "open",
               CollectionCase.customer_id.between(low, high))
    ).all()  # fmt: skip
    messages = [
        Message(standings[customer_id].loan_id, "promise_reminder",
                {"amount": str(promise.amount), "promise_date": promise.promised_for.isoformat()})
        for promise, customer_id in soon if customer_id in standings
    ]  # fmt: skip
    queue_messages(uow, messages, day + timedelta(days=1))
