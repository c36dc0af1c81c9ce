"""The staff application over HTTP on every database, used as staff use it: signing in with the
form, the dashboard's figures, the loan list and its filters, search, a loan's page, and a
payment previewed (writing nothing) then posted (recording who), each refusal shown on the
page; the session cookie and form tokens guard every change.

The book is the read-side tests' (book_setup.nine_loans_closed): business date 27 Nov 2026,
loan 2 (Borrower 2, PUN01) owes its November EMI of 8,884.88 (principal 7,963.73, interest
921.15), DPD 2; loans 4 to 7 are in BLR01.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from api_client import PASSWORD, api_client, browser_of, csrf, new_user, rows, staff_browser
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.close.models import CloseFailure
from lms.documents.display import amount as rupees_text
from lms.identity.approvals import propose
from lms.interfaces.api.app import create_app
from lms.interfaces.api.schemas import ProductIn
from lms.interfaces.api.security import VERIFIED
from lms.interfaces.web import (
    catalog_pages,
    centre_pages,
    charge_pages,
    close_pages,
    closure_pages,
    colending_pages,
    collection_pages,
    dashboard_pages,
    document_pages,
    gold_pages,
    loan_actions,
    loan_pages,
    money_pages,
    payment_pages,
    product_pages,
    queue_pages,
    recovery_pages,
    report_pages,
    request_pages,
    restructure_pages,
    risk_pages,
    strategy_pages,
    user_pages,
)
from lms.interfaces.web import pages as web_pages
from lms.interfaces.web.session import COOKIE, PAGES
from lms.payments.models import BankStatement, StatementLine
from lms.platform.audit import AuditRecord
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.servicing.models import LoanEvent, Product


@pytest.fixture
def book(nine_loans: str) -> str:
    return nine_loans


@pytest.fixture
def admin(book: str) -> Iterator[TestClient]:
    with staff_browser(book) as client:
        yield client


def events(url: str, loan_id: int) -> list[tuple[str, str | None, str | None]]:
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        found = uow.session.execute(
            select(LoanEvent.kind, LoanEvent.reference, LoanEvent.actor)
            .where(LoanEvent.loan_id == loan_id)
            .order_by(LoanEvent.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]  # type: ignore[misc]


def test_a_page_sends_a_stranger_to_sign_in_and_back_after(book: str) -> None:
    username, secret = new_user(book, ("risk",))
    assert secret is None  # risk moves no money: no second factor
    with TestClient(create_app(book), follow_redirects=False) as browser:
        answer = browser.get("/app/loans?bucket=0")
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            "/app/sign-in?next=/app/loans%3Fbucket%3D0",
        )
        form = {"username": username, "password": "wrong", "next": "/app/loans?bucket=0"}
        refused = browser.post("/app/sign-in", data=form)
        assert refused.status_code == 401 and "Not signed in" in refused.text
        assert COOKIE not in browser.cookies
        signed = browser.post("/app/sign-in", data={**form, "password": PASSWORD})
        assert (signed.status_code, signed.headers["location"]) == (303, "/app/loans?bucket=0")
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/app" in cookie
        assert browser.get("/app/loans?bucket=0").status_code == 200
        form["password"] = PASSWORD
        elsewhere = browser.post("/app/sign-in", data={**form, "next": "https://evil.example/"})
        assert elsewhere.headers["location"] == "/app"  # never sent to another site
        foreign = browser.post(
            "/app/sign-in", data=form, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 403
        # the API does not take the cookie: bearer tokens only
        assert browser.get("/api/v1/loans").status_code == 401


def test_the_dashboard_shows_the_portfolio_of_the_last_closed_date(admin: TestClient) -> None:
    page = admin.get("/app")
    assert page.status_code == 200
    assert "Business date 27 Nov 2026" in page.text and "day-end of 26 Nov 2026" in page.text
    assert rows(page.text) == [
        ["0", "2", "₹1,68,302.78", "₹0.00", "₹0.00"],
        ["1-30", "2", "₹1,84,230.24", "₹15,927.46", "₹1,842.30"],
        ["31-60", "2", "₹2,00,000.00", "₹31,697.22", "₹3,842.30"],
        ["61-90", "1", "₹1,00,000.00", "₹23,891.98", "₹2,762.66"],
        ["91+", "1", "₹1,00,000.00", "₹40,220.82", "₹4,203.58"],
    ]
    total = re.search(r"<tfoot>(.*?)</tfoot>", page.text, re.S)
    assert total is not None
    assert rows(f"<tbody>{total.group(1)}</tbody>") == [
        ["All", "8", "₹7,52,533.02", "₹1,11,737.48", "₹12,650.84"]
    ]


def test_the_loan_list_shows_figures_and_filters_by_bucket(admin: TestClient) -> None:
    listed = rows(admin.get("/app/loans?bucket=31-60").text)
    assert listed == [
        ["3 R-3", "Borrower 3", "PUN01", "active", "8,884.88", "1,00,000.00", "17,769.76", "33", "SMA-1"],
        ["5 R-5", "Borrower 5", "BLR01", "active", "8,884.88", "1,00,000.00", "17,769.76", "33", "SMA-1"],
    ]  # fmt: skip
    assert [r[0] for r in rows(admin.get("/app/loans?status=approved").text)] == ["9 R-9"]
    refused = admin.get("/app/loans?status=bogus")
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
    assert "status: must be one of approved, active, closed" in refused.text


def test_search_finds_loans_and_customers(admin: TestClient) -> None:
    both = rows(admin.get("/app/search?q=2").text)  # loan 2 by number, customer 2 by id
    assert both == [
        ["2 R-2", "Borrower 2", "active", "loan number"],
        ["2", "Borrower 2", "-", "PUN01"],
    ]  # fmt: skip (loan 2 once, not twice)
    assert admin.get("/app/search?q=R-7").headers["location"] == "/app/loans/7"  # application
    assert admin.get("/app/search?q=R-2-0").headers["location"] == "/app/loans/2"  # payment ref
    found = rows(admin.get("/app/search?q=borrower 1").text)  # the loan and its borrower
    assert found == [
        ["1 R-1", "Borrower 1", "active", "borrower"],
        ["1", "Borrower 1", "-", "PUN01"],
    ]
    assert rows(admin.get("/app/search?q=nobody").text) == []


def test_a_payment_is_previewed_without_writing_then_posted_by_its_author(
    book: str, admin: TestClient
) -> None:
    page = admin.get("/app/loans/2")
    assert page.status_code == 200
    schedule = rows(page.text, "schedule-table")
    assert schedule[1] == [
        "2", "26 Nov 2026", "7,963.73", "921.15", "8,884.88", "0.00", "8,884.88", "84,151.39",
        "overdue",
    ]  # fmt: skip
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page.text)
    assert key is not None  # each form drawn has its own idempotency key
    form = {"csrf": csrf(page.text), "amount": "8,884.88", "value_date": "2026-11-27",
            "reference": "UTR-2-NOV", "channel": "upi", "key": key.group(1)}  # fmt: skip
    before = events(book, 2)
    preview = admin.post("/app/loans/2/payments", data=form)
    assert preview.status_code == 200
    placed = preview.text[preview.text.index('class="preview"') :]
    assert rows(placed)[0] == ["2", "26 Nov 2026", "7,963.73", "921.15"]
    assert "Principal outstanding after: ₹84,151.39; overdue after: ₹0.00; DPD after: 0" in placed
    assert events(book, 2) == before  # a preview writes nothing
    forged = admin.post("/app/loans/2/payments", data={**form, "csrf": "0" * 32, "confirm": "yes"})
    assert forged.status_code == 403 and events(book, 2) == before
    posted = admin.post("/app/loans/2/payments", data={**form, "confirm": "yes"})
    assert posted.status_code == 303, re.findall(r"<li>(.*?)</li>", posted.text)
    after = admin.get(posted.headers["location"])
    assert "Payment UTR-2-NOV posted." in after.text
    assert rows(after.text, "schedule-table")[1][5:] == ["8,884.88", "0.00", "84,151.39", "paid"]
    actor = events(book, 2)[-1][2]
    assert events(book, 2)[-1] == ("payment", "UTR-2-NOV", actor)
    assert actor is not None and actor.startswith("user:administrator-")
    again = admin.post("/app/loans/2/payments", data={**form, "confirm": "yes"})
    assert again.status_code == 303 and len(events(book, 2)) == len(before) + 1  # not twice
    other = admin.post("/app/loans/2/payments", data={**form, "key": "K2", "confirm": "yes"})
    assert other.status_code == 422 and len(events(book, 2)) == len(before) + 1


def test_a_refused_payment_is_shown_on_the_form_and_writes_nothing(
    book: str, admin: TestClient
) -> None:
    page = admin.get("/app/loans/2")
    token = csrf(page.text)
    before = events(book, 2)
    for amount, value_date, reason in (
        ("abc", "2026-11-27", "amount: must be an amount of rupees above zero"),
        ("100", "2026-11-30", "value_date"),  # after the business date
        ("9999999", "2026-11-27", "amount"),  # far above all the loan could owe
    ):
        form = {"csrf": token, "amount": amount, "value_date": value_date,
                "reference": "X-1", "channel": "upi", "confirm": "yes"}  # fmt: skip
        answer = admin.post("/app/loans/2/payments", data=form)
        assert answer.status_code == 422, (amount, value_date)
        assert "Not posted" in answer.text and reason in answer.text
    assert events(book, 2) == before


def test_branch_roles_see_their_branch_and_need_the_right_permission(book: str) -> None:
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        assert officer.get("/app/loans/4").status_code == 404  # BLR01's
        assert [r[0] for r in rows(officer.get("/app/loans?bucket=31-60").text)] == ["3 R-3"]
        found = officer.get("/app/search?q=4")  # loan 4 is BLR01's; customer 4 is PUN01's
        assert found.status_code == 200 and "No loan." in found.text
        assert rows(found.text) == [["4", "Borrower 4", "-", "PUN01"]]
    with staff_browser(book, ("auditor",)) as auditor:
        page = auditor.get("/app/loans/2")
        assert page.status_code == 200 and "Post a payment" not in page.text
        form = {"csrf": csrf(page.text), "amount": "1", "value_date": "2026-11-27",
                "reference": "A-1", "channel": "upi", "confirm": "yes"}  # fmt: skip
        assert auditor.post("/app/loans/2/payments", data=form).status_code == 403


def test_signing_out_ends_the_session(book: str, admin: TestClient) -> None:
    page = admin.get("/app")
    assert admin.post("/app/sign-out", data={"csrf": "0" * 32}).status_code == 403
    out = admin.post("/app/sign-out", data={"csrf": csrf(page.text)})
    assert (out.status_code, out.headers["location"]) == (303, "/app/sign-in")
    token = page.request.headers["cookie"].split("=", 1)[1]
    with TestClient(create_app(book), follow_redirects=False) as stale:
        stale.cookies.set(COOKIE, token, path="/app")
        assert stale.get("/app").status_code == 303  # the session is over everywhere
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        kept = uow.session.scalar(select(func.count()).select_from(AuditRecord))
    engine.dispose()
    assert kept


def test_every_page_is_in_the_permission_table() -> None:
    pages = {
        (method, route.path)  # type: ignore[attr-defined]
        for router in (
            web_pages.router,
            loan_pages.router,
            queue_pages.router,
            product_pages.router,
            close_pages.router,
            dashboard_pages.router,
            report_pages.router,
            user_pages.router,
            payment_pages.router,
            loan_actions.router,
            catalog_pages.router,
            charge_pages.router,
            money_pages.router,
            collection_pages.router,
            strategy_pages.router,
            recovery_pages.router,
            request_pages.router,
            closure_pages.router,
            restructure_pages.router,
            document_pages.router,
            risk_pages.router,
            gold_pages.router,
            centre_pages.router,
            colending_pages.router,
        )
        for route in router.routes
        for method in getattr(route, "methods", ())
    }
    assert pages == set(PAGES)


def test_a_checker_approves_in_the_queue_what_a_maker_asked_and_the_maker_cannot(
    book: str,
) -> None:
    maker, secret = new_user(book, ("administrator",))
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        asked = ProductIn.model_validate(
            {"code": "PL", "name": "Personal loan, new terms", "amount": {"min": 1, "max": 500000},
             "rate": {"min": 10, "max": 24}, "tenure": {"min": 6, "max": 60}}
        ).model_dump(mode="json")  # fmt: skip
        row = propose(uow, kind="product_change", subject="product PL: a new version",
                      request=asked, maker=f"user:{maker}", now=datetime.now(UTC))  # fmt: skip
        uow.commit()
        request_id = row.id
    engine.dispose()
    with browser_of(book, maker, secret) as own:
        queue = own.get("/app/approvals")
        assert f"#{request_id} product PL: a new version" in queue.text
        refused = own.post(f"/app/approvals/{request_id}/approval", data={"csrf": csrf(queue.text)})
        assert refused.status_code == 409
        assert "the maker of a request cannot approve or reject it" in refused.text
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        assert "Nothing is waiting for you." in officer.get("/app/approvals").text
    with staff_browser(book) as checker:
        queue = checker.get("/app/approvals")
        form = {"csrf": csrf(queue.text), "note": "terms agreed by the credit committee"}
        done = checker.post(f"/app/approvals/{request_id}/approval", data=form)
        assert (done.status_code, done.headers["location"]) == (
            303, f"/app/approvals?decided={request_id}",
        )  # fmt: skip
        after = checker.get(done.headers["location"])
        decided = [r for r in rows(after.text) if r[0].startswith(f"#{request_id} ")]
        assert decided[0][2:] == [f"user:{maker}", decided[0][3], "approved",
                                  "terms agreed by the credit committee"]  # fmt: skip
        assert decided[0][3].startswith("user:administrator-")
        again = checker.post(f"/app/approvals/{request_id}/rejection", data=form)
        assert again.status_code == 409 and "approved already" in again.text
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        names = list(uow.session.scalars(select(Product.name).where(Product.code == "PL")
                                         .order_by(Product.version)))  # fmt: skip
    engine.dispose()
    assert names == ["PL", "Personal loan, new terms"]


def test_a_returned_payment_is_previewed_then_reversed_with_its_return_code(
    book: str, admin: TestClient
) -> None:
    page = admin.get("/app/loans/2")
    reversible = re.findall(r'<option value="(\d+)"[^>]*>(R-2-0) ', page.text)
    assert len(reversible) == 1  # October's payment by NACH, the only one
    event_id = reversible[0][0]
    form = {"csrf": csrf(page.text), "event_id": event_id, "reason": "returned",
            "return_code": "", "known_on": "2026-11-27"}  # fmt: skip
    before = events(book, 2)
    missing = admin.post("/app/loans/2/reversals", data=form)
    assert missing.status_code == 422 and "return_code: is needed" in missing.text
    form["return_code"] = "01"
    preview = admin.post("/app/loans/2/reversals", data=form)
    assert preview.status_code == 200
    effect = preview.text[preview.text.index('class="preview"') :]
    assert rows(effect)[0] == ["1", "26 Oct 2026", "-7,884.88", "-1,000.00"]
    assert (
        "Principal outstanding after: ₹1,00,000.00; overdue after: ₹17,769.76; DPD after: 33"
        in effect
    )
    assert events(book, 2) == before
    done = admin.post("/app/loans/2/reversals", data={**form, "confirm": "yes"})
    assert (done.status_code, done.headers["location"]) == (
        303, f"/app/loans/2?reversed={event_id}#history",
    )  # fmt: skip
    kind, reference, actor = events(book, 2)[-1]
    assert (kind, reference) == ("reversal", "R-2-0") and str(actor).startswith("user:admin")
    after = admin.get(done.headers["location"])
    assert f"Payment {event_id} reversed." in after.text
    assert "Reverse a payment" not in after.text  # nothing left to reverse
    assert rows(after.text, "schedule-table")[0][-1] == "overdue"
    again = admin.post("/app/loans/2/reversals", data={**form, "confirm": "yes"})
    assert again.status_code == 422 and "already reversed" in again.text


def test_a_product_change_asked_on_its_form_waits_for_a_second_person(
    book: str, admin: TestClient
) -> None:
    listed = rows(admin.get("/app/products").text)
    assert [r[:3] + r[-1:] for r in listed] == [
        ["GL", "v1", "GL", "yes"],
        ["PL", "v1", "PL", "yes"],
    ]
    form_page = admin.get("/app/products/1")
    assert 'value="PL"' in form_page.text and "Ask for this version" in form_page.text
    values = dict(
        re.findall(r'<input id="([a-z_.]+)" name="[a-z_.]+"[^>]* value="([^"]*)"', form_page.text)
    )
    assert (values["amount.min"], values["amount.max"], values["backdate_days"]) == (
        "1.00", "10000000.00", "365",
    )  # fmt: skip
    token = csrf(form_page.text)
    bad = admin.post("/app/products/1", data={**values, "csrf": token, "rate.max": "abc",
                                                "penal_charge": "200"})  # fmt: skip
    assert bad.status_code == 422
    assert "rate.max: Input should be a valid decimal" in bad.text
    assert "penal_charge: Input should be less than or equal to 100" in bad.text
    asked = admin.post("/app/products/1", data={**values, "csrf": token, "name": "Personal loan",
                                                  "penal_charge": "24", "penal_charge_tax": "18"})  # fmt: skip
    assert asked.status_code == 303 and asked.headers["location"].startswith(
        "/app/approvals?queued="
    )
    queue = admin.get("/app/approvals")
    assert (
        "product PL: a new version" in queue.text and "asked by user:administrator-" in queue.text
    )
    assert [r[:3] for r in rows(admin.get("/app/products").text)][1] == ["PL", "v1", "PL"]
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        shown = officer.get("/app/products/1")
        assert "Ask for this version" not in shown.text and "<fieldset disabled>" in shown.text
        assert (
            officer.post("/app/products/1", data={**values, "csrf": csrf(shown.text)}).status_code
            == 403
        )


def test_the_close_page_shows_the_date_and_a_failure_parked_by_finance(book: str) -> None:
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:  # a step that failed on loan 3
        uow.session.add(CloseFailure(day=date(2026, 11, 27), step="accrue", loan_id=3,
                                     error="replay refused", created_at=datetime.now(UTC)))  # fmt: skip
        uow.commit()
    engine.dispose()
    with staff_browser(book, ("risk",)) as risk:
        shown = risk.get("/app/close")
        assert shown.status_code == 200
        assert "Business date <strong>27 Nov 2026</strong>" in shown.text
        assert rows(shown.text)[-1][:2] == ["26 Nov 2026", rows(shown.text)[-1][1]]
        failure = [r for r in rows(shown.text) if r[:3] == ["3", "accrue", "replay refused"]]
        assert len(failure) == 1 and "Park" not in shown.text  # risk may not park
        assert (
            risk.post("/app/close/failures/3/park", data={"csrf": csrf(shown.text)}).status_code
            == 403
        )
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        assert officer.get("/app/close").status_code == 403
    with staff_browser(book, ("finance",)) as finance:
        shown = finance.get("/app/close")
        parked = finance.post("/app/close/failures/3/park", data={"csrf": csrf(shown.text)})
        assert parked.headers["location"] == "/app/close?parked=3&count=1"
        after = finance.get(parked.headers["location"])
        assert "Loan 3: 1 failure(s) parked." in after.text and "replay refused" not in after.text
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        by = uow.session.scalar(select(CloseFailure.parked_by).where(CloseFailure.loan_id == 3))
    engine.dispose()
    assert str(by).startswith("user:finance-")


def test_an_administrator_makes_and_deactivates_a_user(book: str, admin: TestClient) -> None:
    page = admin.get("/app/users")
    token = csrf(page.text)
    form = {"csrf": token, "username": "meera", "display_name": "Meera Nair",
            "password": "short", "roles": ["branch_manager"], "branches": "PUN01"}  # fmt: skip
    refused = admin.post("/app/users", data=form)
    assert refused.status_code == 422 and "password: at least 12 characters" in refused.text
    assert "short" not in refused.text  # a password never comes back
    nobody = admin.post("/app/users", data={**form, "roles": [], "password": "x" * 12})
    assert nobody.status_code == 422 and "roles: at least one role" in nobody.text
    made = admin.post("/app/users", data={**form, "password": PASSWORD})
    assert made.status_code == 201 and "User meera made." in made.text
    secret = re.search(r"shown this once: <code>([A-Z2-7]{32})</code>", made.text)
    assert secret is not None  # a branch manager moves money: a second factor
    listed = [r for r in rows(made.text, "users") if r[0] == "meera"]
    assert listed[0][:6] == ["meera", "Meera Nair", "branch_manager", "PUN01", "yes", "yes"]
    with browser_of(book, "meera", secret.group(1)) as meera:
        assert meera.get("/app/loans/4").status_code == 404  # BLR01's
        assert meera.get("/app/loans/2").status_code == 200
        assert meera.get("/app/users").status_code == 403
        user_id = re.search(r'/app/users/(\d+)/deactivation"><input type="hidden" name="csrf" '
                            rf'value="{token}"><button type="submit" class="secondary">Deactivate'
                            , admin.get("/app/users").text)  # fmt: skip
        assert user_id is not None
        gone = admin.post(f"/app/users/{user_id.group(1)}/deactivation", data={"csrf": token})
        assert gone.status_code == 303
        VERIFIED.clear()  # the server's own 30-second cache, as another process would after it
        assert meera.get("/app/loans/2").status_code == 303  # sent to sign in: the session ended
    assert [r[5] for r in rows(admin.get("/app/users").text, "users") if r[0] == "meera"] == ["no"]


def test_a_suspense_credit_is_matched_by_one_person_and_posted_on_anothers_approval(
    book: str,
) -> None:
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:  # a credit no rule was sure for
        statement = BankStatement(account="COLL-1", format="mt940", statement_ref="S-1",
                                  sha256="0" * 64, entries=1, imported_on=date(2026, 11, 27),
                                  imported_at=datetime.now(UTC))  # fmt: skip
        uow.session.add(statement)
        uow.session.flush()
        uow.session.add(StatementLine(
            statement_id=statement.id, account="COLL-1", line_key="S-1/1",
            value_date=date(2026, 11, 27), amount=D("8884.88"), credit=True,
            reference="UTR-NOV-2", bank_reference="B-1", narration="EMI BORROWER TWO",
            payer_name="BORROWER TWO", payer_account="123456789012", paid_into="COLL-1",
            status="suspense", rule="name", confidence=60, suggested_loan_id=2,
        ))  # fmt: skip
        uow.commit()
    engine.dispose()
    with staff_browser(book, ("finance",)) as maker:
        page = maker.get("/app/payments")
        [line] = rows(page.text, "lines")
        assert line[:7] == ["1", "27 Nov 2026", "8,884.88", "UTR-NOV-2", "BORROWER TWO",
                            "EMI BORROWER TWO", "2 name 60 %"]  # fmt: skip
        missing = maker.post(
            "/app/payments/lines/1/match", data={"csrf": csrf(page.text), "loan_id": 99}
        )
        assert missing.status_code == 404 and "no loan 99" in missing.text
        asked = maker.post(
            "/app/payments/lines/1/match", data={"csrf": csrf(page.text), "loan_id": 2}
        )
        assert asked.headers["location"].startswith("/app/approvals?queued=")
        assert events(book, 2)[-1][1] != "UTR-NOV-2"  # nothing posted yet
    with staff_browser(book, ("finance",)) as checker:
        queue = checker.get("/app/approvals")
        request_id = re.search(r"#(\d+) statement line 1 \(8884.88\) to loan 2", queue.text)
        assert request_id is not None
        done = checker.post(
            f"/app/approvals/{request_id.group(1)}/approval", data={"csrf": csrf(queue.text)}
        )
        assert done.status_code == 303
        assert rows(checker.get("/app/payments").text, "lines") == [["Nothing in suspense."]]
    kind, reference, _ = events(book, 2)[-1]
    assert (kind, reference) == ("payment", "UTR-NOV-2")


def test_the_loans_documents_open_from_its_page(book: str, admin: TestClient) -> None:
    page = admin.get("/app/loans/2")
    receipt_link = re.search(
        r'href="(/app/loans/2/documents/receipt\?event=\d+)">receipt', page.text
    )
    assert receipt_link is not None  # October's payment, R-2-0
    receipt = admin.get(receipt_link.group(1))
    assert receipt.headers["content-type"] == "application/pdf"
    flat = " ".join(PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text().split())
    for part in (
        "Borrower Borrower 2", "Loan R-2 (loan 2)", "Received on 26 Oct 2026",
        "Amount ₹8,884.88",
        "In words Rupees Eight Thousand Eight Hundred Eighty-Four and Paise Eighty-Eight only",
        "Paid by NACH, reference R-2-0",
        "principal ₹7,884.88, interest ₹1,000.00, charges ₹0.00; held ahead ₹0.00",
    ):  # fmt: skip
        assert part in flat, part
    for name in ("kfs", "statement"):
        document = admin.get(f"/app/loans/2/documents/{name}")
        assert document.headers["content-type"] == "application/pdf", name
    assert admin.get("/app/loans/2/documents/other").status_code == 404
    assert admin.get("/app/loans/2/documents/receipt?event=1").status_code == 404  # not a payment
    with staff_browser(book, ("loan_officer",), ["BLR01"]) as stranger:
        assert stranger.get(receipt_link.group(1)).status_code == 404  # PUN01's loan


def test_a_part_prepayment_previews_the_emi_it_leaves_and_posting_agrees(
    book: str, admin: TestClient
) -> None:
    page = admin.get("/app/loans/1")  # both EMIs paid; nothing due on 27 Nov
    form = {"csrf": csrf(page.text), "amount": "20000", "value_date": "2026-11-27",
            "reference": "PRE-1", "channel": "neft", "reschedule": "reduce_emi"}  # fmt: skip
    preview = admin.post("/app/loans/1/payments", data=form)
    said = re.search(r"EMI after: ₹([\d,.]+), (\d+) installments to pay", preview.text)
    assert said is not None and said.group(2) == "10"
    emi_after = D(said.group(1).replace(",", ""))
    assert emi_after < D("8884.88")
    done = admin.post("/app/loans/1/payments", data={**form, "confirm": "yes"})
    assert done.status_code == 303
    cards = admin.get("/app/loans/1").text
    assert f"<span>EMI</span><strong>₹{rupees_text(emi_after)}</strong>" in cards  # as previewed
    assert events(book, 1)[-1][:2] == ("prepayment", "PRE-1")


def test_a_loan_is_foreclosed_for_its_quote(book: str, admin: TestClient) -> None:
    page = admin.get("/app/loans/1")
    quoted = admin.post(
        "/app/loans/1/foreclosure", data={"csrf": csrf(page.text), "on": "2026-11-27"}
    )
    assert quoted.status_code == 200
    quote = {r[0]: r[1] for r in rows(quoted.text, "quote")}
    assert quote["Principal not yet repaid"] == "84,151.39"
    assert quote["Foreclosure charge and its tax"] == "0.00"
    parts = [D(quote[k].replace(",", "")) for k in ("Principal not yet repaid",
             "Interest unpaid, to 27 Nov 2026", "Charges unpaid")]  # fmt: skip
    assert D(quote["To pay"].replace(",", "")) == sum(parts)
    assert events(book, 1)[-1][0] == "payment"  # a quote writes nothing
    form = {"csrf": csrf(page.text), "on": "2026-11-27", "reference": "FC-1", "channel": "neft",
            "confirm": "yes"}  # fmt: skip
    missing = admin.post("/app/loans/1/foreclosure", data={**form, "reference": ""})
    assert missing.status_code == 422 and "reference" in missing.text
    done = admin.post("/app/loans/1/foreclosure", data=form)
    assert done.headers["location"] == "/app/loans/1?foreclosed=2026-11-27"
    closed = admin.get(done.headers["location"])
    assert (
        "Loan foreclosed on 2026-11-27." in closed.text and "<strong>closed</strong>" in closed.text
    )
    assert [(k, r) for k, r, _ in events(book, 1)][-2:] == [
        ("foreclosure", None),
        ("payment", "FC-1"),
    ]
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:  # no loans.change
        page = officer.get("/app/loans/2")
        assert "Close the loan early" not in page.text
        form = {"csrf": csrf(page.text), "on": "2026-11-27"}
        assert officer.post("/app/loans/2/foreclosure", data=form).status_code == 403


def test_a_rate_change_is_previewed_then_made(book: str, admin: TestClient) -> None:
    page = admin.get("/app/loans/1")
    form = {"csrf": csrf(page.text), "day": "2026-11-27", "annual_rate": "abc",
            "reschedule": "reduce_emi", "reference": "RC-1"}  # fmt: skip
    bad = admin.post("/app/loans/1/rate-changes", data=form)
    assert bad.status_code == 422 and "annual_rate: Input should be a valid decimal" in bad.text
    form["annual_rate"] = "14"
    preview = admin.post("/app/loans/1/rate-changes", data=form)
    said = re.search(r"EMI after: ₹([\d,.]+), (\d+) installments to pay", preview.text)
    assert said is not None and said.group(2) == "10"
    emi_after = D(said.group(1).replace(",", ""))
    assert emi_after > D("8884.88")  # a higher rate, the same tenure
    assert events(book, 1)[-1][0] == "payment"  # a preview writes nothing
    done = admin.post("/app/loans/1/rate-changes", data={**form, "confirm": "yes"})
    assert done.headers["location"] == "/app/loans/1?rate=14"
    after = admin.get(done.headers["location"]).text
    assert "Rate changed to 14 %." in after
    assert f"<span>EMI</span><strong>₹{rupees_text(emi_after)}</strong>" in after
    assert events(book, 1)[-1][:2] == ("rate_change", "RC-1")


def test_branches_and_a_benchmark_rate_asked_for_approval(book: str, admin: TestClient) -> None:
    assert rows(admin.get("/app/branches").text) == [
        ["BLR01", "Bengaluru", "4"],
        ["PUN01", "Pune", "4"],
    ]
    page = admin.get("/app/benchmarks")
    assert rows(page.text) == [["No rate published."]]
    form = {
        "csrf": csrf(page.text),
        "benchmark": "REPO",
        "effective_from": "2026-12-01",
        "rate": "x",
    }
    bad = admin.post("/app/benchmarks", data=form)
    assert bad.status_code == 422 and "rate: Input should be a valid decimal" in bad.text
    blank = admin.post("/app/benchmarks", data={**form, "benchmark": " ", "rate": "6.25"})
    assert blank.status_code == 422 and "benchmark: 1 to 32 characters" in blank.text
    asked = admin.post("/app/benchmarks", data={**form, "rate": "6.25"})
    assert asked.headers["location"].startswith("/app/approvals?queued=")
    assert "benchmark REPO: 6.25 % from 2026-12-01" in admin.get("/app/approvals").text
    assert rows(admin.get("/app/benchmarks").text) == [["No rate published."]]  # not yet
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        assert rows(officer.get("/app/branches").text) == [["PUN01", "Pune", "4"]]
        shown = officer.get("/app/benchmarks")
        assert "Publish a new rate" not in shown.text
        assert (
            officer.post("/app/benchmarks", data={**form, "csrf": csrf(shown.text)}).status_code
            == 403
        )


def test_a_charge_is_levied_and_a_waiver_of_it_approved_by_a_second_person(book: str) -> None:
    """A 1,000 legal charge with 18 % GST on loan 2 (PUN01); an officer asks for 590 of it to
    be waived: the GST share is 590 x 180 / 1,180 = 90.00; a manager of PUN01 approves."""
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        page = officer.get("/app/loans/2")
        assert rows(page.text, "charges-table") == [["No charge."]]
        form = {"csrf": csrf(page.text), "reference": "legal:notice-1", "amount": "1000",
                "tax_rate": "18"}  # fmt: skip
        before = events(book, 2)
        preview = officer.post("/app/loans/2/charges", data=form)
        assert "The borrower would owe ₹1,180.00 from 27 Nov 2026" in preview.text
        assert events(book, 2) == before
        bad = officer.post("/app/loans/2/charges", data={**form, "tax_rate": "40"})
        assert (
            bad.status_code == 422
            and "tax_rate: Input should be less than or equal to 28" in bad.text
        )
        done = officer.post("/app/loans/2/charges", data={**form, "confirm": "yes"})
        assert done.headers["location"] == "/app/loans/2?charged=legal:notice-1#charges"
        page = officer.get(done.headers["location"])
        assert "Charge legal:notice-1 levied." in page.text
        assert rows(page.text, "charges-table") == [
            ["legal:notice-1", "27 Nov 2026", "fee", "1,000.00", "180.00", "0.00", "0.00",
             "1,180.00"],
        ]  # fmt: skip
        asked = {"csrf": csrf(page.text), "charge": "legal:notice-1", "amount": "590",
                 "reason": "goodwill"}  # fmt: skip
        too_much = officer.post("/app/loans/2/waivers", data={**asked, "amount": "1180.01"})
        assert too_much.status_code == 422 and "at most the 1180.00 unpaid" in too_much.text
        preview = officer.post("/app/loans/2/waivers", data=asked)
        assert ("forgive ₹590.00 (of which GST ₹90.00): unpaid now ₹1,180.00, after ₹590.00"
                in preview.text)  # fmt: skip
        queued = officer.post("/app/loans/2/waivers", data={**asked, "confirm": "yes"})
        request_id = int(queued.headers["location"].split("asked=")[1].split("#")[0])
        assert f"request #{request_id} waits" in officer.get(queued.headers["location"]).text
    assert events(book, 2)[-1][0] == "charge"  # nothing waived yet
    with staff_browser(book, ("branch_manager",), ["PUN01"]) as manager:
        queue = manager.get("/app/approvals")
        assert f"#{request_id} Waive 590.00 of legal:notice-1 on loan 2 (goodwill)" in queue.text
        done = manager.post(f"/app/approvals/{request_id}/approval",
                            data={"csrf": csrf(queue.text), "note": "first slip"})  # fmt: skip
        assert done.status_code == 303
        page = manager.get("/app/loans/2")
        assert rows(page.text, "charges-table")[0][-2:] == ["590.00", "590.00"]
    kind, reference, actor = events(book, 2)[-1]
    assert (kind, reference) == ("charge_waiver", "waiver-1")
    assert str(actor).startswith("user:branch_manager-")


def test_a_upi_request_is_made_from_the_loan_page_with_its_qr_code(book: str) -> None:
    """Loan 2 owes its November EMI of 8,884.88 on the business date, 27 Nov: the request is
    for it; only its branch sees it."""
    with staff_browser(book, ("loan_officer",), ["PUN01"]) as officer:
        page = officer.get("/app/loans/2")
        made = officer.post("/app/loans/2/upi-requests", data={"csrf": csrf(page.text)})
        assert made.status_code == 200
        reference = "U261127000000002"  # what is owed on the business date
        assert f"Request {reference} for ₹8,884.88, owed on 27 Nov 2026" in made.text
        assert "upi://pay?" in made.text
        qr = officer.get(f"/app/upi-requests/{reference}/qr.png")
        assert qr.headers["content-type"] == "image/png" and qr.content[:8] == b"\x89PNG\r\n\x1a\n"
        listed = rows(officer.get("/app/payments/upi").text, "upi-table")
        assert [r[:4] for r in listed] == [[reference, "2", "8,884.88", "27 Nov 2026"]]
    with staff_browser(book, ("loan_officer",), ["BLR01"]) as elsewhere:
        assert rows(elsewhere.get("/app/payments/upi").text, "upi-table") == [["No request yet."]]
        assert elsewhere.get(f"/app/upi-requests/{reference}/qr.png").status_code == 404


def test_a_refund_asked_on_the_loan_page_is_approved_by_another_and_paid_out(book: str) -> None:
    """1,000.00 paid on loan 4 (BLR01), which owes nothing before December, is held as excess;
    an officer asks for it back, a manager approves, finance writes the payout file."""
    with api_client(book) as api:
        paid = api.post(
            "/api/v1/loans/4/repayments",
            json={
                "amount": "1000",
                "value_date": "2026-11-27",
                "reference": "UTR-EXTRA",
                "channel": "upi",
            },
        )
        assert paid.status_code == 201, paid.text
    with staff_browser(book, ("loan_officer",), ["BLR01"]) as officer:
        page = officer.get("/app/loans/4")
        assert "Ask for a refund of the excess held" in page.text
        form = {"csrf": csrf(page.text), "amount": "1000", "account_holder": "Borrower 4",
                "account_number": "50100012345678", "ifsc": "HDFC0001234",
                "reason": "paid twice"}  # fmt: skip
        too_much = officer.post("/app/loans/4/refund-requests", data={**form, "amount": "1000.01"})
        assert too_much.status_code == 422
        asked = officer.post("/app/loans/4/refund-requests", data=form)
        assert asked.status_code == 303
        request_id = int(asked.headers["location"].rsplit("=", 1)[1])
        queue = officer.get("/app/payments/refunds")
        assert "Approve" not in queue.text  # an officer may ask, not decide
    with staff_browser(book, ("branch_manager",), ["BLR01"]) as manager:
        queue = manager.get("/app/payments/refunds")
        done = manager.post(f"/app/payments/refunds/{request_id}/approve",
                            data={"csrf": csrf(queue.text), "note": "checked"})  # fmt: skip
        assert done.status_code == 303
        row = rows(manager.get("/app/payments/refunds").text, "refunds-table")[0]
        assert row[:3] + row[5:8] == [str(request_id), "4", "1,000.00", row[5], "approved", row[7]]
        assert row[5].startswith("user:loan_officer-") and row[7].startswith("user:branch_manager-")
    with staff_browser(book, ("finance",)) as finance:
        queue = finance.get("/app/payments/refunds")
        file = finance.post("/app/payments/refund-payouts", data={"csrf": csrf(queue.text)})
        assert file.headers["content-type"].startswith("text/csv")
        assert "50100012345678" in file.text and "1000.00" in file.text
    with staff_browser(book, ("branch_manager",), ["PUN01"]) as elsewhere:
        assert rows(elsewhere.get("/app/payments/refunds").text, "refunds-table") == [
            ["No refund asked for."]
        ]


def test_finance_reads_a_bank_statement_on_the_page(book: str) -> None:
    """The HDFC statement of 26 Nov: three credits no loan of this book is sure for (they wait
    in the exceptions queue) and a bank charge (a debit, recorded only); read again, nothing."""
    content = (
        Path(__file__).parents[1] / "data" / "statements" / "hdfc_2026-11-26.mt940"
    ).read_bytes()
    with staff_browser(book, ("finance",)) as finance:
        page = finance.get("/app/payments/files")
        form = {"csrf": csrf(page.text), "kind": "statement"}
        upload = {"upload": ("hdfc.mt940", content, "text/plain")}
        read = finance.post("/app/payments/files", data=form, files=upload)
        assert read.status_code == 200
        assert (
            "<dt>lines</dt><dd>4</dd><dt>new</dt><dd>4</dd><dt>posted</dt><dd>0</dd>"
            "<dt>suspense</dt><dd>3</dd><dt>debits</dt><dd>1</dd>"
        ) in read.text
        again = finance.post("/app/payments/files", data=form, files=upload)
        assert "this file was read before, nothing was done" in again.text
        queue = rows(finance.get("/app/payments").text, "lines")
        assert [r[2] for r in queue] == ["8,884.88", "5,000.00", "1,234.00"]
        settled = finance.get("/app/payments/settlements")
        assert rows(settled.text, "settlements-table") == [["No settlement yet."]]


def test_a_failed_step_that_may_be_repeated_is_retried_for_its_loan(book: str) -> None:
    """The excess step failed on loan 3 (it may be run again for a loan); the accrual on loan
    5 (it may not: park it or run the close again). Retrying loan 3 finds nothing left for the
    step to do (loan 3 holds no unapplied funds): its failure is resolved."""
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        for step, loan in (("excess", 3), ("accrue", 5)):
            uow.session.add(CloseFailure(day=date(2026, 11, 27), step=step, loan_id=loan,
                                         error="lock timeout", created_at=datetime.now(UTC)))  # fmt: skip
        uow.commit()
    engine.dispose()
    with staff_browser(book, ("finance",)) as finance:
        shown = finance.get("/app/close")
        assert shown.text.count(">Retry</button>") == 1  # loan 3's only
        done = finance.post("/app/close/failures/3/retry", data={"csrf": csrf(shown.text)})
        assert done.headers["location"] == "/app/close?retried=3&steps=1&left=0"
        after = finance.get(done.headers["location"])
        assert "Loan 3: 1 step(s) run again; 0 failure(s) still open." in after.text
        assert [r[:2] for r in rows(after.text) if r[2:3] == ["lock timeout"]] == [["5", "accrue"]]
        nothing = finance.post("/app/close/failures/5/retry", data={"csrf": csrf(shown.text)})
        assert nothing.headers["location"] == "/app/close?retried=5&steps=0&left=1"


def test_a_report_is_kept_on_a_schedule_from_the_reports_page(book: str) -> None:
    with staff_browser(book, ("branch_manager",), ["PUN01"]) as manager:
        page = manager.get("/app/reports")
        assert rows(page.text, "schedules-table") == [["No report is sent on a schedule."]]
        form = {"csrf": csrf(page.text), "report": "sma", "format": "pdf",
                "recipients": "bm.pune@acme.example; risk@acme.example", "frequency": "weekly",
                "day": "0", "branch": "BLR01"}  # fmt: skip
        refused = manager.post("/app/reports/schedules", data=form)
        assert refused.status_code == 422 and "branch: must be one of PUN01" in refused.text
        kept = manager.post("/app/reports/schedules", data={**form, "branch": "PUN01"})
        assert kept.status_code == 303
        shown = rows(manager.get(kept.headers["location"]).text, "schedules-table")
        assert shown[0][1:7] == ["sma", "pdf", "weekly, Mondays", "PUN01",
                                 "bm.pune@acme.example, risk@acme.example", "-"]  # fmt: skip
    with staff_browser(book, ("branch_manager",), ["BLR01"]) as elsewhere:
        page = elsewhere.get("/app/reports")
        assert rows(page.text, "schedules-table") == [["No report is sent on a schedule."]]
        gone = elsewhere.post(
            "/app/reports/schedules/1/cancellation", data={"csrf": csrf(page.text)}
        )
        assert gone.status_code == 404
    with staff_browser(book, ("auditor",)) as auditor:  # reads reports, keeps no schedule
        assert "Sent by e-mail after the close" not in auditor.get("/app/reports").text
    with staff_browser(book, ("risk",)) as risk:
        page = risk.get("/app/reports")
        done = risk.post("/app/reports/schedules/1/cancellation", data={"csrf": csrf(page.text)})
        assert "(cancelled)" in risk.get(done.headers["location"]).text
