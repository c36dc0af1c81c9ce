"""Collections driven by the business date: a borrower misses two EMIs; a case opens the day the
first is missed and is allocated to an agent; a promise to pay is reminded the day before and
broken, which escalates the case; thirty days on the case moves to the next bucket; the
borrower pays and the case is cured. The other borrower, paying on time, never has a case.

The book: Asha's loan 1 and Ravi's loan 2, 1,00,000 at 12 % for 12 months from 26 Sep 2026
(EMI 8,884.88 on the 26th). DPD counts from the oldest unpaid due date, the due date itself
being day 1: the October EMI unpaid makes DPD 1 on 26 Oct and 31 on 25 Nov.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
from api_client import api_client, browser_of, csrf, new_user, rows, staff_browser
from book_setup import SEP26, book_of_loans, open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_until
from lms.close.steps.collect import standings
from lms.collections.cases import Standing
from lms.collections.models import CaseTask, CollectionCase
from lms.notices.models import Notice
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.models import LoanEvent
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

AUG26 = date(2026, 8, 26)
PEOPLE = [{"name": "Asha Patil", "email": "asha@example.in"},
          {"name": "Ravi Kumar", "email": "ravi@example.in"}]  # fmt: skip


def _pay(sessions: sessionmaker[Session], loan_id: int, amount: str, day: date, ref: str) -> None:
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D(amount), day, ref, "upi")
        record_payment(uow, loan_id=loan_id, request=request, posting_date=day)
        uow.commit()


def test_a_case_opens_is_allocated_a_promise_breaks_it_escalates_and_payment_cures_it(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 10, 25), size=10)
    _pay(sessions, 2, "8884.88", date(2026, 10, 26), "UTR-RAVI-OCT")
    close_until(sessions, date(2026, 10, 31), size=10)
    agent, _ = new_user(db_url, ("collections_agent",), ["PUN01"])
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        [case] = manager.get("/api/v1/collections/cases").json()
        assert (case["customer_id"], case["bucket"], case["dpd"], case["overdue"]) == (
            1, "1-30", 6, "8884.88")  # fmt: skip
        assert case["opened_on"] == "2026-10-26"
        wrong = manager.post(f"/api/v1/collections/cases/{case['id']}/allocation",
                             json={"agent": "nobody"})  # fmt: skip
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "agent"
        given = manager.post(f"/api/v1/collections/cases/{case['id']}/allocation",
                             json={"agent": agent})  # fmt: skip
        assert given.json()["agent"] == agent
    with api_client(db_url, ("collections_manager",), ["BLR01"]) as elsewhere:
        assert elsewhere.get("/api/v1/collections/cases").json() == []
        assert elsewhere.get(f"/api/v1/collections/cases/{case['id']}").status_code == 404
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as caller:  # 1 Nov
        late = caller.post(f"/api/v1/collections/cases/{case['id']}/promises",
                           json={"amount": "8884.88", "promised_for": "2026-12-15"})  # fmt: skip
        assert late.status_code == 422 and late.json()["errors"][0]["field"] == "promised_for"
        made = caller.post(f"/api/v1/collections/cases/{case['id']}/promises",
                           json={"amount": "8884.88", "promised_for": "2026-11-05"})  # fmt: skip
        assert (made.status_code, made.json()["status"]) == (201, "open")
        caller_name = made.json()["made_by"].removeprefix("user:")
        logged = caller.post(f"/api/v1/collections/cases/{case['id']}/outcomes", json={
            "kind": "visit", "disposition": "promised_to_pay", "note": "salary on the 5th",
            "latitude": "18.5204", "longitude": "73.8567"})  # fmt: skip
        assert logged.status_code == 201
    close_until(sessions, date(2026, 11, 5), size=10)  # the promise's date: nothing paid
    with UnitOfWork(sessions) as uow:
        reminded = uow.session.execute(
            select(Notice.day, Notice.data).where(Notice.template == "promise_reminder")
        ).all()
    assert [(d, data["promise_date"]) for d, data in reminded] == [
        (date(2026, 11, 4), "2026-11-05")
    ]  # the day before, in the morning
    close_until(sessions, date(2026, 11, 25), size=10)
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        detail = manager.get(f"/api/v1/collections/cases/{case['id']}").json()
    kinds = [(e["day"], e["kind"]) for e in detail["history"]]
    assert kinds == [
        ("2026-10-26", "opened"), ("2026-11-01", "allocated"), ("2026-11-01", "promise_made"),
        ("2026-11-01", "visit_logged"), ("2026-11-05", "promise_broken"),
        ("2026-11-05", "escalated"), ("2026-11-25", "escalated"),
    ]  # fmt: skip
    assert detail["history"][-1]["detail"] == {"bucket": "31-60", "dpd": 31}
    assert detail["promises"][0]["status"] == "broken" and detail["promises"][0]["paid"] == "0.00"
    assert detail["case"]["broken_promises"] == 1 and detail["case"]["overdue"] == "8884.88"
    assert detail["outcomes"][0]["latitude"] == "18.5204"
    _pay(sessions, 1, "17769.76", date(2026, 11, 26), "UTR-ASHA-ALL")
    _pay(sessions, 2, "8884.88", date(2026, 11, 26), "UTR-RAVI-NOV")
    close_until(sessions, date(2026, 11, 26), size=10)
    with UnitOfWork(sessions) as uow:
        cases = uow.session.execute(
            select(CollectionCase.customer_id, CollectionCase.closed_on, CollectionCase.outcome)
        ).all()
    assert [tuple(c) for c in cases] == [(1, date(2026, 11, 26), "cured")]  # Ravi: never a case
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        by_bucket = manager.get("/api/v1/dashboards/case_buckets").json()["rows"]
        board = manager.get("/api/v1/dashboards/agents").json()["rows"]
    # the agent's case brought in Asha's two EMIs (26 Nov) and holds nothing overdue now; the
    # promise of 5 Nov, taken by the other agent who called, was judged broken
    assert sorted(board) == sorted(
        [
            [agent, 0, "0.00", "17769.76", "100.00", 0, 0, None],
            [caller_name, 0, "0.00", "0.00", None, 1, 0, "0.00"],
        ]
    )
    # October in 1-30; in November it rolled forward from 1-30 (25 Nov) and was cured in
    # 31-60 (26 Nov); the broken promise's escalation of 5 Nov moved no bucket
    assert by_bucket == [
        ["2026-10", "1-30", 1, 0, 0, 0, "0.00", "0.00"],
        ["2026-11", "1-30", 1, 1, 0, 0, "100.00", "0.00"],
        ["2026-11", "31-60", 1, 0, 0, 1, "0.00", "100.00"],
    ]
    sound(sessions)


def test_the_collections_pages_for_an_agent_and_a_manager(db_url: str, engine: Engine) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 26))
    _pay(sessions, 2, "8884.88", date(2026, 10, 26), "UTR-RAVI-OCT")
    close_until(sessions, date(2026, 10, 28), size=10)  # Asha: DPD 3 on 28 Oct
    agent, secret = new_user(db_url, ("collections_agent",), ["PUN01"])
    with staff_browser(db_url, ("collections_manager",), ["PUN01"]) as manager:
        queue = manager.get("/app/collections")
        assert rows(queue.text, "cases-table")[0][1:8] == [
            "Asha Patil",
            "PUN01",
            "1-30",
            "3",
            "8,884.88",
            "0",
            "-",
        ]  # fmt: skip (no band yet)
        case_id = int(re.search(r'href="/app/collections/(\d+)"', queue.text).group(1))  # type: ignore[union-attr]
        page = manager.get(f"/app/collections/{case_id}")
        strategy = manager.get("/app/collections/strategy")
        assert rows(strategy.text, "steps-table") == [
            ["No step yet: the close keeps cases but does nothing for them."]
        ]
        step = {"csrf": csrf(strategy.text), "bucket": "31-60", "day": "7", "action": "visit"}
        assert manager.post("/app/collections/strategy", data=step).status_code == 303
        risky = {**step, "action": "call", "min_band": "D"}
        assert manager.post("/app/collections/strategy", data=risky).status_code == 303
        wrong = {**step, "min_band": "Z"}
        refused = manager.post("/app/collections/strategy", data=wrong)
        assert (
            refused.status_code == 422 and "min_band: must be one of A, B, C, D, E" in refused.text
        )
        wrong = manager.post("/app/collections/strategy", data={**step, "day": "x"})
        assert wrong.status_code == 422 and "day: must be a whole number of days" in wrong.text
        shown = rows(manager.get("/app/collections/strategy").text, "steps-table")
        assert shown[0][:7] == ["1", "31-60", "7", "visit", "any", "any", "active"]
        assert shown[1][:7] == ["2", "31-60", "7", "call", "any", "D or worse", "active"]
        given = manager.post(f"/app/collections/{case_id}/allocation",
                             data={"csrf": csrf(page.text), "agent": agent})  # fmt: skip
        assert given.headers["location"] == f"/app/collections/{case_id}?done=allocation"
    with browser_of(db_url, agent, secret) as phone:
        queue = phone.get("/app/collections")
        assert rows(queue.text, "mine-table")[0][0] == f"#{case_id}"  # theirs, first
        page = phone.get(f"/app/collections/{case_id}")
        token = csrf(page.text)
        made = phone.post(f"/app/collections/{case_id}/promises",
                          data={"csrf": token, "amount": "8884.88", "promised_for": "2026-10-31"})  # fmt: skip
        assert made.status_code == 303  # the business date is 29 Oct
        refused = phone.post(f"/app/collections/{case_id}/promises",
                             data={"csrf": token, "amount": "-1", "promised_for": "2026-10-01"})  # fmt: skip
        assert refused.status_code == 422 and "promised_for: must be after today" in refused.text
        logged = phone.post(f"/app/collections/{case_id}/outcomes",
                            data={"csrf": token, "kind": "call", "disposition": "not_reachable"})  # fmt: skip
        assert logged.status_code == 303
        shown = phone.get(f"/app/collections/{case_id}").text
        assert "not reachable" in shown and "8,884.88" in shown
        wrong_loan = phone.post(f"/app/collections/{case_id}/receipts", data={
            "csrf": token, "loan_id": "2", "amount": "1000", "mode": "cash"})  # fmt: skip
        assert (
            wrong_loan.status_code == 422
            and "loan_id: must be a loan of this case" in wrong_loan.text
        )
        taken = phone.post(f"/app/collections/{case_id}/receipts", data={
            "csrf": token, "loan_id": "1", "amount": "8884.88", "mode": "cash"})  # fmt: skip
        assert taken.headers["location"] == f"/app/collections/{case_id}?done=receipt"
        after = phone.get(taken.headers["location"]).text
        assert "Receipt taken and posted." in after and "receipt taken" in after
        with UnitOfWork(sessions) as uow:
            paid = uow.session.execute(select(LoanEvent.kind, LoanEvent.amount, LoanEvent.channel)
                                       .where(LoanEvent.loan_id == 1, LoanEvent.kind == "payment")).all()  # fmt: skip
        assert [tuple(p) for p in paid] == [("payment", D("8884.88"), "cash")]
        assert phone.post(f"/app/collections/{case_id}/allocation",
                          data={"csrf": token, "agent": agent}).status_code == 403  # fmt: skip


def test_the_close_gives_waiting_cases_to_agents_of_their_branch_within_capacity(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three borrowers of PUN01 miss their October EMI; two agents of PUN01 with room for one
    case each (and one of BLR01, who gets none): the two most urgent cases are given, one each
    (the fewest held first, then by name), the third waits."""
    monkeypatch.setenv("LMS_AGENT_CAPACITY", "1")
    people = [*PEOPLE, {"name": "Meera Nair", "email": "meera@example.in"}]
    sessions = book_of_loans(db_url, engine, people, business_date=date(2026, 10, 26))
    first, _ = new_user(db_url, ("collections_agent",), ["PUN01"])
    second, _ = new_user(db_url, ("collections_agent",), ["PUN01"])
    new_user(db_url, ("collections_agent",), ["BLR01"])
    close_until(sessions, date(2026, 10, 26), size=10)
    with UnitOfWork(sessions) as uow:
        held = uow.session.execute(
            select(CollectionCase.customer_id, CollectionCase.agent).order_by(CollectionCase.id)
        ).all()
    assert [tuple(h) for h in held] == [(1, min(first, second)), (2, max(first, second)), (3, None)]
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        board = manager.get("/api/v1/dashboards/agents").json()["rows"]
        cases = manager.get("/api/v1/dashboards/cases").json()["rows"]
    assert board == [[min(first, second), 1, "8884.88", "0.00", "0.00", 0, 0, None],
                     [max(first, second), 1, "8884.88", "0.00", "0.00", 0, 0, None]]  # fmt: skip
    assert cases == [["2026-10", 3, 0, "0.00"]]


