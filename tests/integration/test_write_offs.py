"""Write-offs and one-time settlements, driven by the business date, with their ledger entries.

The book: Asha's loan 1 and Ravi's loan 2, 1,00,000 at 12 % for 12 months from 26 Sep 2026
(EMI 8,884.88 on the 26th), neither paying. The schedule's interest, worked by hand on the
reducing balance at 1 % a month: October 1,000.00 (on 1,00,000), November 921.15 (on 92,115.12
after 7,884.88 of principal), December 841.51 (on 84,151.39 after 7,963.73). A write-off empties
what the ledger holds for the loan into the write-off expense; a settlement's waiver does the
same with the rest once the agreed sum is in; money after either is recovery income.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
from api_client import api_client, approved, csrf, rows, staff_browser
from book_setup import book_of_loans, entry_totals, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_until
from lms.collections.models import CollectionCase, Settlement
from lms.ledger.rules import WRITTEN_DOWN
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment

PEOPLE = [{"name": "Asha Patil", "email": "asha@example.in"},
          {"name": "Ravi Kumar", "email": "ravi@example.in"}]  # fmt: skip


def _pay(sessions: sessionmaker[Session], loan_id: int, amount: str, day: date, ref: str) -> int:
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D(amount), day, ref, "upi")
        event, _ = record_payment(uow, loan_id=loan_id, request=request, posting_date=day)
        uow.commit()
        return event.id


def _loan(sessions: sessionmaker[Session], loan_id: int) -> tuple[str, date | None, str | None]:
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None
        return loan.status, loan.written_off_on, loan.write_off_kind


def test_a_technical_write_off_empties_the_books_and_money_after_it_is_recovery_income(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 11, 27), size=10)  # October and November unpaid
    before = sound(sessions, 1)
    held = {a.value: before.get(a.value, D(0)) for a in WRITTEN_DOWN if before.get(a.value)}
    assert held["loan_principal"] == D("100000.00")
    assert held["interest_receivable"] == D("1921.15")  # 1,000.00 + 921.15
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        wrong = manager.post(
            "/api/v1/loans/1/write-off", json={"kind": "partial", "reason": "loss_asset"}
        )
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
        asked = manager.post("/api/v1/loans/1/write-off",
                             json={"kind": "technical", "reason": "loss_asset"})  # fmt: skip
        assert asked.status_code == 202, asked.text
        pending = asked.json()
        refused = manager.post(f"/api/v1/approvals/{pending['id']}/approval", json={})
        assert refused.status_code == 403  # a manager asks; finance (or above) decides
    loss = sum(held.values(), D(0))
    assert approved(db_url, pending)["written_off"] == f"{loss:.2f}"
    assert _loan(sessions, 1) == ("written_off", date(2026, 11, 28), "technical")
    entry = entry_totals(sessions, "write_off")
    assert entry == {**{a: -v for a, v in held.items()}, "write_off_expense": loss}
    after = sound(sessions, 1)
    assert all(not after.get(a.value) for a in WRITTEN_DOWN)
    with UnitOfWork(sessions) as uow:  # the history up to the write-off is closed
        same_day = PaymentRequest(D("5000"), date(2026, 11, 28), "UTR-SAME-DAY", "upi")
        with pytest.raises(ConflictError, match="money for it is taken from 2026-11-29"):
            record_payment(uow, loan_id=1, request=same_day, posting_date=date(2026, 11, 28))
    close_until(sessions, date(2026, 11, 28), size=10)
    paid = _pay(sessions, 1, "10000", date(2026, 11, 29), "UTR-RECOVERED")
    assert entry_totals(sessions, "write_off_recovery") == {
        "collection_bank": D("10000.00"), "recovery_income": D("-10000.00")}  # fmt: skip
    with UnitOfWork(sessions) as uow:  # a receipt of 27 Nov found later: a recovery of 29 Nov
        late = PaymentRequest(D("500"), date(2026, 11, 27), "UTR-FOUND-LATE", "upi")
        event, _ = record_payment(uow, loan_id=1, request=late, posting_date=date(2026, 11, 29))
        uow.commit()
        assert event.value_date == date(2026, 11, 29)
    assert entry_totals(sessions, "write_off_recovery")["recovery_income"] == D("-10500.00")
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        standing = agent.get("/api/v1/loans/1/recovery").json()
    assert (standing["written_off"], standing["recovered"], standing["bureau_status"]) == (
        f"{loss:.2f}", "10500.00", "written_off")  # fmt: skip
    close_until(sessions, date(2026, 11, 29), size=10)
    with UnitOfWork(sessions) as uow:  # the claim is kept: the case goes on, on what is left
        case = uow.session.scalars(
            select(CollectionCase).where(CollectionCase.customer_id == 1)
        ).one()
        assert (case.closed_on, case.dpd) == (None, 4)  # November's EMI still unpaid: 26 Nov
        reverse_payment(uow, loan_id=1, event_id=paid, known_on=date(2026, 11, 30),
                        posting_date=date(2026, 11, 30), return_code="01")  # fmt: skip
        uow.commit()
    # the bounce takes its recovery back (and levies no charge on a loan off the books)
    assert sound(sessions, 1).get("recovery_income") == D("-500.00")
    assert _loan(sessions, 1)[0] == "written_off"


def test_a_full_write_off_ends_the_case_as_written_off(db_url: str, engine: Engine) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 10, 27), size=10)
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        pending = manager.post("/api/v1/loans/2/write-off",
                               json={"kind": "full", "reason": "deceased"}).json()  # fmt: skip
    approved(db_url, pending)
    close_until(sessions, date(2026, 10, 28), size=10)
    with UnitOfWork(sessions) as uow:
        cases = {c.customer_id: (c.closed_on, c.outcome) for c in
                 uow.session.scalars(select(CollectionCase))}  # fmt: skip
    assert cases == {1: (None, None), 2: (date(2026, 10, 28), "written_off")}
    with api_client(db_url) as admin:
        again = admin.post("/api/v1/loans/2/write-off", json={"kind": "full", "reason": "fraud"})
        assert again.status_code == 409
    sound(sessions)


def test_a_settlement_paid_by_its_plan_waives_the_rest_and_a_missed_one_breaks(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 11, 27), size=10)
    plan = [{"due_on": "2026-11-30", "amount": "30000"}, {"due_on": "2026-12-10",
                                                          "amount": "30000"}]  # fmt: skip
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        short = agent.post("/api/v1/loans/1/settlements", json={"amount": "50000", "plan": plan})
        assert short.status_code == 422 and short.json()["errors"][0]["field"] == "plan"
        whole = agent.post("/api/v1/loans/1/settlements",
                           json={"amount": "200000", "plan": [{"due_on": "2026-11-30",
                                                               "amount": "200000"}]})  # fmt: skip
        assert whole.status_code == 422 and whole.json()["errors"][0]["field"] == "amount"
        asked = agent.post("/api/v1/loans/1/settlements", json={"amount": "60000", "plan": plan})
        assert asked.status_code == 202, asked.text
        other = agent.post(
            "/api/v1/loans/2/settlements",
            json={"amount": "20000", "plan": [{"due_on": "2026-12-01", "amount": "20000"}]},
        )
    approved(db_url, asked.json())
    approved(db_url, other.json())
    _pay(sessions, 1, "30000", date(2026, 11, 30), "UTR-OTS-1")
    close_until(sessions, date(2026, 12, 9), size=10)
    with UnitOfWork(sessions) as uow:
        states = {s.loan_id: (s.status, s.paid, s.closed_on)
                  for s in uow.session.scalars(select(Settlement))}  # fmt: skip
    assert states == {
        1: ("open", D("30000.00"), None),
        2: ("broken", D("0.00"), date(2026, 12, 9)),
    }  # 1 Dec + 7 days of grace
    books = sound(sessions, 1)
    left = sum((books.get(a.value, D(0)) for a in WRITTEN_DOWN), D(0))
    _pay(sessions, 1, "30000", date(2026, 12, 10), "UTR-OTS-2")
    left -= D("30000")  # the second instalment is held unapplied: nothing is due till 26 Dec
    close_until(sessions, date(2026, 12, 10), size=10)
    with UnitOfWork(sessions) as uow:
        done = uow.session.scalars(select(Settlement).where(Settlement.loan_id == 1)).one()
        assert (done.status, done.closed_on) == ("completed", date(2026, 12, 10))
        waived = done.waived
    assert _loan(sessions, 1) == ("settled", date(2026, 12, 10), "settlement")
    entry = entry_totals(sessions, "settlement_waiver")
    assert entry["write_off_expense"] == waived and waived is not None and waived > 0
    books = sound(sessions, 1)
    assert all(not books.get(a.value) for a in WRITTEN_DOWN)
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        standing = agent.get("/api/v1/loans/1/recovery").json()
        late = agent.post(
            "/api/v1/loans/1/repayments",
            json={
                "amount": "100",
                "value_date": "2026-12-11",
                "reference": "UTR-LATE",
                "channel": "upi",
            },
        )
    assert late.status_code == 409
    assert standing["bureau_status"] == "settled" and standing["status"] == "settled"
    assert standing["settlements"][0]["waived"] == f"{waived:.2f}"
    # principal left 84,151.39 (1,00,000 less October's 7,884.88 and November's 7,963.73), less
    # the unapplied 42,230.24 (60,000 less two EMIs, 17,769.76), plus December's interest
    # accrued at the November month end, 841.51 x 4/30 = 112.20
    assert waived == left == D("42033.35")


def test_the_loan_page_asks_for_a_settlement_and_a_write_off_and_shows_the_standing(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 11, 27), size=10)
    with staff_browser(db_url, ("collections_manager",), ["PUN01"]) as manager:
        page = manager.get("/app/loans/1")
        assert "On the books: no settlement, no write-off." in page.text
        token = csrf(page.text)
        garbled = manager.post("/app/loans/1/settlements", data={
            "csrf": token, "amount": "60000", "plan": "soon 60000"})  # fmt: skip
        assert garbled.status_code == 422 and "plan: line 1 is not a date and an amount" in (
            garbled.text)  # fmt: skip
        asked = {"csrf": token, "amount": "60000", "plan": "2026-11-30 30000\n2026-12-10 30,000"}
        preview = manager.post("/app/loans/1/settlements", data=asked)
        # owed: 1,00,000 of principal and 1,921.15 of interest due
        assert ("The loan owes ₹1,01,921.15 today. If ₹60,000.00 is paid by the plan (2"
                " instalments, the last on 10 Dec 2026), about ₹41,921.15 is waived") in (
            preview.text)  # fmt: skip
        queued = manager.post("/app/loans/1/settlements", data={**asked, "confirm": "yes"})
        assert queued.status_code == 303 and "#recovery" in queued.headers["location"]
        shown = manager.post("/app/loans/2/write-off", data={
            "csrf": token, "kind": "full", "reason": "deceased"})  # fmt: skip
        assert ("₹1,01,921.15 would go to the write-off expense: loan principal ₹1,00,000.00,"
                " interest receivable ₹1,921.15.") in shown.text  # fmt: skip
        manager.post("/app/loans/2/write-off", data={
            "csrf": token, "kind": "full", "reason": "deceased", "confirm": "yes"})  # fmt: skip
    with staff_browser(db_url, ("finance",)) as finance:
        queue = finance.get("/app/approvals")
        ids = [int(i) for i in re.findall(r'action="/app/approvals/(\d+)/approval"', queue.text)]
        for request_id in ids:
            done = finance.post(f"/app/approvals/{request_id}/approval",
                                data={"csrf": csrf(queue.text), "note": ""})  # fmt: skip
            assert done.status_code == 303
        written = finance.get("/app/loans/2")
        assert "Off the books since" in written.text and "full" in written.text
        settling = finance.get("/app/loans/1")
        assert rows(settling.text, "settlements-table") == [[
            "28 Nov 2026", "1,01,921.15", "60,000.00",
            "2026-11-30: 30000.00; 2026-12-10: 30000.00", "0.00", "open", ""]]  # fmt: skip
    assert len(ids) == 2
    sound(sessions)
