"""Branch receipts and refunds on every database, through the API: numbered receipts posted
as repayments, the cash limit, the day-end tally per collector; a refund asked by one person,
refused to the same person, paid when another approves it.

The book: Ravi Kumar's loan 1, 1,00,000 at 12 % for 12 months from 26 Sep 2026 (EMI
8,884.88), branch PUN01, business date 26 Nov 2026 (two EMIs owed, 17,769.76).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from api_client import api_client
from book_setup import book_of_loans, sound
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.ledger.check import account_balances
from lms.platform.db import UnitOfWork
from lms.servicing.service import loan_state


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return book_of_loans(db_url, engine, ({"name": "Ravi Kumar"},))


def test_receipts_and_the_tally(book: sessionmaker[Session], db_url: str) -> None:
    with (
        api_client(db_url, ("collections_agent",), ["PUN01"]) as client,
        api_client(db_url, ("collections_agent",), ["PUN01"]) as ravi,
    ):
        asha = client.get("/api/v1/me").json()["actor"]
        ravi_actor = ravi.get("/api/v1/me").json()["actor"]
        cash = client.post(
            "/api/v1/loans/1/receipts",
            json={"amount": "8884.88", "mode": "cash"},
        )
        cheque = client.post(
            "/api/v1/loans/1/receipts",
            json={
                "amount": "5000.00",
                "mode": "cheque",
                "cheque_number": "000123",
                "cheque_bank": "SBI",
            },
        )
        other = ravi.post("/api/v1/loans/1/receipts", json={"amount": "1000.00", "mode": "cash"})
        too_much = client.post(
            "/api/v1/loans/1/receipts",
            json={"amount": "190200.00", "mode": "cash"},  # 2,00,084.88 today
        )
        no_number = client.post(
            "/api/v1/loans/1/receipts",
            json={"amount": "10.00", "mode": "cheque"},
        )
        tally = (
            api_client(db_url)
            .get("/api/v1/receipts/tally", params={"date": "2026-11-26", "branch": "PUN01"})
            .json()
        )
    assert [r.json()["number"] for r in (cash, cheque, other)] == [
        "PUN01-20261126-00001",
        "PUN01-20261126-00002",
        "PUN01-20261126-00003",
    ]
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
    assert (
        no_number.status_code == 422 and no_number.json()["errors"][0]["field"] == "cheque_number"
    )
    assert tally == [
        {"collector": asha, "receipts": 2, "cash": "8884.88", "cheques": "5000.00"},
        {"collector": ravi_actor, "receipts": 1, "cash": "1000.00", "cheques": "0.00"},
    ]
    with UnitOfWork(book) as uow:
        state = loan_state(uow, loan_id=1, as_of=date(2026, 11, 26))
    assert state.installments[0].unpaid == 0 and state.installments[1].unpaid == D("8884.88") - 6000
    sound(book)


def test_a_refund_needs_a_second_person(book: sessionmaker[Session], db_url: str) -> None:
    """20,000 paid against 17,769.76 owed: 2,230.24 held. A refund of it is asked by a branch
    manager, who cannot approve it; a member of finance does, and it is paid."""
    with (
        api_client(db_url, ("branch_manager",), ["PUN01"]) as client,
        api_client(db_url, ("finance",)) as checker,
    ):
        client.post(
            "/api/v1/loans/1/receipts",
            json={"amount": "20000.00", "mode": "cash"},
        )
        asked = {
            "amount": "2230.24",
            "account_holder": "Ravi Kumar",
            "account_number": "50100012345678",
            "ifsc": "HDFC0001234",
            "reason": "overpaid",
        }
        too_much = client.post(
            "/api/v1/loans/1/refund-requests", json={**asked, "amount": "2230.25"}
        )
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
        made = client.post("/api/v1/loans/1/refund-requests", json=asked).json()
        same = client.post(f"/api/v1/refund-requests/{made['id']}/approve", json={})
        assert same.status_code == 409
        with UnitOfWork(book) as uow:
            assert account_balances(uow.session, "1")["unapplied_funds"] == -D("2230.24")
        done = checker.post(f"/api/v1/refund-requests/{made['id']}/approve", json={})
        again = checker.post(f"/api/v1/refund-requests/{made['id']}/reject", json={})
        payout = checker.post("/api/v1/refund-payouts")
        nothing = checker.post("/api/v1/refund-payouts")
        checked_by = checker.get("/api/v1/me").json()["actor"]
    assert payout.text.split("\r\n")[1] == (
        f"NEFT,,Ravi Kumar,50100012345678,HDFC0001234,2230.24,2026-11-26,REFUND-{made['id']},"
        '"Refund of excess paid, loan 1"'
    )
    assert nothing.status_code == 409
    assert (done.status_code, done.json()["status"], done.json()["decided_by"]) == (
        200,
        "approved",
        checked_by,
    )
    assert made["requested_by"].startswith("user:branch_manager-")
    assert again.status_code == 409
    with UnitOfWork(book) as uow:
        assert account_balances(uow.session, "1").get("unapplied_funds", 0) == 0
    sound(book)