def test_the_strategy_sends_a_message_and_sets_tasks_on_their_days(
    db_url: str, engine: Engine
) -> None:
    """Steps: in 1-30, a notice of the overdue amount on day 0 and a call on day 3; in
    31-60, a visit on day 0. Asha's case opens on 26 Oct: the notice goes to the outbox for
    the 27th; on 29 Oct (day 3) a call is set, due the 30th; logging the call does it."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 26))
    _pay(sessions, 2, "8884.88", date(2026, 10, 26), "UTR-RAVI-OCT")
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        for body in ({"bucket": "1-30", "day": 0, "action": "message", "event": "overdue_notice"},
                     {"bucket": "1-30", "day": 3, "action": "call"},
                     {"bucket": "31-60", "day": 0, "action": "visit"}):  # fmt: skip
            assert manager.post("/api/v1/collections/strategies", json=body).status_code == 201
        bad = manager.post(
            "/api/v1/collections/strategies",
            json={"bucket": "1-90", "day": 0, "action": "message", "event": "due_soon"},
        )
        assert [e["field"] for e in bad.json()["errors"]] == ["bucket", "event"]
        banded = {"bucket": "1-30", "day": 1, "action": "visit", "min_band": "E"}
        kept = manager.post("/api/v1/collections/strategies", json=banded)
        assert (kept.status_code, kept.json()["min_band"]) == (201, "E")  # no case is E: idle
        unknown = manager.post("/api/v1/collections/strategies", json={**banded, "min_band": "F"})
        assert [e["field"] for e in unknown.json()["errors"]] == ["min_band"]
    close_until(sessions, date(2026, 10, 29), size=10)
    with UnitOfWork(sessions) as uow:
        notices = uow.session.execute(
            select(Notice.loan_id, Notice.day, Notice.data).where(
                Notice.template == "overdue_notice"
            )
        ).all()
    assert [tuple(n) for n in notices] == [(1, date(2026, 10, 27), {"amount": "8884.88", "dpd": 1})]
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        [task] = agent.get("/api/v1/collections/tasks").json()
        assert (task["kind"], task["due_on"], task["status"]) == ("call", "2026-10-30", "open")
        called = agent.post(f"/api/v1/collections/cases/{task['case_id']}/outcomes",
                            json={"kind": "call", "disposition": "will_pay_later"})  # fmt: skip
        assert called.status_code == 201
        assert agent.get("/api/v1/collections/tasks").json() == []
        history = agent.get(f"/api/v1/collections/cases/{task['case_id']}").json()["history"]
    assert [(e["day"], e["kind"]) for e in history] == [
        ("2026-10-26", "opened"),
        ("2026-10-26", "message_queued"),
        ("2026-10-29", "task_set"),
        ("2026-10-30", "call_logged"),
    ]


def test_a_legal_notice_is_set_only_where_the_law_gives_one(db_url: str, engine: Engine) -> None:
    """Steps on day 0 of 1-30: a SARFAESI notice and a section 138 notice. Asha's cheque for
    the October EMI is returned on 27 Oct: her case opens that day with a cheque notice due on
    the 28th; no SARFAESI notice, her loan being unsecured."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 26))
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        for action in ("sarfaesi_notice", "cheque_notice"):
            body = {"bucket": "1-30", "day": 0, "action": action}
            assert manager.post("/api/v1/collections/strategies", json=body).status_code == 201
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), date(2026, 10, 26), "CHQ-000123", "cheque")
        record_payment(uow, loan_id=1, request=request, posting_date=date(2026, 10, 26))
        uow.commit()
    _pay(sessions, 2, "8884.88", date(2026, 10, 26), "UTR-RAVI-OCT")
    close_until(sessions, date(2026, 10, 26), size=10)
    with api_client(db_url) as admin:
        [event] = [
            e for e in admin.get("/api/v1/loans/1/statement").json() if e["kind"] == "payment"
        ]
        returned = admin.post("/api/v1/loans/1/repayments/"
                              + str(_payment_id(sessions, "CHQ-000123")) + "/reversal",
                              json={"known_on": "2026-10-27", "reason": "returned",
                                    "return_code": "01"})  # fmt: skip
        assert returned.status_code == 201, returned.text
    close_until(sessions, date(2026, 10, 27), size=10)
    with UnitOfWork(sessions) as uow:
        tasks = uow.session.execute(select(CaseTask.kind, CaseTask.due_on)).all()
    assert [tuple(t) for t in tasks] == [("cheque_notice", date(2026, 10, 28))]
    assert event["reference"] == "CHQ-000123"


