"""Interest falling due is raised by one rule, whoever raises it first: a payment on the due
date (before the close reaches it) and the close's dues step write the same entry, split the
same way between the accrual booked at the month end and income.

The loan: 1,00,000 at 12 % for 12 months paid out on 26 Sep 2026; installment 2 (due 26 Nov,
921.15 interest on 92,115.12) has accrued at the 31 Oct close for 5 of its 31 days:
921.15 x 5 / 31 = 148.57 (rounded once to the paisa), booked as income then.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.integration.book_setup import book_of_loans, sound

from lms.close.runner import close_until
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment

OCT26, OCT31, NOV26 = date(2026, 10, 26), date(2026, 10, 31), date(2026, 11, 26)


def _due_entry(
    sessions: sessionmaker[Session], due: date
) -> tuple[str | None, list[tuple[str, str, str]]]:
    with UnitOfWork(sessions) as uow:
        entry = uow.session.scalars(
            select(JournalEntryRow).where(JournalEntryRow.source == f"due:{due.isoformat()}")
        ).one()
        lines = sorted(
            (line.account, f"{line.debit:.2f}", f"{line.credit:.2f}")
            for line in uow.session.scalars(
                select(JournalLineRow).where(JournalLineRow.entry_id == entry.id)
            )
        )
        return entry.origin, lines


def _book_through_oct(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, [{"name": "A"}], business_date=OCT26)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), OCT26, "UTR1", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=OCT26)
        uow.commit()
    close_until(sessions, date(2026, 11, 25), size=10)  # the 31 Oct close books the accrual
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None
        assert (loan.accrued_interest, loan.accrued_through) == (D("148.57"), OCT31)
        assert calendar.business_date(uow) == NOV26
    return sessions


SPLIT = [
    ("interest_accrued", "0.00", "148.57"),
    ("interest_income", "0.00", "772.58"),
    ("interest_receivable", "921.15", "0.00"),
]


def test_a_payment_on_the_due_date_raises_it_as_the_close_would(
    db_url: str, engine: Engine
) -> None:
    sessions = _book_through_oct(db_url, engine)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), NOV26, "UTR2", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=NOV26)
        uow.commit()
    assert _due_entry(sessions, NOV26) == ("api", SPLIT)
    close_until(sessions, NOV26, size=10)  # the close finds the due raised: nothing twice
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None and loan.accrued_interest == 0
    sound(sessions)


def test_the_close_raises_the_same_entry(db_url: str, engine: Engine) -> None:
    sessions = _book_through_oct(db_url, engine)
    close_until(sessions, NOV26, size=10)
    assert _due_entry(sessions, NOV26) == ("close", SPLIT)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), NOV26, "UTR2", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=date(2026, 11, 27))
        uow.commit()
    assert _due_entry(sessions, NOV26) == ("close", SPLIT)  # left as the close posted it
    sound(sessions)
