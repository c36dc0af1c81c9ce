"""Step: at a month end, each loan's month of behaviour (`lms.risk.months`) from the month's
snapshots, for the delinquency models and the forecast: DPD at the month's end, the most, the
days past due; the principal outstanding and excess of its last day-end; what fell due in the
month and the installments left after it (the stored schedule); what was paid, bounces and
broken promises (`lms.risk.months.facts`, as the backfill reads them).

Set-based: one INSERT ... SELECT per partition. Only when every day of the month was closed
(else the month's figures would be partial: `lms risk backfill` writes it from the replay).
Guarantee: a loan's month is written once; the same figures as the backfill's (a test holds
the two equal).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, func, insert, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import coalesce

from lms.close.models import CloseStep, LoanSnapshot
from lms.close.steps import snapshot
from lms.close.steps.provision import month_end
from lms.platform.db import UnitOfWork
from lms.platform.db.types import Money
from lms.risk.models import LoanMonth
from lms.risk.months import ZERO, facts
from lms.servicing.models import LoanInstallment

NAME = "behaviour"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if not month_end(day) or not whole_month_closed(uow, day):
        return 0
    first, s, i = day.replace(day=1), LoanSnapshot, LoanInstallment
    spans = (
        select(
            s.loan_id,
            func.max(s.day).label("last"),
            func.max(s.dpd).label("max_dpd"),
            func.count().filter(s.dpd > 0).label("overdue_days"),
        )
        .where(s.day.between(first, day), s.loan_id.between(low, high))
        .group_by(s.loan_id)
        .subquery()
    )
    dues = (
        select(
            i.loan_id,
            func.sum(i.principal + i.interest).filter(i.due_date.between(first, day)).label("due"),
            func.count().filter(i.due_date > day).label("left"),
        )
        .where(i.loan_id.between(low, high))
        .group_by(i.loan_id)
        .subquery()
    )
    known = facts(day, low, high).subquery()
    end = aliased(LoanSnapshot)
    source = (
        select(
            literal(day), spans.c.loan_id, known.c.status, end.dpd, spans.c.max_dpd,
            spans.c.overdue_days, end.principal_outstanding, end.excess,
            coalesce(dues.c.due, literal(ZERO, Money)), coalesce(dues.c.left, literal(0, Integer)),
            known.c.paid, known.c.bounces, known.c.broken_promises, literal("close"),
        )
        .join(end, (end.loan_id == spans.c.loan_id) & (end.day == spans.c.last))
        .join(known, known.c.loan_id == spans.c.loan_id)
        .outerjoin(dues, dues.c.loan_id == spans.c.loan_id)
    )  # fmt: skip
    columns = (
        "month", "loan_id", "status", "dpd", "max_dpd", "overdue_days", "principal_outstanding",
        "excess", "due", "installments_left", "paid", "bounces", "broken_promises", "source",
    )  # fmt: skip
    uow.session.execute(insert(LoanMonth).from_select(columns, source))
    written = select(func.count()).where(
        LoanMonth.month == day, LoanMonth.loan_id.between(low, high)
    )
    return int(uow.session.scalar(written) or 0)


def whole_month_closed(uow: UnitOfWork, day: date) -> bool:
    """Whether the close took its snapshots on every day of `day`'s month through `day`."""
    days = select(func.count(func.distinct(CloseStep.day))).where(
        CloseStep.step == snapshot.NAME, CloseStep.day.between(day.replace(day=1), day)
    )
    return int(uow.session.scalar(days) or 0) == day.day