def _payment_id(sessions: sessionmaker[Session], reference: str) -> int:
    with UnitOfWork(sessions) as uow:
        found = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.reference == reference))
    assert found is not None
    return found


def test_a_broken_promise_does_not_start_the_buckets_steps_again(
    db_url: str, engine: Engine
) -> None:
    """A call on day 0 of 1-30: set when the case opens on 26 Oct. The promise made on 27 Oct
    for the 28th is broken, which escalates the case, but it stays in 1-30: no second call."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 26))
    _pay(sessions, 2, "8884.88", date(2026, 10, 26), "UTR-RAVI-OCT")
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        step = {"bucket": "1-30", "day": 0, "action": "call"}
        assert manager.post("/api/v1/collections/strategies", json=step).status_code == 201
    close_until(sessions, date(2026, 10, 26), size=10)
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        [case] = agent.get("/api/v1/collections/cases").json()
        made = agent.post(f"/api/v1/collections/cases/{case['id']}/promises",
                          json={"amount": "100", "promised_for": "2026-10-28"})  # fmt: skip
        assert made.status_code == 201
    close_until(sessions, date(2026, 10, 29), size=10)
    with UnitOfWork(sessions) as uow:
        tasks = uow.session.execute(select(CaseTask.kind, CaseTask.due_on)).all()
    assert [tuple(t) for t in tasks] == [("call", date(2026, 10, 27))]


def test_cases_go_first_to_the_agent_whose_territory_holds_the_borrowers_pin_code(
    db_url: str, engine: Engine
) -> None:
    """Three borrowers of PUN01, none paying: Asha lives in 411001, Ravi in 411038, Meena gave
    no address. Agent A covers 411001 only; agent B has no territory (the whole branch).
    Asha's case goes to A (a territory first), Ravi's and Meena's to B (A does not cover them)."""
    people = [
        {"name": "Asha Patil", "addresses": [{"kind": "home", "text": "Shivajinagar", "pin": "411001"}]},
        {"name": "Ravi Kumar", "addresses": [{"kind": "home", "text": "Kothrud", "pin": "411038"}]},
        {"name": "Meena Joshi"},
    ]  # fmt: skip
    sessions = book_of_loans(db_url, engine, people, business_date=date(2026, 10, 26))
    a, _ = new_user(db_url, ("collections_agent",), ["PUN01"])
    b, _ = new_user(db_url, ("collections_agent",), ["PUN01"])
    with api_client(db_url, ("collections_manager",), ["PUN01"]) as manager:
        wrong = manager.put(f"/api/v1/collections/agents/{a}/territory",
                            json={"pin_codes": ["4110"]})  # fmt: skip
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "pin_codes"
        set_a = manager.put(f"/api/v1/collections/agents/{a}/territory",
                            json={"pin_codes": ["411001", "411001"]})  # fmt: skip
        assert set_a.json()["pin_codes"] == ["411001"]
        listed = {x["username"]: x["pin_codes"] for x in
                  manager.get("/api/v1/collections/agents").json()}  # fmt: skip
        assert listed == {a: ["411001"], b: []}
        crew = manager.put(f"/api/v1/collections/agents/{b}/team",
                           json={"team": "Pune field", "agency": "Acme Recoveries"})  # fmt: skip
        assert (crew.json()["team"], crew.json()["agency"]) == ("Pune field", "Acme Recoveries")
        empty = manager.put(f"/api/v1/collections/agents/{b}/team", json={"team": ""})
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "team"
    with api_client(db_url, ("collections_manager",), ["BLR01"]) as elsewhere:
        assert elsewhere.put(f"/api/v1/collections/agents/{a}/territory",
                             json={"pin_codes": []}).status_code == 404  # fmt: skip
    close_until(sessions, date(2026, 10, 26), size=10)
    with UnitOfWork(sessions) as uow:
        given = uow.session.execute(
            select(
                CollectionCase.customer_id, CollectionCase.pin_code, CollectionCase.agent
            ).order_by(CollectionCase.customer_id)
        ).all()
    assert [tuple(g) for g in given] == [(1, "411001", a), (2, "411038", b), (3, None, b)]
    with UnitOfWork(sessions) as uow:  # B works for an agency: their borrowers are told so
        told = uow.session.execute(
            select(Notice.customer_id, Notice.data, Notice.day)
            .where(Notice.template == "agency_assigned").order_by(Notice.customer_id)
        ).all()  # fmt: skip
    assert [tuple(t) for t in told] == [
        (2, {"agency": "Acme Recoveries"}, date(2026, 10, 27)),
        (3, {"agency": "Acme Recoveries"}, date(2026, 10, 27)),
    ]
    with staff_browser(db_url, ("collections_manager",), ["PUN01"]) as manager:
        page = manager.get("/app/collections/strategy")
        assert [r[:5] for r in rows(page.text, "agents-table")] == [
            [a, "PUN01", "1", "-", "in-house"], [b, "PUN01", "2", "Pune field", "Acme Recoveries"]
        ]  # fmt: skip
        assert 'value="411001"' in page.text
        bad = manager.post(f"/app/collections/agents/{b}",
                           data={"csrf": csrf(page.text), "pin_codes": "41103"})  # fmt: skip
        assert bad.status_code == 422 and "pin_codes: must be at most 200 PIN codes" in bad.text
        saved = manager.post(f"/app/collections/agents/{b}",
                             data={"csrf": csrf(page.text), "pin_codes": "411039, 411038",
                                   "team": "Pune field", "agency": ""})  # fmt: skip
        assert saved.status_code == 303
        after = manager.get(saved.headers["location"]).text
        assert 'value="411038, 411039"' in after  # and now in-house (no agency given)
        assert rows(after, "agents-table")[1][3:5] == ["Pune field", "in-house"]


