"""Bulk onboarding on every configured database: what onboard + disburse would write, at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from book_setup import open_book
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.core.validation import ScheduleError
from lms.db import UnitOfWork
from lms.ledger.check import account_balances, ledger_problems
from lms.loans.balances import loan_ledger_problems
from lms.loans.bulk import LoanColumns
from lms.loans.bulk_onboarding import BulkBook, onboard_bulk
from lms.loans.models import Loan, LoanInstallment
from lms.loans.onboarding import LoanRequest, onboard_loan
from lms.loans.repayments import PaymentRequest, record_payment
from lms.loans.service import disburse_loan, loan_state

SETTINGS = {
    "due_day": 5,
    "bpi": "deduct",
    "fees": [{"name": "processing", "percent": "1.5", "tax": "18"}],
}


def _book(count: int, *, principal: D = D("250000.00")) -> BulkBook:
    return BulkBook(
        external_ids=[f"MIG-{k}" for k in range(count)],
        customer_ids=[1] * count,
        loans=LoanColumns(
            principal=[principal + k for k in range(count)],
            annual_rate=[D("11.5")] * count,
            disbursement_date=[date(2026, 1, 10 + k % 15) for k in range(count)],
            installments=[36] * count,
        ),
    )


def _open(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return open_book(
        db_url,
        engine,
        branch=("MUM01", "Mumbai"),
        customers=({"name": "Nikhil Joshi"},),
        code="TW",
        name="TW",
        settings=SETTINGS,
        rate=(D(1), D(30)),
        tenure=(6, 60),
    )


def test_a_bulk_book_equals_loans_booked_one_by_one(db_url: str, engine: Engine) -> None:
    sessions = _open(db_url, engine)
    with UnitOfWork(sessions) as uow:
        loan = onboard_loan(
            uow,
            request=LoanRequest(
                "ONE", "MUM01", 1, "TW", D("250003.00"), D("11.5"), 36, date(2026, 1, 13)
            ),
        )
        disburse_loan(uow, loan_id=loan.id, posting_date=date(2026, 1, 13))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=_book(20)) == 20
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        one = uow.session.scalar(select(Loan).where(Loan.external_id == "ONE"))
        twin = uow.session.scalar(select(Loan).where(Loan.external_id == "MIG-3"))  # same terms
        assert one is not None and twin is not None
        assert (twin.emi, twin.net_disbursed, twin.terms) == (one.emi, one.net_disbursed, one.terms)
        assert account_balances(uow.session, str(twin.id)) == account_balances(
            uow.session, str(one.id)
        )
        rows = uow.session.scalar(select(func.count()).select_from(LoanInstallment))
        assert rows == 21 * 36
        # an imported loan takes payments like any other
        request = PaymentRequest(twin.emi, date(2026, 3, 5), "NACH-1", "nach")
        record_payment(uow, loan_id=twin.id, request=request, posting_date=date(2026, 3, 5))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert loan_ledger_problems(uow) == []
        assert loan_state(uow, loan_id=twin.id, as_of=date(2026, 3, 5)).dpd == 0


def test_a_refused_loan_is_named_and_nothing_is_written(db_url: str, engine: Engine) -> None:
    sessions = _open(db_url, engine)
    book = _book(3)
    bad = BulkBook(
        book.external_ids,
        book.customer_ids,
        LoanColumns(
            principal=[D(100000), D("10.001"), D(100000)],
            annual_rate=book.loans.annual_rate,
            disbursement_date=book.loans.disbursement_date,
            installments=book.loans.installments,
        ),
    )
    with UnitOfWork(sessions) as uow, pytest.raises(ScheduleError, match=r"loans\[1\]\.principal"):
        onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=bad)
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Loan)) == 0
