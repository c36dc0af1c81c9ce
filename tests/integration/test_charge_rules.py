"""Charges by rule during a loan's life, levied by the daily close and by staff, each posted by
its rule.

The book: Asha's loan 1 and Ravi's loan 2, 1,00,000 at 12 % for 12 months from 26 Sep 2026
(EMI 8,884.88 on the 26th), on a product charging 50 + 18 % GST (59.00) on every installment,
2 % + GST of what is unpaid of an installment 15 days after its due date (a penal charge), and
250 + GST (295.00) for a statement copy. Asha pays October's EMI and its charge on the day;
Ravi pays nothing: on 10 Nov his October installment is 15 days late: 2 % of 8,884.88 =
177.6976, so 177.70, and GST 18 % of it 31.986, so 31.99. Then a receipt of his dated 5 Nov is
found: the late charge was not earned, and the close reverses it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from api_client import api_client
from book_setup import book_of_loans, sound
from sqlalchemy import Engine

from lms.close.runner import close_until
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules
from lms.servicing.repayments import PaymentRequest, record_payment

PEOPLE = [{"name": "Asha Patil"}, {"name": "Ravi Kumar"}]
RULES = ProductRules(
    charge_rules=(
        {"name": "collection", "on": "installment", "amount": "50", "tax": "18"},
        {"name": "late", "on": "overdue", "days": 15, "percent": "2", "tax": "18"},
        {"name": "statement_copy", "on": "event", "amount": "250", "tax": "18"},
    )
)


def test_the_close_levies_charges_by_rule_and_staff_levy_event_charges(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20), rules=RULES)
    close_until(sessions, date(2026, 10, 25), size=10)
    with UnitOfWork(sessions) as uow:
        paid = PaymentRequest(D("8943.88"), date(2026, 10, 26), "UTR-OCT", "upi")
        record_payment(uow, loan_id=1, request=paid, posting_date=date(2026, 10, 26))
        uow.commit()
    close_until(sessions, date(2026, 11, 10), size=10)
    with api_client(db_url) as admin:
        asha = admin.get("/api/v1/loans/1/charges").json()
        ravi = admin.get("/api/v1/loans/2/charges").json()
        copy = admin.post("/api/v1/loans/1/event-charges", json={"rule": "statement_copy"})
        unknown = admin.post("/api/v1/loans/1/event-charges", json={"rule": "courier"})
        state = admin.get("/api/v1/loans/2").json()
        product = admin.get("/api/v1/products/1").json()
    assert [r["name"] for r in product["charge_rules"]] == ["collection", "late", "statement_copy"]
    assert product["charge_rules"][1] == {
        "name": "late", "on": "overdue", "tax": "18", "percent": "2", "days": 15}  # fmt: skip
    fields = ("reference", "day", "kind", "amount", "tax", "paid", "unpaid")
    assert [tuple(c[f] for f in fields) for c in asha] == [
        ("collection:2026-10-26", "2026-10-26", "fee", "50.00", "9.00", "59.00", "0.00"),
    ]  # the excess of the day's payment paid it
    assert [tuple(c[f] for f in fields) for c in ravi] == [
        ("collection:2026-10-26", "2026-10-26", "fee", "50.00", "9.00", "0.00", "59.00"),
        ("late:1", "2026-11-10", "penal", "177.70", "31.99", "0.00", "209.69"),
    ]
    assert copy.status_code == 201, copy.text
    assert (copy.json()["reference"], copy.json()["amount"], copy.json()["tax"]) == (
        "statement_copy:1", "250.00", "45.00")  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "rule"
    assert state["dpd"] == 17  # on the business date, 11 Nov (26 Oct is day 1)
    with UnitOfWork(sessions) as uow:  # Ravi's receipt of 5 Nov, found on 11 Nov
        found = PaymentRequest(D("8943.88"), date(2026, 11, 5), "UTR-FOUND", "neft")
        record_payment(uow, loan_id=2, request=found, posting_date=date(2026, 11, 11))
        uow.commit()
    close_until(sessions, date(2026, 11, 26), size=10)  # restated: the late charge unearned
    with api_client(db_url) as admin:
        ravi = admin.get("/api/v1/loans/2/charges").json()
    assert [(c["reference"], c["paid"], c["unpaid"]) for c in ravi] == [
        ("collection:2026-10-26", "59.00", "0.00"),  # paid first by the receipt of 5 Nov
        ("collection:2026-11-26", "0.00", "59.00"),
    ]
    sound(sessions)
