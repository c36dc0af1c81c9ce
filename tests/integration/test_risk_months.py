"""Each loan's month of behaviour: written by the daily close from November's snapshots (every
day closed) and by the backfill from the loans' replays, the two give the same rows; the
figures of a few loans checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from integration.book_setup import EMI, book_of_loans, lived_and_closed, sound
from lms.platform.db import UnitOfWork
from lms.risk.models import LoanMonth
from lms.risk.months import backfill, replayed_months
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import LoanEvent
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment

NOV30 = date(2026, 11, 30)
# loan 1 pays on the due dates; 2 pays October's 13 days late and not November's; 3 pays half
# of November's; 4 pays November's and the debit is returned three days later; 5 pays nothing;
# 6 pays October's and forecloses on 20 Nov
PEOPLE = [{"name": f"Borrower {k}"} for k in range(1, 7)]


def _pay(uow: UnitOfWork, loan: int, amount: D, day: date, ref: str) -> int:
    request = PaymentRequest(amount, day, ref, "nach")
    return record_payment(uow, loan_id=loan, request=request, posting_date=day)[0].id


def _events(uow: UnitOfWork, day: date) -> None:
    """What each borrower does on `day` (October's dues paid on 26 Oct are recorded on 1 Nov)."""
    if day == date(2026, 11, 1):
        for loan in (1, 3, 4, 6):
            _pay(uow, loan, EMI, date(2026, 10, 26), f"OCT-{loan}")
    if day == date(2026, 11, 26):
        _pay(uow, 1, EMI, day, "NOV-1")
        _pay(uow, 3, EMI / 2, day, "NOV-3")
        _pay(uow, 4, EMI, day, "NOV-4")
    if day == date(2026, 11, 29):
        event = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.reference == "NOV-4"))
        assert event is not None
        reverse_payment(uow, loan_id=4, event_id=event, known_on=day, posting_date=day,
                        return_code="04")  # fmt: skip
    if day == date(2026, 11, 20):
        foreclose_loan(uow, loan_id=6, on=day, reference="FC-6", channel="neft", posting_date=day)
    if day == date(2026, 11, 8):
        _pay(uow, 2, EMI, day, "LATE-2")


def _closed_november(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 11, 1))
    lived_and_closed(sessions, date(2026, 11, 1), NOV30, _events)
    return sessions


def _rows(rows: list[dict[str, object]]) -> dict[int, dict[str, object]]:
    return {int(str(r["loan_id"])): {k: v for k, v in r.items() if k != "source"} for r in rows}


def test_the_close_and_the_backfill_write_the_same_month(db_url: str, engine: Engine) -> None:
    sessions = _closed_november(db_url, engine)
    sound(sessions)
    with UnitOfWork(sessions) as uow:
        stored = uow.session.scalars(select(LoanMonth).where(LoanMonth.month == NOV30)).all()
        closed = _rows(
            [{c.name: getattr(r, c.name) for c in LoanMonth.__table__.c} for r in stored]
        )
        assert {r.source for r in stored} == {"close"}
        replayed = _rows([r for chunk in replayed_months(uow, through=NOV30, months=1,
                                                         missing_only=False) for r in chunk])  # fmt: skip
        assert replayed == closed
        # nothing is missing, so the backfill writes nothing
        assert backfill(uow, through=NOV30, months=1) == 0
    on_time, late, half, returned, unpaid, foreclosed = (closed[k] for k in range(1, 7))
    assert (on_time["dpd"], on_time["max_dpd"], on_time["overdue_days"]) == (0, 0, 0)
    assert on_time["paid"] == EMI and on_time["due"] == EMI and on_time["bounces"] == 0
    # October's EMI was overdue from 26 Oct to 7 Nov (13 days on the 7th), November's from 26 Nov
    assert (late["dpd"], late["max_dpd"], late["overdue_days"]) == (5, 13, 12)
    assert late["paid"] == EMI and late["due"] == EMI
    assert half["dpd"] == 5 and half["paid"] == (EMI / 2).quantize(D("0.01"))
    # the debit counted until its return was known on the 29th
    assert (returned["dpd"], returned["overdue_days"], returned["bounces"]) == (5, 2, 1)
    assert returned["paid"] == D(0)
    assert (unpaid["dpd"], unpaid["max_dpd"], unpaid["overdue_days"]) == (36, 36, 30)
    assert unpaid["installments_left"] == 10 and unpaid["paid"] == D(0)
    assert foreclosed["status"] == "closed" and foreclosed["principal_outstanding"] == D(0)
