"""A top-up: a new loan whose payout first closes the borrower's older loan.

Asha's loan 1: 1,00,000 at 12 % for 12 months from 26 Sep 2026 (EMI 8,884.88); October's EMI
paid, so 92,115.12 of principal is left. On 10 Nov she takes 2,00,000 for 24 months as a
top-up: loan 1 is foreclosed that day for 92,115.12 and its interest since 26 Oct, 15 days on
actual days: 92,115.12 x 12 % x 15 / 365 = 454.2664, so 454.27; payoff 92,569.39. The bank
pays her 2,00,000 - 92,569.39 = 1,07,430.61.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from api_client import api_client
from book_setup import book_of_loans, sound
from sqlalchemy import Engine

from lms.close.runner import close_until
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment

NOV10 = date(2026, 11, 10)


def test_a_top_up_closes_the_old_loan_from_its_payout(db_url: str, engine: Engine) -> None:
    sessions = book_of_loans(db_url, engine, [{"name": "Asha Patil"}, {"name": "Ravi Kumar"}],
                             business_date=date(2026, 10, 26))  # fmt: skip
    with UnitOfWork(sessions) as uow:
        paid = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-OCT", "upi")
        record_payment(uow, loan_id=1, request=paid, posting_date=date(2026, 10, 26))
        for k, customer in ((3, 1), (4, 2)):
            request = LoanRequest(f"PL-{k}", "PUN01", customer, "PL", D(200000), D(12), 24, NOV10)
            onboard_loan(uow, request=request)
        uow.commit()
    close_until(sessions, date(2026, 11, 9), size=10)
    before = sound(sessions)
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        others = manager.post("/api/v1/loans/4/top-up", json={"old_loan_id": 1})
        assert others.status_code == 422 and others.json()["errors"][0]["field"] == "old_loan_id"
        done = manager.post("/api/v1/loans/3/top-up", json={"old_loan_id": 1})
        assert done.status_code == 201, done.text
        again = manager.post("/api/v1/loans/3/top-up", json={"old_loan_id": 1})
        assert again.status_code == 409  # paid out already
    assert done.json() == {"loan_id": 3, "paid_off": 1, "payoff": "92569.39",
                           "paid_out": "107430.61"}  # fmt: skip
    with UnitOfWork(sessions) as uow:
        old, new = uow.session.get(Loan, 1), uow.session.get(Loan, 3)
        assert old is not None and new is not None
        assert (old.status, old.closed_on, old.topped_up_by) == ("closed", NOV10, 3)
        assert (new.status, new.disbursed_on) == ("active", NOV10)
    after = sound(sessions)  # each loan's ledger = its replay; the book balances
    moved = {a: after.get(a, D(0)) - before.get(a, D(0)) for a in after}
    # the bank paid out only the difference; the collection account took nothing in
    assert moved["disbursement_bank"] == D("-107430.61")
    assert moved["collection_bank"] == D(0)
    assert moved["loan_principal"] == D("200000.00") - D("92115.12")