def test_a_borrower_s_standing_is_the_worst_dpd_and_the_total_named_by_the_most_overdue_loan(
    db_url: str, engine: Engine
) -> None:
    """One borrower, three loans at 12 % for 12 months, none paid: 50,000 (loan 1) and 50,000
    (loan 2) paid out on 26 Sep, EMI 4,442.44 each, October's unpaid (DPD 2 on 27 Oct); 20,000
    (loan 3) paid out on 26 Aug, EMI 1,776.98, September's and October's unpaid (DPD 32). The
    standing: DPD 32, overdue 4,442.44 x 2 + 1,776.98 x 2 = 12,438.84, named by loan 1 (the
    most overdue, with loan 2; the lower id first)."""
    sessions = open_book(db_url, engine, customers=({"name": "Asha Patil"},))
    with UnitOfWork(sessions) as uow:
        for name, amount, day in (("A", 50000, SEP26), ("B", 50000, SEP26), ("C", 20000, AUG26)):
            request = LoanRequest(f"L-{name}", "PUN01", 1, "PL", D(amount), D(12), 12, day)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=day)
        calendar.set_business_date(uow, date(2026, 10, 25))
        uow.commit()
    close_until(sessions, date(2026, 10, 27))
    with UnitOfWork(sessions) as uow:
        found = standings(uow, date(2026, 10, 27), 1, 1)
    assert found == {1: Standing(1, "PUN01", 32, D("12438.84"), 1)}
