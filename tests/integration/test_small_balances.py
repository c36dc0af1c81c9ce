"""Small balances: a loan whose installments have all fallen due and which owes no more than
its product's threshold has the rest forgiven by the close, and closes.

Asha's loan: 12,000 at 12 % for 3 months from 26 Sep 2026 on a product forgiving up to 10.00.
The schedule, by hand: EMI 12,000 x 0.01 / (1 - 1.01^-3) = 4,080.2652, so 4,080.27; interest
120.00, then 80.40 (on 8,039.73), then 40.40 (on 4,039.86), the last 4,039.86 + 40.40 = 4,080.26. She
pays every EMI but 6.50 short of the last on 26 Dec: the close of 26 Dec forgives 6.50 (to the
write-off expense) and the loan closes. Ravi, on the same product, is 50.00 short: above the
threshold, nothing is forgiven. Meera overpays her last EMI by 6.50: the close refunds it
to her; Kiran overpays by 50.00: above the threshold, it waits for staff.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from api_client import api_client
from book_setup import open_book, sound
from sqlalchemy import Engine, select

from lms.close.runner import close_until
from lms.ledger.models import JournalEntryRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_schedule

SEP26 = date(2026, 9, 26)


def test_a_small_remainder_is_forgiven_and_the_loan_closes(db_url: str, engine: Engine) -> None:
    sessions = open_book(db_url, engine, customers=({"name": "Asha"}, {"name": "Ravi"}, {"name": "Meera"}, {"name": "Kiran"}),
                         rules=ProductRules(small_balance=D(10)))  # fmt: skip
    with UnitOfWork(sessions) as uow:
        for k in (1, 2, 3, 4):
            request = LoanRequest(f"PL-{k}", "PUN01", k, "PL", D(12000), D(12), 3, SEP26)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=SEP26)
        calendar.set_business_date(uow, SEP26)
        rows = loan_schedule(uow.session.get(Loan, 1)).installments  # type: ignore[arg-type]
        uow.commit()
    assert [r.total for r in rows] == [D("4080.27"), D("4080.27"), D("4080.26")]
    for row in rows:
        short = dict.fromkeys((1, 2, 3, 4), D(0))
        if row.number == 3:
            short = {1: D("6.50"), 2: D("50.00"), 3: D("-6.50"), 4: D("-50.00")}
        with UnitOfWork(sessions) as uow:
            calendar.set_business_date(uow, row.due_date)
            for loan_id in (1, 2, 3, 4):
                paid = PaymentRequest(row.total - short[loan_id], row.due_date,
                                      f"UTR-{loan_id}-{row.number}", "upi")  # fmt: skip
                record_payment(uow, loan_id=loan_id, request=paid, posting_date=row.due_date)
            uow.commit()
    close_until(sessions, date(2026, 12, 27), size=10)
    with UnitOfWork(sessions) as uow:
        asha, ravi = uow.session.get(Loan, 1), uow.session.get(Loan, 2)
        assert asha is not None and ravi is not None
        assert (asha.status, asha.closed_on) == ("closed", date(2026, 12, 26))
        assert (ravi.status, ravi.dpd) == ("active", 2)
        meera, kiran = uow.session.get(Loan, 3), uow.session.get(Loan, 4)
        assert meera is not None and kiran is not None
        assert (meera.status, meera.excess, kiran.status, kiran.excess) == (
            "closed", D("0.00"), "closed", D("50.00"))  # fmt: skip
        refunds = uow.session.scalars(
            select(JournalEntryRow).where(JournalEntryRow.event == "refund")
        ).all()
        assert [(e.loan_id, e.source, e.value_date) for e in refunds] == [
            ("3", "refund:small-excess:2026-12-26", date(2026, 12, 26))]  # fmt: skip
        entries = uow.session.scalars(
            select(JournalEntryRow).where(JournalEntryRow.event == "small_balance")
        ).all()
        assert [(e.loan_id, e.source, e.value_date) for e in entries] == [
            ("1", "small_balance:small-balance:2026-12-26", date(2026, 12, 26))]  # fmt: skip
    with api_client(db_url) as admin:
        lines = admin.get("/api/v1/loans/1/statement").json()
    (forgiven,) = [x for x in lines if x["kind"] == "small balance forgiven"]
    assert D(forgiven["principal"]) + D(forgiven["interest"]) == D("6.50")
    assert forgiven["balance"] == "0.00"
    books = sound(sessions, 1)
    assert books["write_off_expense"] == D("6.50")
    assert not books.get("loan_principal") and not books.get("interest_receivable")
