"""The close's mass steps written by the database (PostgreSQL: accruals, interest dues and
month-end provisions worked out in SQL, lms.ledger.set_based) leave the same book as the
rules applied loan by loan in Python (the path SQLite takes, built with the posting rules
themselves): the same journal (kinds, sources, dates, origins, lines), loan figures and
snapshots, for three loans closed daily from 14 May to 16 June 2026 through two month ends
(accrual booked, provisions), due dates whose interest takes the booked accrual, loans
turning NPA (their dues held in suspense) and a payment that raised a due before the close.

On the SQLite leg both books are built the same way (a check of the digest itself); the
PostgreSQL leg is the proof."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from book_setup import open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import LoanSnapshot
from lms.close.runner import close_until
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

JAN15, EMI = date(2026, 1, 15), D("8884.88")


def _closed_book(url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(url, engine, customers=({"name": "Ravi"}, {"name": "Sunita"}))
    with UnitOfWork(sessions) as uow:
        ids = []
        for name, customer in (("A", 1), ("B", 1), ("C", 2)):
            request = LoanRequest(f"L-{name}", "PUN01", customer, "PL", D(100000), D(12), 12, JAN15)
            ids.append(onboard_loan(uow, request=request).id)
            disburse_loan(uow, loan_id=ids[-1], posting_date=JAN15)
        payments = [(ids[1], date(2026, m, 15), EMI, f"B{m}") for m in (2, 3, 4, 5)]
        payments += [
            (ids[2], date(2026, 2, 15), EMI, "C2"),
            (ids[2], date(2026, 3, 15), D(4000), "C3"),
        ]
        for loan, day, amount, reference in payments:
            request = PaymentRequest(amount, day, reference, "nach")
            record_payment(uow, loan_id=loan, request=request, posting_date=day)
        calendar.set_business_date(uow, date(2026, 5, 14))
        uow.commit()
    close_until(sessions, date(2026, 6, 10))
    with UnitOfWork(sessions) as uow:  # B pays June's EMI early: the payment raises its due
        request = PaymentRequest(EMI, date(2026, 6, 11), "B6", "upi")
        record_payment(uow, loan_id=ids[1], request=request, posting_date=date(2026, 6, 11))
        uow.commit()
    close_until(sessions, date(2026, 6, 16))
    sound(sessions)
    return sessions


def _digest(sessions: sessionmaker[Session]) -> dict[str, list[tuple[object, ...]]]:
    entry, line = JournalEntryRow, JournalLineRow
    with UnitOfWork(sessions) as uow:
        journal = uow.session.execute(
            select(
                entry.loan_id, entry.event, entry.source, entry.value_date, entry.posting_date,
                entry.origin, entry.reverses_id.is_not(None), line.account, line.debit,
                line.credit,
            ).join(line, line.entry_id == entry.id)
        ).all()  # fmt: skip
        loans = uow.session.execute(
            select(
                Loan.external_id, Loan.accrued_interest, Loan.accrued_through,
                Loan.interest_posted_through, Loan.dpd, Loan.asset_class, Loan.npa_since,
            )
        ).all()  # fmt: skip
        snapshots = uow.session.execute(
            select(
                LoanSnapshot.day, LoanSnapshot.loan_id, LoanSnapshot.principal_outstanding,
                LoanSnapshot.interest_due, LoanSnapshot.asset_class, LoanSnapshot.provision,
            )
        ).all()  # fmt: skip
    return {
        name: sorted((tuple(row) for row in rows), key=repr)
        for name, rows in (("journal", journal), ("loans", loans), ("snapshots", snapshots))
    }


def test_the_close_written_by_the_database_equals_the_rules_loan_by_loan(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    here = _digest(_closed_book(db_url, engine))
    reference = f"sqlite:///{tmp_path / 'rules.sqlite3'}"
    by_rules = _digest(_closed_book(reference, make_engine(reference)))
    assert here == by_rules
    events = {row[1] for row in here["journal"]}
    assert {"accrual", "interest_due", "npa_income_reversal", "provision"} <= events
    accrued = [row for row in here["journal"] if row[1] == "accrual"]
    assert date(2026, 5, 31) in {row[3] for row in accrued}  # booked at the month end
    assert any(row[5] is not None and row[5] > 0 for row in here["snapshots"])
