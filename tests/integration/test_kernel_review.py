"""Regressions found by review of the ledger kernel: the close and a payment racing to raise a
due (PostgreSQL), a raised due removed by a backdated foreclosure (its accrual), and interest
paid ahead on an NPA (what suspense holds, before and after the upgrade)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from tests.integration.book_setup import book_of_loans, open_book, sound

from lms.close.runner import close_until
from lms.close.steps import dues
from lms.ledger.check import account_balances
from lms.ledger.models import JournalEntryRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

OCT26, NOV20, NOV26, NOV27 = (date(2026, m, d) for m, d in ((10, 26), (11, 20), (11, 26), (11, 27)))


def _pay(sessions: object, amount: str, day: date, ref: str, on: date) -> None:
    with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        request = PaymentRequest(D(amount), day, ref, "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=on)
        uow.commit()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    built = make_engine(postgres_url)
    yield built
    built.dispose()


def test_a_payment_raising_a_due_while_the_close_raises_it_posts_it_once(
    postgres_url: str, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dues step reads the loan, a payment dated the due date raises the due and commits,
    then the step writes: it must leave the loan to the payment (PostgreSQL, read committed;
    SQLite serialises writers from the start of their transaction)."""
    sessions = book_of_loans(postgres_url, pg_engine, [{"name": "A"}], business_date=NOV26)
    _pay(sessions, "8884.88", OCT26, "UTR1", NOV26)
    read = dues._read_dues  # the database's read (PostgreSQL runs the step set-based)

    def read_then_a_payment_commits(uow: UnitOfWork, params: dict[str, object]) -> None:
        read(uow, params)
        _pay(sessions, "8884.88", NOV26, "NACH2", NOV26)

    monkeypatch.setattr(dues, "_read_dues", read_then_a_payment_commits)
    with UnitOfWork(sessions, origin="close") as uow:
        dues.run(uow, NOV26, 0, 9)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        live = uow.session.scalars(
            select(JournalEntryRow.origin).where(
                JournalEntryRow.source == "due:2026-11-26", JournalEntryRow.reverses_id.is_(None)
            )
        ).all()
        assert live == ["api"]
        assert account_balances(uow.session, "1").get("interest_receivable", D(0)) == 0
    sound(sessions)


def test_a_foreclosure_before_a_raised_due_gives_its_accrual_to_the_new_due(
    db_url: str, engine: Engine
) -> None:
    """31 Oct accrues 148.57 of installment 2; the 26 Nov close raises it (921.15, the accrual
    taken); a foreclosure dated 20 Nov, booked on 27 Nov, removes that due: its reversal gives
    the 148.57 back and the foreclosure's due (757.11 of interest to 20 Nov) takes it. Income:
    1,000.00 (installment 1) + 757.11, nothing left accrued."""
    sessions = book_of_loans(db_url, engine, [{"name": "A"}], business_date=OCT26)
    _pay(sessions, "8884.88", OCT26, "UTR1", OCT26)
    close_until(sessions, NOV26, size=10)
    with UnitOfWork(sessions) as uow:
        foreclose_loan(
            uow, loan_id=1, on=NOV20, reference="FC1", channel="neft", posting_date=NOV27
        )
        uow.commit()
        loan = uow.session.get(Loan, 1)
        assert loan is not None and (loan.status, loan.accrued_interest) == ("closed", 0)
    balances = sound(sessions, 1)
    assert balances.get("interest_accrued", D(0)) == 0
    assert balances["interest_income"] == D("-1757.11")


AHEAD = [
    (bucket, component)
    for bucket in ("past_due", "due", "in_advance")
    for component in ("penal", "fee", "interest", "principal")
]


def test_interest_paid_ahead_on_an_npa_is_nobody_s_income_yet(db_url: str, engine: Engine) -> None:
    """A loan never paid is an NPA by 16 May (four EMIs overdue); on 17 May it pays four EMIs
    and 1,000 more, which (the product pays ahead) goes to installment 5's interest: suspense
    empties (the arrears' interest is income once received), the 1,000 stays a credit on the
    receivable, and the upgrade that day moves nothing the wrong way."""
    sessions = open_book(db_url, engine, waterfall=AHEAD)
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("L-A", "PUN01", 1, "PL", D(100000), D(12), 12, date(2026, 1, 15))
        loan_id = onboard_loan(uow, request=request).id
        disburse_loan(uow, loan_id=loan_id, posting_date=date(2026, 1, 15))
        calendar.set_business_date(uow, date(2026, 5, 15))
        uow.commit()
    close_until(sessions, date(2026, 5, 16), size=10)
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None and loan.asset_class == "NPA"
    may17 = date(2026, 5, 17)
    _pay(sessions, str(D("8884.88") * 4 + 1000), may17, "UTR1", may17)
    balances = sound(sessions, loan_id)
    assert balances.get("interest_suspense", D(0)) == 0
    close_until(sessions, may17, size=10)
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None and loan.asset_class == "STD"
        moved = uow.session.scalars(
            select(JournalEntryRow.event).where(
                JournalEntryRow.posting_date == may17,
                JournalEntryRow.event.in_(["npa_income_reversal", "npa_upgrade"]),
            )
        ).all()
        assert moved == []
    assert sound(sessions, loan_id).get("interest_suspense", D(0)) == 0
