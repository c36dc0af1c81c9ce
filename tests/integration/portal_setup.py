"""The borrower portal's test book and a borrower signed in through its forms.

The book (book_setup.book_of_loans): three borrowers, each with loan PL-k of 1,00,000 at 12 %
for 12 months paid out on 26 Sep 2026 (EMI 8,884.88 on the 26th), business date 26 Nov
2026, nothing repaid: each owes the October and November EMIs (17,769.76), 32 days past due.
Asha (customer 1, e-mail and phone) borrows PL-1; Bharat (2, e-mail) PL-2; Chitra (3, phone)
PL-3 and is a co-borrower of PL-1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from email.message import EmailMessage

from book_setup import book_of_loans
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db import UnitOfWork
from lms.servicing.models import LoanParty

PEOPLE = (
    {"name": "Asha Rao", "email": "asha@example.in", "phone": "+91 98765 43210"},
    {"name": "Bharat Das", "email": "bharat@example.in"},
    {"name": "Chitra Iyer", "phone": "9123456780"},
)


def portal_book(url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(url, engine, PEOPLE)
    with UnitOfWork(sessions) as uow:
        uow.session.add(LoanParty(loan_id=1, customer_id=3, role="co_borrower"))
        uow.commit()
    return sessions


def challenge_of(html: str) -> str:
    match = re.search(r'name="challenge" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def text_of(message: EmailMessage) -> str:
    """The plain text of a message as the mail server received it."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def code_in(message: EmailMessage) -> str:
    match = re.search(r"\b(\d{6})\b", text_of(message))
    assert match is not None
    return match.group(1)


def sign_in(client: TestClient, loan: str, contact: str, received: list[EmailMessage]) -> None:
    """Sign `client` in as the borrower reached at the e-mail `contact` of loan `loan`."""
    asked = client.post("/my/sign-in", data={"loan_number": loan, "contact": contact})
    assert asked.status_code == 200, asked.text
    answer = client.post(
        "/my/code", data={"challenge": challenge_of(asked.text), "code": code_in(received[-1])}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/my"


def gateway_event(secret: str, payment: str, paise: int, event: str = "payment.captured") -> (
    tuple[str, str]
):  # fmt: skip
    """The gateway's webhook body reporting `payment` of `paise` on the first order captured,
    and its signature under `secret` (Razorpay's shape: HMAC-SHA256 of the body, hex)."""
    entity = {"id": payment, "entity": "payment", "amount": paise, "currency": "INR",
              "status": "captured", "order_id": "order_T000001", "created_at": 1795680000}  # fmt: skip
    body = json.dumps({"event": event, "payload": {"payment": {"entity": entity}}})
    return body, hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
