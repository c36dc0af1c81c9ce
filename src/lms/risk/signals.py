"""Early warning signals: rules beside the delinquency model, raised by the daily close on the
loans of a partition, and each loan's risk band (the model's band raised one step per open
signal), which the collections strategies and the agents' queue read.

The signals (`LMS_RISK_SIGNALS` turns each on and sets its figure):
- first_bounce: a payment returned today on a loan with no return and nothing overdue in the
  months before (its figure: how many months);
- rising_lateness: at a month end, at least this many more days overdue in the last three months
  than in the three before (from the months of behaviour);
- partial_payment: a payment dated today that leaves the loan still overdue at the day-end;
- promise_broken: a promise to pay judged broken today (on each of the borrower's loans);
- related_loan_slipping: another loan of the borrower, or a loan of a co-borrower or guarantor
  of this one, reached this many days past due today.

The band: the latest month end's score (the 30+ model's band; for a loan past 30 days, the
90+ model's; past 90 days, E), raised one band for each open signal (at most E); a loan with
signals and no score starts from C.

Guarantees: a signal is open at most once per loan and kind (raised again only after it
cleared); it clears `LMS_RISK_SIGNAL_DAYS` after it was raised; bands are rewritten only for
the loans whose signals changed that day (and by the scoring, of the loans it scored);
set-based per partition.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import aliased

from lms.collections.models import CollectionCase, Promise
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import insert_rows, read_rows, update_rows
from lms.platform.settings import get_settings
from lms.risk.models import LoanMonth, LoanScore, RiskSignal
from lms.risk.months import month_end, shift
from lms.servicing.models import RISK_BANDS as BANDS
from lms.servicing.models import Loan, LoanEvent, LoanParty

SIGNALS = ("first_bounce", "rising_lateness", "partial_payment", "promise_broken",
           "related_loan_slipping")  # fmt: skip


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """Raise and clear the day's signals of loans `low`..`high`, and rewrite the bands that
    changed; how many signals were raised."""
    figures = get_settings().risk_signals
    found: dict[tuple[int, str], str] = {}
    for name in SIGNALS:
        figure = figures.get(name, 0)
        if figure > 0:
            for loan_id, detail in _FINDERS[name](uow, day, low, high, figure):
                found.setdefault((loan_id, name), detail)
    raised = _raise(uow, day, low, high, found)
    cleared = _clear(uow, day, low, high)
    rebanded(uow, day, sorted({loan for loan, _ in raised} | cleared))
    return len(raised)


def _raise(
    uow: UnitOfWork, day: date, low: int, high: int, found: dict[tuple[int, str], str]
) -> list[tuple[int, str]]:
    s = RiskSignal
    open_now = set(uow.session.execute(select(s.loan_id, s.signal).where(
        s.loan_id.between(low, high), s.cleared_on.is_(None))).all())  # fmt: skip
    new = [key for key in sorted(found) if key not in open_now]
    insert_rows(uow, RiskSignal.metadata.tables["risk_signals"], [
        {"loan_id": loan, "signal": name, "raised_on": day, "detail": found[(loan, name)][:200],
         "cleared_on": None} for loan, name in new
    ])  # fmt: skip
    return new


def _clear(uow: UnitOfWork, day: date, low: int, high: int) -> set[int]:
    s, days = RiskSignal, get_settings().risk_signal_days
    stale = and_(s.loan_id.between(low, high), s.cleared_on.is_(None),
                 s.raised_on <= day - timedelta(days=days))  # fmt: skip
    loans = set(uow.session.scalars(select(s.loan_id).where(stale)))
    if loans:
        uow.session.execute(update(s).where(stale).values(cleared_on=day))
    return loans


def rebanded(uow: UnitOfWork, day: date, loan_ids: list[int]) -> None:
    """Rewrite the risk band of `loan_ids` as of `day` (those whose band changes); read by
    ranges of ids (a partition's loans are near each other), a few statements a range."""
    ordered = sorted(loan_ids)
    for start in range(0, len(ordered), 20_000):
        ids = ordered[start : start + 20_000]
        loans = {i: (dpd, was) for i, dpd, was in read_rows(uow,
            select(Loan.id, Loan.dpd, Loan.risk_band).where(Loan.id.between(ids[0], ids[-1])))}  # fmt: skip
        bands = bands_of(uow, day, ids, {i: dpd for i, (dpd, _) in loans.items()})
        changed = [{"id": i, "risk_band": b} for i, b in bands.items() if loans[i][1] != b]
        update_rows(uow, Loan.metadata.tables["loans"], ["id"], changed)


def bands_of(
    uow: UnitOfWork, day: date, loan_ids: list[int], dpd: dict[int, int | None]
) -> dict[int, str | None]:
    """Each loan's band on `day` (`loan_ids` ascending, with their DPD): its latest score's
    band raised by its open signals."""
    low, high = loan_ids[0], loan_ids[-1]
    latest = uow.session.scalar(select(func.max(LoanScore.month)).where(LoanScore.month <= day))
    scored: dict[int, dict[str, str]] = {}
    if latest is not None:
        rows = select(LoanScore.loan_id, LoanScore.target, LoanScore.band).where(
            LoanScore.month == latest, LoanScore.loan_id.between(low, high)
        )
        for loan_id, target, given in read_rows(uow, rows):
            scored.setdefault(loan_id, {})[target] = given
    warned = dict(uow.session.execute(
        select(RiskSignal.loan_id, func.count(func.distinct(RiskSignal.signal)))
        .where(RiskSignal.loan_id.between(low, high), RiskSignal.cleared_on.is_(None))
        .group_by(RiskSignal.loan_id)).all())  # fmt: skip
    return {i: band(scored.get(i, {}), warned.get(i, 0), dpd.get(i) or 0) for i in loan_ids}


def band(scores: dict[str, str], signals: int, dpd: int) -> str | None:
    """The band of a loan from its scores' bands by target, its open signals and its DPD."""
    base = "E" if dpd > 90 else scores.get("dpd30") or scores.get("dpd90")
    if base is None:
        return None if not signals else BANDS[min(2 + signals - 1, 4)]
    return BANDS[min(BANDS.index(base) + signals, 4)]


Found = list[tuple[int, str]]


def _first_bounce(uow: UnitOfWork, day: date, low: int, high: int, months: int) -> Found:
    e, earlier = LoanEvent, aliased(LoanEvent)
    since = day - timedelta(days=months * 30)
    returned = and_(e.kind == "reversal", e.reason.like("returned%"))
    before = exists().where(
        earlier.loan_id == e.loan_id, earlier.loan_id.between(low, high),
        earlier.kind == "reversal",
        earlier.reason.like("returned%"), earlier.value_date.between(since, day),
        earlier.id != e.id,
    )  # fmt: skip
    late = exists().where(LoanMonth.loan_id == e.loan_id, LoanMonth.max_dpd > 0,
                          LoanMonth.month >= month_end(since))  # fmt: skip
    rows = uow.session.execute(
        select(e.loan_id, e.reason).where(e.loan_id.between(low, high), returned,
                                          e.value_date == day, ~before, ~late))  # fmt: skip
    return [(i, f"a payment returned ({reason}) after {months} clean months") for i, reason in rows]


def _rising_lateness(uow: UnitOfWork, day: date, low: int, high: int, days: int) -> Found:
    if day != month_end(day):
        return []
    m, recent = LoanMonth, LoanMonth.month > shift(day, -3)
    now, before = (func.coalesce(func.sum(m.overdue_days).filter(recent), 0),
                   func.coalesce(func.sum(m.overdue_days).filter(~recent), 0))  # fmt: skip
    rows = uow.session.execute(
        select(m.loan_id, now, before)
        .where(m.loan_id.between(low, high), m.month.between(shift(day, -5), day))
        .group_by(m.loan_id)
        .having(now - before >= days)
        .having(func.count().filter(and_(m.month == day, m.status == "active")) == 1)
    )  # fmt: skip
    return [(i, f"{a} days overdue in the last 3 months against {b} before") for i, a, b in rows]


def _partial_payment(uow: UnitOfWork, day: date, low: int, high: int, _figure: int) -> Found:
    paid = select(LoanEvent.loan_id).where(
        LoanEvent.kind == "payment", LoanEvent.value_date == day,
        LoanEvent.loan_id.between(low, high)).distinct().subquery()  # fmt: skip
    rows = uow.session.execute(select(Loan.id, Loan.dpd).join(paid, paid.c.loan_id == Loan.id)
                               .where(Loan.status == "active", Loan.dpd > 0))  # fmt: skip
    return [(i, f"paid today and still {d} days past due") for i, d in rows]


def _promise_broken(uow: UnitOfWork, day: date, low: int, high: int, _figure: int) -> Found:
    rows = uow.session.execute(
        select(Loan.id, Promise.amount)
        .join(CollectionCase, CollectionCase.customer_id == Loan.customer_id)
        .join(Promise, Promise.case_id == CollectionCase.id)
        .where(Loan.id.between(low, high), Loan.status == "active",
               Promise.status == "broken", Promise.promised_for == day)
    ).all()  # fmt: skip
    return [(i, f"a promise to pay {amount:,.2f} broken") for i, amount in rows]


def _related_loan_slipping(uow: UnitOfWork, day: date, low: int, high: int, dpd: int) -> Found:
    mine, other = aliased(Loan), aliased(Loan)
    # DPD is `dpd` today exactly when the oldest unpaid due date is `dpd - 1` days back (the
    # DPD step's rule): the loans are found by that date's index rather than by reading the
    # whole loan table for every partition, and their stored DPD checked here, after the
    # join: asked of the database too, the two conditions make it expect one such loan in
    # the book and probe every borrower's loans for each of tens of thousands (4x slower)
    since = day - timedelta(days=dpd - 1)
    slipping = and_(other.status == "active", other.oldest_unpaid_due == since,
                    other.id != mine.id)  # fmt: skip
    base = [mine.id.between(low, high), mine.status == "active"]
    same = select(mine.id, other.id, other.dpd).join(
        other, other.customer_id == mine.customer_id).where(*base, slipping)  # fmt: skip
    party = (select(mine.id, other.id, other.dpd)
             .join(LoanParty, LoanParty.loan_id == mine.id)
             .join(other, other.customer_id == LoanParty.customer_id)
             .where(*base, slipping))  # fmt: skip
    rows: list[Any] = [*uow.session.execute(same), *uow.session.execute(party)]
    return [(i, f"loan {o} reached {dpd} days past due today") for i, o, d in rows if d == dpd]


_FINDERS = {
    "first_bounce": _first_bounce, "rising_lateness": _rising_lateness,
    "partial_payment": _partial_payment, "promise_broken": _promise_broken,
    "related_loan_slipping": _related_loan_slipping,
}  # fmt: skip
