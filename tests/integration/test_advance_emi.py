"""Advance EMIs through the servicing layer: a vehicle loan of 5,00,000 at 10 % for 36 months
from 10 Jan 2026 with one advance EMI and a 1 % processing fee with 18 % GST, deducted.

By hand: the ordinary EMI 16,133.59 discounted a month, 16,000.26, is kept back from the payout
with the fee (5,000) and its GST (900): the bank pays 4,78,099.74; the loan's principal is
5,00,000 lent less 16,000.26 collected, 4,83,999.74, repaid by 35 installments from 10 Feb. The
journal names each part by its rule; the statement shows the advance EMI after the
disbursement; the KFS says it; the first EMI on its due date closes the installment.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

from api_client import api_client
from book_setup import entry_totals, open_book, sound
from pypdf import PdfReader
from sqlalchemy import Engine

from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state, net_payout

JAN10 = date(2026, 1, 10)
SETTINGS = {"advance_emis": 1, "fees": [{"name": "processing", "percent": "1", "tax": "18"}]}


def test_an_advance_emi_is_kept_back_from_the_payout(db_url: str, engine: Engine) -> None:
    sessions = open_book(
        db_url, engine, customers=({"name": "Kiran Rao"},), settings=SETTINGS, tenure=(6, 60)
    )
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("VL-1", "PUN01", 1, "PL", D(500000), D(10), 36, JAN10)
        loan = onboard_loan(uow, request=request)
        assert (loan.emi, loan.net_disbursed) == (D("16000.26"), D("478099.74"))
        disburse_loan(uow, loan_id=loan.id, posting_date=JAN10)
        calendar.set_business_date(uow, JAN10)
        assert net_payout(uow, loan) == D("478099.74")
        state = loan_state(uow, loan_id=loan.id, as_of=JAN10)
        assert state.principal_outstanding == D("483999.74")
        assert len(state.installments) == 35
        uow.commit()
    assert entry_totals(sessions, "advance_emi") == {
        "disbursement_bank": D("16000.26"),
        "loan_principal": D("-16000.26"),
    }
    books = sound(sessions, 1)
    assert books["disbursement_bank"] == D("-478099.74")
    assert books["loan_principal"] == D("483999.74")
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, date(2026, 2, 10))
        paid = PaymentRequest(D("16000.26"), date(2026, 2, 10), "NACH-1", "nach")
        record_payment(uow, loan_id=1, request=paid, posting_date=date(2026, 2, 10))
        uow.commit()
    with api_client(db_url) as client:
        lines = client.get("/api/v1/loans/1/statement").json()
        pdf = client.get("/api/v1/loans/1/kfs.pdf")
    assert [(x["kind"], x["amount"], x["principal"], x["balance"]) for x in lines[:2]] == [
        ("disbursement", "-500000.00", "0.00", "500000.00"),
        ("advance EMI", "16000.26", "16000.26", "483999.74"),
    ]
    assert lines[-1]["kind"] == "payment" and lines[-1]["amount"] == "16000.26"
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Loan term 36 installments" in text
    assert "Installment (EMI) ₹16,000.26, 35 of them" in text
    assert "Advance EMIs 1 paid on 10 Jan 2026, ₹16,000.26 kept back from the amount paid out" in (
        text
    )
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None and loan.dpd == 0
    sound(sessions, 1)
