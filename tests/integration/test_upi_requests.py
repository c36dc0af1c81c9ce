"""UPI payment requests over the HTTP API when nothing is overdue: the request asks for the
next installment (less any money already held for it); a loan that owes nothing is refused
with a 409 problem.

The book (tests/integration/book_setup.py `book_of_loans`): 1,00,000 at 12 % for 12 months
paid out on 26 Sep 2026, EMI 8,884.88 due on the 26th from 26 Oct.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from api_client import api_client
from book_setup import book_of_loans
from sqlalchemy import Engine

from lms.platform.db import UnitOfWork
from lms.servicing.repayments import PaymentRequest, record_payment

OCT20 = date(2026, 10, 20)
PROBLEM = "application/problem+json"


def test_a_loan_with_nothing_overdue_is_asked_for_its_next_installment(
    db_url: str, engine: Engine
) -> None:
    """On 20 Oct nothing has fallen due: the request is for installment 1, 8,884.88 due 26 Oct
    (reference U + 261026 + the loan id in nine digits); asked again, the same request."""
    book_of_loans(db_url, engine, [{"name": "Ravi"}], business_date=OCT20)
    with api_client(db_url) as client:
        made = client.post("/api/v1/loans/1/upi-requests")
        again = client.post("/api/v1/loans/1/upi-requests")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["reference"], body["amount"], body["due_date"]) == (
        "U261026000000001",
        "8884.88",
        "2026-10-26",
    )
    assert "&am=8884.88&cu=INR&tr=U261026000000001" in body["link"]
    assert again.json() == body


def test_money_held_for_the_next_installment_is_not_asked_for_again(
    db_url: str, engine: Engine
) -> None:
    """5,000 paid on 20 Oct, before anything is due, is held (excess): the request asks for
    the rest of installment 1, 8,884.88 - 5,000 = 3,884.88. With a full EMI held, nothing is
    due: 409, a problem that says so."""
    sessions = book_of_loans(db_url, engine, [{"name": "Ravi"}, {"name": "Sunita"}],
                             business_date=OCT20)  # fmt: skip
    with UnitOfWork(sessions) as uow:
        for loan_id, amount in ((1, D(5000)), (2, D("8884.88"))):
            request = PaymentRequest(amount, OCT20, f"ADV{loan_id}", "upi")
            record_payment(uow, loan_id=loan_id, request=request, posting_date=OCT20)
        uow.commit()
    with api_client(db_url) as client:
        part = client.post("/api/v1/loans/1/upi-requests")
        none = client.post("/api/v1/loans/2/upi-requests")
    assert (part.status_code, part.json()["amount"]) == (201, "3884.88")
    assert (none.status_code, none.headers["content-type"]) == (409, PROBLEM)
    assert none.json()["detail"] == (
        "loan 2 owes nothing now: its next installment (8884.88, due 2026-10-26) is covered by"
        " the 8884.88 it holds"
    )
