"""Each loan's months of behaviour (`loan_months`): the history the delinquency models and the
portfolio forecast read, one row per loan and calendar month, so a month end's features read six
rows a loan instead of six months of daily snapshots.

Two writers give the same row:
- the daily close, at each month end whose every day it closed, from the month's snapshots
  (`lms.close.steps.behaviour`, set-based);
- the backfill here, for the months the close did not see whole (a book migrated or built
  before its closes, the demo's), from each loan's replay (`lms.core.dpd_history`).
The month's DPD figures (at its end, the most, the days past due), its end's principal
outstanding and excess, what fell due in it and the installments left after it come from
those (the schedule as the close saw it, or as the replay has it at the month's end); what
was paid, bounces and broken promises from the same queries for both (`activity`). A test
holds the two equal.

A loan has a row for each month it was on the book at some day-end: from its disbursement
to the day it closed (that month's figures are of its closing day-end) or the day before it
was written off or settled.

Guarantees: a row is written once (the key refuses a second; the backfill skips what exists);
the backfill writes only months already closed (ending before the business date).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, insert, literal, or_, select
from sqlalchemy.sql.functions import coalesce

from lms.collections.models import CollectionCase, Promise
from lms.core.dpd_history import dpd_by_day
from lms.core.frequency import LAST_DAY, add_months
from lms.core.replay import day_ends
from lms.platform.db import UnitOfWork
from lms.platform.db.types import Money
from lms.risk.models import LoanMonth
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.service import loan_history, loan_terms, loan_waterfall

ZERO = Decimal(0)
PAID_KINDS = ("payment", "prepayment")
CHUNK = 2_000  # loans read and written at once by the backfill


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return add_months(day, 0, LAST_DAY)


def month_ends(first: date, last: date) -> list[date]:
    """The month ends from `first`'s month through `last` (inclusive, when `last` is one)."""
    ends, end = [], month_end(first)
    while end <= last:
        ends.append(end)
        end = shift(end, 1)
    return ends


def shift(month: date, months: int) -> date:
    """The month end `months` months after (or before, negative) `month`'s."""
    return add_months(month, months, LAST_DAY)


def facts(month: date, low: int, high: int) -> Select[*tuple[Any, ...]]:
    """Per loan with an id from `low` to `high`: its status at the month's end, what was paid
    in the month (less payments returned by its end), its payments returned in the month and
    the borrower's promises broken in it (both writers read these)."""
    first, e = month.replace(day=1), LoanEvent
    returned = LoanEvent.__table__.alias("returned")
    undone = select(returned.c.id).where(
        returned.c.loan_id == e.loan_id,
        returned.c.kind == "reversal",
        returned.c.reference == e.reference,
        returned.c.value_date <= month,
    )
    paid = (
        select(e.loan_id, func.sum(e.amount).label("paid"))
        .where(e.loan_id.between(low, high), e.kind.in_(PAID_KINDS))
        .where(e.value_date.between(first, month), ~undone.exists())
        .group_by(e.loan_id)
        .subquery()
    )
    bounced = (
        select(e.loan_id, func.count().label("bounces"))
        .where(e.loan_id.between(low, high), e.kind == "reversal", e.reason.like("returned%"))
        .where(e.value_date.between(first, month))
        .group_by(e.loan_id)
        .subquery()
    )
    broken = (
        select(CollectionCase.customer_id, func.count().label("broken"))
        .join(Promise, Promise.case_id == CollectionCase.id)
        .where(Promise.status == "broken", Promise.promised_for.between(first, month))
        .group_by(CollectionCase.customer_id)
        .subquery()
    )
    status = case(
        ((Loan.written_off_on.is_not(None)) & (Loan.written_off_on <= month), "written_off"),
        ((Loan.closed_on.is_not(None)) & (Loan.closed_on <= month), "closed"),
        else_="active",
    )
    return (
        select(
            Loan.id.label("loan_id"),
            status.label("status"),
            coalesce(paid.c.paid, literal(ZERO, Money)).label("paid"),
            coalesce(bounced.c.bounces, 0).label("bounces"),
            coalesce(broken.c.broken, 0).label("broken_promises"),
        )
        .outerjoin(paid, paid.c.loan_id == Loan.id)
        .outerjoin(bounced, bounced.c.loan_id == Loan.id)
        .outerjoin(broken, broken.c.customer_id == Loan.customer_id)
        .where(Loan.id.between(low, high))
    )


