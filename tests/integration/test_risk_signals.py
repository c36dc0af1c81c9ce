"""Early warning signals raised by the daily close on four loans (1,00,000 at 12 % for 12
months from 26 Sep 2026, EMI 8,884.88 on the 26th), the bands they give, the cases' bands and a
strategy step kept for the riskier cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from integration.book_setup import EMI, book_of_loans, lived_and_closed
from lms.collections.models import CaseTask, CollectionCase
from lms.collections.strategies import add_step
from lms.collections.work import PromiseAsked, promise
from lms.platform.db import UnitOfWork
from lms.risk import signals
from lms.risk.models import LoanMonth, RiskSignal
from lms.servicing.models import Loan, LoanEvent, LoanParty
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment

OCT26, NOV26 = date(2026, 10, 26), date(2026, 11, 26)
# loan 1 pays each EMI, November's returned on the 28th; loan 2 pays half of October's;
# loan 3 pays nothing (its borrower promises to on 10 Nov, and does not); loan 4 pays each
# EMI and has borrower 3 as its co-borrower
PEOPLE = [{"name": f"Borrower {k}"} for k in range(1, 5)]


def _pay(uow: UnitOfWork, loan: int, amount: D, day: date) -> None:
    request = PaymentRequest(amount, day, f"P-{loan}-{day}", "nach")
    record_payment(uow, loan_id=loan, request=request, posting_date=day)


def _day(uow: UnitOfWork, day: date) -> None:
    if day in (OCT26, NOV26):
        for loan in (1, 4):
            _pay(uow, loan, EMI, day)
    if day == OCT26:
        _pay(uow, 2, EMI / 2, day)
    if day == date(2026, 11, 5):
        case = uow.session.scalar(select(CollectionCase).where(CollectionCase.customer_id == 3))
        assert case is not None
        promise(uow, case, PromiseAsked(D(5000), date(2026, 11, 10)), day=day)
    if day == date(2026, 11, 28):
        paid = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.reference == f"P-1-{NOV26}"))
        assert paid is not None
        reverse_payment(uow, loan_id=1, event_id=paid, known_on=day, posting_date=day,
                        return_code="04")  # fmt: skip


def _closed(db_url: str, engine: Engine, last: date) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=OCT26)
    with UnitOfWork(sessions) as uow:
        uow.session.add(LoanParty(loan_id=4, customer_id=3, role="co_borrower"))
        add_step(uow, bucket="1-30", day=3, action="call", event=None, product_code=None,
                 min_band="D")  # fmt: skip
        add_step(uow, bucket="1-30", day=3, action="visit", event=None, product_code=None)
        uow.commit()
    lived_and_closed(sessions, OCT26, last, _day)
    return sessions


def _open(uow: UnitOfWork) -> list[tuple[int, str, date]]:
    s = RiskSignal
    rows = select(s.loan_id, s.signal, s.raised_on).where(s.cleared_on.is_(None))
    return sorted(uow.session.execute(rows.order_by(s.id)).all())


def test_signals_bands_and_the_riskier_cases(db_url: str, engine: Engine) -> None:
    sessions = _closed(db_url, engine, date(2026, 11, 28))
    with UnitOfWork(sessions) as uow:
        s = RiskSignal
        assert sorted(
            uow.session.execute(select(s.loan_id, s.signal, s.raised_on, s.cleared_on)).all()
        ) == [
            (1, "first_bounce", date(2026, 11, 28), None),
            # half paid: still a day past due at the day-end; cleared thirty days on
            (2, "partial_payment", OCT26, date(2026, 11, 25)),
            (3, "promise_broken", date(2026, 11, 10), None),
            (4, "related_loan_slipping", date(2026, 11, 25), None),  # loan 3 reached 31 DPD
        ]
        details = dict(uow.session.execute(select(RiskSignal.signal, RiskSignal.detail)).all())
        assert details["first_bounce"] == "a payment returned (returned:04) after 6 clean months"
        assert details["related_loan_slipping"] == "loan 3 reached 31 days past due today"
        # no score yet: one open signal makes band C; none, no band
        bands = dict(uow.session.execute(select(Loan.id, Loan.risk_band)).all())
        assert bands == {1: "C", 2: None, 3: "C", 4: "C"}
        cases = dict(uow.session.execute(select(CollectionCase.customer_id,
                                                CollectionCase.risk_band)).all())  # fmt: skip
        assert cases[3] == "C"
        # the step kept for band D or worse never acted; the one for any case did, on day 3
        # (cases 2 and 3 were on day 3 of 1-30 on 29 Oct, in bands C and none)
        assert sorted(uow.session.scalars(select(CaseTask.kind))) == ["visit", "visit"]


def test_rising_lateness_at_a_month_end_and_the_band_it_raises(db_url: str, engine: Engine) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE[:1], business_date=date(2026, 10, 31))
    with UnitOfWork(sessions) as uow:
        for k, days in enumerate((0, 0, 2, 3, 5, 9)):  # May to October
            month = [date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
                     date(2026, 9, 30), date(2026, 10, 31)][k]  # fmt: skip
            uow.session.add(LoanMonth(
                month=month, loan_id=1, status="active", dpd=0, max_dpd=days, overdue_days=days,
                principal_outstanding=D(90000), excess=D(0), due=EMI, installments_left=10,
                paid=EMI, bounces=0, broken_promises=0, source="replay"))  # fmt: skip
        uow.session.flush()
        # 3 + 5 + 9 = 17 days in the last three months against 0 + 0 + 2 = 2: 15 more
        assert signals.run(uow, date(2026, 10, 31), 1, 10) == 1
        assert signals.run(uow, date(2026, 10, 31), 1, 10) == 0  # open once
        assert _open(uow) == [(1, "rising_lateness", date(2026, 10, 31))]
        assert signals.run(uow, date(2026, 10, 30), 1, 10) == 0  # only at month ends
        assert uow.session.scalar(select(Loan.risk_band).where(Loan.id == 1)) == "C"
        # thirty days on it clears, and the band goes with it
        assert signals.run(uow, date(2026, 11, 30), 1, 10) == 0
        assert _open(uow) == []
        assert uow.session.scalar(select(Loan.risk_band).where(Loan.id == 1)) is None
