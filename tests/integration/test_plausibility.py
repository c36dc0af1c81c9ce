"""Plausibility of payments, the product's settings: money above what a loan could ever owe
(times the product's payment_ceiling, 1.1) and value dates further back than its
backdate_days are refused, with the same reason on the exact path, the set-based path and the
API, and nothing is written.

The book: one loan of 1,00,000 at 12 % for 12 months paid out on 26 Sep 2026 (EMI 8,884.88),
business date 26 Nov 2026, nothing paid: it could still owe all twelve installments, whose
principal and interest add up to 1,06,618.53 (eleven EMIs of 8,884.88 and a last one of
8,884.85, the schedule's own rounding; checked against the replayed schedule below).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from api_client import api_client
from book_setup import book_of_loans
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.bulk_payments import post_payments
from lms.servicing.models import LoanEvent, Product
from lms.servicing.payment_rules import PaymentRequest
from lms.servicing.repayments import could_owe, record_payment
from lms.servicing.service import loan_state

NOV26 = date(2026, 11, 26)


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return book_of_loans(db_url, engine, ({"name": "Ravi Kumar"},))


def _payments(book: sessionmaker[Session]) -> int:
    with UnitOfWork(book) as uow:
        return int(uow.session.scalar(select(func.count()).where(LoanEvent.kind == "payment")))


def _pay(book: sessionmaker[Session], amount: str, day: date, ref: str) -> str | None:
    """The refusal of the exact path and of the set-based path (which must agree), or None."""
    request = PaymentRequest(D(amount), day, ref, "neft")
    with UnitOfWork(book) as uow:
        try:
            record_payment(uow, loan_id=1, request=request, posting_date=NOV26)
        except InvalidError as exc:
            exact: str | None = str(exc)
        else:
            exact = None
    with UnitOfWork(book) as uow:  # rolled back: only the decision is compared
        [outcome] = post_payments(uow, [(1, request)], posting_date=NOV26)
    assert outcome.error == exact
    return exact


def test_what_a_loan_could_owe_is_its_unpaid_schedule_and_charges(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        state = loan_state(uow, loan_id=1, as_of=NOV26)
        replayed = sum((i.principal + i.interest for i in state.installments), D(0))
        assert could_owe(uow, 1) == replayed == D("106618.53")


def test_a_payment_above_what_the_loan_could_owe_is_refused(book: sessionmaker[Session]) -> None:
    ceiling = D("106618.53") * D("1.1")  # 117,280.383: 117,280.38 is the most a payment may be
    refused = _pay(book, "117280.39", NOV26, "UTR-BIG")
    assert refused == (
        "amount: is more than 1.1 times all this loan could still owe (106618.53):"
        " refused, to be returned or held by a person"
    )
    assert _pay(book, "117280.38", NOV26, "UTR-MOST") is None and D("117280.38") <= ceiling
    assert _pay(book, "10000000", NOV26, "UTR-CRORE") is not None
    assert _payments(book) == 0


def test_a_value_date_further_back_than_the_product_allows_is_refused(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        uow.session.get_one(Product, 1).backdate_days = 30
        uow.commit()
    assert _pay(book, "8884.88", date(2026, 10, 26), "UTR-OLD") == (
        "value_date: is more than 30 days before the posting date 2026-11-26 (the product's limit)"
    )
    assert _pay(book, "8884.88", date(2026, 10, 27), "UTR-30") is None  # 30 days back: taken
    assert _payments(book) == 0


def test_the_api_refuses_an_implausible_payment_naming_the_field(
    db_url: str, engine: Engine
) -> None:
    book_of_loans(db_url, engine, ({"name": "Ravi Kumar"},))
    with api_client(db_url) as client:
        huge = client.post(
            "/api/v1/loans/1/repayments",
            json={"amount": "9999999.00", "value_date": "2026-11-26", "reference": "UTR-X",
                  "channel": "neft"},
        )  # fmt: skip
        assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "amount"
        product = client.post(
            "/api/v1/products",
            json={"code": "TW", "name": "TW", "amount": {"min": 1, "max": 9}, "rate": {"min": 1,
                  "max": 2}, "tenure": {"min": 1, "max": 2}, "payment_ceiling": "0.5"},
        )  # fmt: skip
        assert product.status_code == 422
        assert product.json()["errors"][0]["field"] == "payment_ceiling"