def last_day_end(loan: Loan, through: date) -> date | None:
    """The loan's last day-end on the book, through `through` (None: never on it)."""
    if loan.disbursed_on is None or loan.disbursed_on > through:
        return None
    last = through
    if loan.closed_on is not None:
        last = min(last, loan.closed_on)
    if loan.written_off_on is not None:
        last = min(last, loan.written_off_on - timedelta(days=1))
    return last if last >= loan.disbursed_on else None


def backfill(uow: UnitOfWork, *, through: date, months: int) -> int:
    """Replay each loan over the `months` month ends through `through` (a month end before the
    business date) and write the months it has no row for; returns the rows written."""
    written = 0
    for rows in replayed_months(uow, through=through, months=months):
        uow.session.execute(insert(LoanMonth), rows)
        written += len(rows)
    return written


def replayed_months(
    uow: UnitOfWork, *, through: date, months: int, missing_only: bool = True
) -> Iterator[list[dict[str, object]]]:
    """The rows of the `months` month ends through `through` from each loan's replay, a chunk
    of loans at a time (only those without a row, unless `missing_only` is false)."""
    ends = [shift(through, -n) for n in range(months - 1, -1, -1)]
    start = ends[0].replace(day=1)
    query = (
        select(Loan)
        .where(Loan.disbursed_on.is_not(None), Loan.disbursed_on <= through)
        .where(or_(Loan.closed_on.is_(None), Loan.closed_on >= start))
        .where(or_(Loan.written_off_on.is_(None), Loan.written_off_on > start))
        .order_by(Loan.id)
        .execution_options(yield_per=CHUNK)
    )
    for chunk in uow.session.scalars(query).partitions():
        rows = _chunk_rows(uow, list(chunk), ends, missing_only)
        if rows:
            yield rows


def _chunk_rows(
    uow: UnitOfWork, loans: list[Loan], ends: list[date], missing_only: bool
) -> list[dict[str, object]]:
    ids = [loan.id for loan in loans]
    have: set[tuple[int, date]] = set()
    if missing_only:
        found = select(LoanMonth.loan_id, LoanMonth.month).where(
            LoanMonth.loan_id.in_(ids), LoanMonth.month.between(ends[0], ends[-1])
        )
        have = {(loan_id, month) for loan_id, month in uow.session.execute(found)}
    low, high = ids[0], ids[-1]
    done: dict[int, dict[date, tuple[str, Decimal, int, int]]] = {i: {} for i in ids}
    for end in ends:
        for loan_id, status, paid, bounces, broken in uow.session.execute(facts(end, low, high)):
            if loan_id in done:
                done[loan_id][end] = (status, paid, bounces, broken)
    rows: list[dict[str, object]] = []
    for loan in loans:
        months = [end for end in ends if (loan.id, end) not in have and _on_book(loan, end)]
        if months:
            rows += _replayed(uow, loan, months, done[loan.id])
    return rows


def _on_book(loan: Loan, month: date) -> bool:
    last = last_day_end(loan, month)
    return last is not None and last >= month.replace(day=1)


def _replayed(
    uow: UnitOfWork, loan: Loan, months: list[date], done: dict[date, tuple[str, Decimal, int, int]]
) -> list[dict[str, object]]:
    """The rows of one loan's `months` (in order) from one reading of its history: its DPD
    day by day and its day-ends (`lms.core.replay`), each walked once per reversal known."""
    assert loan.disbursed_on is not None
    rows, events = loan_history(uow, loan)
    waterfall, terms = loan_waterfall(uow, loan), loan_terms(loan)
    ends = {month: last_day_end(loan, month) for month in months}
    first = max(months[0].replace(day=1), loan.disbursed_on)
    last = max(end for end in ends.values() if end is not None)
    daily = dict(dpd_by_day(rows, events, first, last, waterfall, terms))
    states = day_ends(rows, events, [e for e in ends.values() if e is not None], waterfall, terms)
    out = []
    for month in months:
        end = ends[month]
        assert end is not None
        start = max(month.replace(day=1), loan.disbursed_on)
        span = [daily[start + timedelta(days=n)] for n in range((end - start).days + 1)]
        state = states[end]
        (status, paid, bounces, broken), first_day = done[month], month.replace(day=1)
        due = sum((r.total for r in state.rows if first_day <= r.due_date <= month), ZERO)
        out.append({
            "month": month, "loan_id": loan.id, "status": status,
            "dpd": span[-1], "max_dpd": max(span), "overdue_days": sum(1 for d in span if d),
            "principal_outstanding": state.principal_outstanding, "excess": state.excess,
            "due": due, "installments_left": sum(1 for r in state.rows if r.due_date > month),
            "paid": paid, "bounces": bounces, "broken_promises": broken, "source": "replay",
        })  # fmt: skip
    return out
