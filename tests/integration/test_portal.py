"""The borrower portal over HTTP on every database, used as borrowers use it: signing in with a
one-time code sent by e-mail (a real SMTP server) or SMS (the SMS gateway's stand-in), codes
that expire, work once and lock signing in after five wrong tries; the home page's figures;
a co-borrower's joint loan; every route refused to a stranger and, with another borrower's
ids, answered 404; paying through the gateway's signed webhook; a request answered by staff.

The book is portal_setup's: on 26 Nov 2026 each loan owes its October and November EMIs of
8,884.88 each (17,769.76), 32 days past due (26 Oct to 26 Nov counted both ends), and all of
its principal of 1,00,000; its next EMI is 8,884.88 on 26 Dec 2026.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from email.message import EmailMessage

import pytest
from api_client import csrf, staff_browser
from fastapi.testclient import TestClient
from portal_setup import challenge_of, code_in, gateway_event, portal_book, sign_in, text_of
from providers import provider
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.filing import Filing, file_document
from lms.documents.models import StoredDocument
from lms.documents.store import blob_store
from lms.interfaces.api.app import create_app
from lms.interfaces.portal import loan_pages, pages, request_pages
from lms.interfaces.portal.app import OPEN
from lms.notices.service import send_queued
from lms.platform.db import UnitOfWork, make_session_factory
from lms.portal.models import BorrowerCode, ServiceRequest
from lms.portal.requests import Raised, raise_request, staff_reply
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import Customer, Loan, LoanEvent
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import loan_state

SECRET = "whsec_portal"
NOV26 = date(2026, 11, 26)
SESSIONS: dict[str, sessionmaker[Session]] = {}  # the book's sessions, by its URL


@pytest.fixture
def book(
    db_url: str,
    engine: Engine,
    smtp: tuple[list[EmailMessage], int],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, list[EmailMessage]]]:
    received, port = smtp
    for name, value in {"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(port),
                        "LMS_GRIEVANCE_OFFICER": "Meera Shah, 020-4000-1000, grievance@lender.in",
                        "LMS_RAZORPAY_KEY_ID": "rzp_test_key",
                        "LMS_RAZORPAY_KEY_SECRET": "rzp_test_secret",
                        "LMS_RAZORPAY_WEBHOOK_SECRET": SECRET}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    portal_book(db_url, engine)
    SESSIONS[db_url] = make_session_factory(engine)
    yield db_url, received
    SESSIONS.pop(db_url)


def _client(url: str) -> TestClient:
    return TestClient(create_app(url), follow_redirects=False)


def _figures(html: str) -> list[str]:
    return re.findall(r'data-figure="outstanding">([^<]+)<', html)


def test_a_borrower_signs_in_with_an_emailed_code_and_sees_each_loan(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    assert client.get("/my").headers["location"] == "/my/sign-in"
    sign_in(client, "PL-1", " Asha@Example.in ", received)
    assert received[-1]["To"] == "asha@example.in"
    assert "Do not share it" in text_of(received[-1])
    home = client.get("/my").text
    assert "PL-1" in home and "PL-2" not in home and "PL-3" not in home
    assert _figures(home) == ["₹1,00,000.00"]
    assert "₹17,769.76 · 32 days past due" in home
    assert "₹8,884.88 · 26 Dec 2026" in home  # the next EMI
    assert "No auto-debit mandate" in home
    hindi = client.get("/my/language?to=hi&back=/my")
    assert hindi.headers["location"] == "/my"
    assert "मेरे ऋण" in client.get("/my").text  # the cookie keeps the language


def test_a_co_borrower_sees_the_joint_loan_beside_their_own(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, _ = book
    client = _client(url)
    with provider("sms") as sms:
        import os

        os.environ["LMS_SMS_URL"], os.environ["LMS_SMS_API_KEY"] = sms.url, "key"
        os.environ["LMS_SMS_DLT_ENTITY_ID"] = "1101"
        os.environ["LMS_SMS_DLT_TEMPLATES"] = '{"sign_in_code": "1107"}'
        try:
            asked = client.post("/my/sign-in", data={"loan_number": "PL-1",
                                                     "contact": "09123456780"})  # fmt: skip
            sent = sms.requests[-1]["body"]
        finally:
            for name in ("LMS_SMS_URL", "LMS_SMS_API_KEY", "LMS_SMS_DLT_ENTITY_ID",
                         "LMS_SMS_DLT_TEMPLATES"):  # fmt: skip
                del os.environ[name]
    assert (sent["to"], sent["dlt_template_id"]) == ("+919123456780", "1107")
    code = re.search(r"\b(\d{6})\b", sent["text"]).group(1)  # type: ignore[union-attr]
    taken = client.post("/my/code", data={"challenge": challenge_of(asked.text), "code": code})
    assert taken.status_code == 303
    home = client.get("/my").text
    assert "PL-1" in home and "PL-3" in home and "Co-borrower" in home
    assert client.get("/my/loans/1").status_code == 200
    assert client.get("/my/loans/2").status_code == 404


def test_a_code_works_once_within_its_life_and_wrong_codes_lock_signing_in(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    unknown = client.post("/my/sign-in", data={"loan_number": "PL-9", "contact": "x@y.in"})
    stranger = client.post("/my/sign-in", data={"loan_number": "PL-1", "contact": "b@y.in"})
    assert unknown.status_code == stranger.status_code == 200 and received == []
    asked = client.post("/my/sign-in", data={"loan_number": "PL-2", "contact": "bharat@example.in"})
    challenge, code = challenge_of(asked.text), code_in(received[-1])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert client.post("/my/code", data={"challenge": challenge, "code": wrong}).status_code == 422
    assert client.post("/my/code", data={"challenge": challenge, "code": code}).status_code == 303
    again = _client(url).post("/my/code", data={"challenge": challenge, "code": code})
    assert again.status_code == 422  # used once
    sessions = SESSIONS[url]
    asked = client.post("/my/sign-in", data={"loan_number": "PL-2", "contact": "bharat@example.in"})
    challenge, code = challenge_of(asked.text), code_in(received[-1])
    with UnitOfWork(sessions) as uow:  # its ten minutes pass
        uow.session.execute(update(BorrowerCode).where(BorrowerCode.challenge == challenge)
                            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))  # fmt: skip
        uow.commit()
    assert client.post("/my/code", data={"challenge": challenge, "code": code}).status_code == 422
    asked = client.post("/my/sign-in", data={"loan_number": "PL-2", "contact": "bharat@example.in"})
    challenge, code = challenge_of(asked.text), code_in(received[-1])
    for _ in range(4):  # the first wrong code was counted too: five in all
        client.post("/my/code", data={"challenge": challenge, "code": wrong})
    locked = client.post("/my/code", data={"challenge": challenge, "code": code})
    assert locked.status_code == 429 and "too many wrong codes" in locked.text
    quiet = client.post("/my/sign-in", data={"loan_number": "PL-2", "contact": "bharat@example.in"})
    assert quiet.status_code == 200 and "too many" not in quiet.text  # nothing said, and
    assert len(received) == 3  # no code sent while locked


def test_at_most_three_codes_are_sent_in_fifteen_minutes_and_nobody_is_told_why(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    form = {"loan_number": "PL-1", "contact": "asha@example.in"}
    pages = [client.post("/my/sign-in", data=form) for _ in range(4)]
    assert [p.status_code for p in pages] == [200, 200, 200, 200]  # the same answer, but
    assert len(received) == 3  # the fourth code was not sent


def test_every_route_needs_a_borrower_and_another_borrowers_ids_are_not_there(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    asha, bharat = _client(url), _client(url)
    sign_in(asha, "PL-1", "asha@example.in", received)
    sign_in(bharat, "PL-2", "bharat@example.in", received)
    raised = asha.post("/my/requests", data={
        "csrf": csrf(asha.get("/my/requests").text), "loan_id": "1", "kind": "support",
        "category": "statement", "subject": "Statement copy", "body": "Please send it.",
    }, files={"attachment": ("note.pdf", b"%PDF-1.4 note", "application/pdf")})  # fmt: skip
    request_id = int(raised.headers["location"].rsplit("/", 1)[1])
    paid = asha.post("/my/loans/1/pay", data={"csrf": csrf(asha.get("/my/loans/1/pay").text),
                                              "choice": "due", "method": "upi"})  # fmt: skip
    reference = re.search(r"/upi/(\w+)\.png", paid.text).group(1)  # type: ignore[union-attr]
    ids = {"loan_id": "1", "request_id": str(request_id), "message_id": "1",
           "reference": reference, "name": "statement", "document_id": "1"}  # fmt: skip
    token = csrf(bharat.get("/my").text)
    routes = [(m, r.path) for module in (pages, loan_pages, request_pages)  # type: ignore[attr-defined]
              for r in module.router.routes for m in getattr(r, "methods", ())]  # fmt: skip
    for method, path in routes:
        if (method, path) in OPEN:
            continue
        target = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), path)
        stranger = _client(url).request(method, target)
        if method == "GET":
            assert stranger.status_code == 303, (method, path)
            assert stranger.headers["location"] == "/my/sign-in"
        else:  # no session, so no form token
            assert stranger.status_code == 403, (method, path)
        if "{" in path:
            answer = bharat.request(method, target, data={"csrf": token, "body": "mine now",
                                    "choice": "due", "method": "upi", "loan_id": "1",
                                    "kind": "support", "category": "other", "subject": "take"})  # fmt: skip
            assert answer.status_code == 404, (method, path, answer.text[:200])
    asha_own = asha.get(f"/my/requests/{request_id}/attachments/1")
    assert asha_own.content == b"%PDF-1.4 note"


def test_a_payment_through_the_gateway_shows_on_the_loan_once_its_webhook_confirms_it(
    book: tuple[str, list[EmailMessage]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    with provider("razorpay") as gateway:
        monkeypatch.setenv("LMS_RAZORPAY_URL", gateway.url)
        form = {"csrf": csrf(client.get("/my/loans/1/pay").text), "choice": "custom",
                "amount": "10,000.00", "method": "gateway"}  # fmt: skip
        checkout = client.post("/my/loans/1/pay", data=form)
    assert checkout.status_code == 200, checkout.text
    assert gateway.requests[-1]["body"]["amount"] == 1000000  # paise
    assert f'action="{gateway.url}/v1/checkout/embedded"' in checkout.text
    assert 'name="order_id" value="order_T000001"' in checkout.text
    signature = hmac.new(b"rzp_test_secret", b"order_T000001|pay_P1", hashlib.sha256).hexdigest()
    back = client.post("/my/gateway/razorpay/return", data={"razorpay_order_id": "order_T000001",
                       "razorpay_payment_id": "pay_P1", "razorpay_signature": signature})  # fmt: skip
    assert back.headers["location"] == "/my/loans/1?paying=received"
    forged = client.post("/my/gateway/razorpay/return", data={
        "razorpay_order_id": "order_T000001", "razorpay_payment_id": "pay_P1",
        "razorpay_signature": "0" * 64})  # fmt: skip
    assert forged.headers["location"] == "/my/loans/1"
    assert _figures(client.get("/my/loans/1").text) == ["₹1,00,000.00"]  # not posted yet
    body, signed = gateway_event(SECRET, "pay_P1", 1000000)
    hook = client.post("/api/v1/gateways/razorpay/webhook", content=body,
                       headers={"X-Razorpay-Signature": signed})  # fmt: skip
    assert hook.json()["outcome"] == "posted"
    # by hand: October's EMI is 1,000.00 interest (1 % of 1,00,000) and 7,884.88 principal;
    # November's 921.15 interest (1 % of 92,115.12) and 7,963.73 principal. 10,000 pays all of
    # October's and both interests, and 10,000 - 8,884.88 - 921.15 = 193.97 of November's
    # principal (the same whether the waterfall takes interest first or installment by
    # installment): 1,00,000 - 7,884.88 - 193.97 = 91,921.15 outstanding
    page = client.get("/my/loans/1").text
    sessions = SESSIONS[url]
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=1, as_of=datetime(2026, 11, 26).date())
        assert uow.session.scalar(select(func.count()).select_from(LoanEvent)
                                  .where(LoanEvent.reference == "pay_P1")) == 1  # fmt: skip
    assert state.principal_outstanding == D("91921.15")
    assert _figures(page) == ["₹91,921.15"]
    assert client.post("/my/gateway/razorpay/return", data={
        "razorpay_order_id": "order_T000001", "razorpay_payment_id": "pay_P1",
        "razorpay_signature": signature}).headers["location"] == "/my/loans/1?paying=posted"  # fmt: skip


def test_a_request_is_answered_by_staff_and_the_borrower_told(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    token = csrf(client.get("/my/requests").text)
    bad = client.post("/my/requests", data={"csrf": token, "loan_id": "1", "kind": "support",
                                            "category": "statement", "subject": "x", "body": ""})  # fmt: skip
    assert bad.status_code == 422
    assert "subject: must be 3 to 120 characters; body: must be 1 to 4,000 characters" in bad.text
    made = client.post("/my/requests", data={"csrf": token, "loan_id": "1", "kind": "complaint",
                       "category": "charges", "subject": "Bounce charge twice",
                       "body": "I was charged twice for one return."})  # fmt: skip
    assert made.status_code == 303
    sessions = SESSIONS[url]
    with UnitOfWork(sessions) as uow:
        (raised,) = uow.session.scalars(select(ServiceRequest)).all()
        reference, raised_id = raised.reference, raised.id
        created = raised.created_at.replace(tzinfo=UTC)
        assert raised.due_at.replace(tzinfo=UTC) - created == timedelta(days=30)
    assert reference == f"GR-261126-{raised_id:06d}"
    staff = staff_browser(url, ("loan_officer",), ["PUN01"])
    queue = staff.get("/app/requests").text
    assert reference in queue and "29 d 23 h left" in queue
    page = staff.get(f"/app/requests/{raised_id}").text
    answered = staff.post(f"/app/requests/{raised_id}/replies", data={
        "csrf": csrf(page), "body": "The second charge is reversed.", "resolve": "yes"})  # fmt: skip
    assert answered.status_code == 303
    mine = client.get(f"/my/requests/{raised_id}").text
    assert "The second charge is reversed." in mine and "Resolved" in mine
    assert "cms.rbi.org.in" in mine  # a resolved complaint may still go to the Ombudsman
    grievance = client.get("/my/grievance").text
    assert "Meera Shah, 020-4000-1000, grievance@lender.in" in grievance
    with UnitOfWork(sessions) as uow:
        from lms.notices.models import Notice

        told = uow.session.scalars(select(Notice).where(Notice.template == "request_update"))
        assert [(n.data["status"], n.channel) for n in told] == [("resolved", "email")]


def test_a_new_contact_detail_is_written_only_with_the_code_sent_to_it(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-2", "bharat@example.in", received)
    token = csrf(client.get("/my/contact").text)
    bad = client.post("/my/contact", data={"csrf": token, "contact": "not a contact"})
    assert bad.status_code == 422 and "contact: is neither a mobile number" in bad.text
    asked = client.post("/my/contact", data={"csrf": token, "contact": "Bharat.Das@mail.in"})
    assert received[-1]["To"] == "bharat.das@mail.in"  # the new address proves itself
    challenge, code = challenge_of(asked.text), code_in(received[-1])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    form = {"csrf": token, "challenge": challenge}
    assert client.post("/my/contact/code", data={**form, "code": wrong}).status_code == 422
    assert "bharat@example.in" in client.get("/my/contact").text  # unchanged
    done = client.post("/my/contact/code", data={**form, "code": code})
    assert done.headers["location"] == "/my/contact?done=true"
    assert "bharat.das@mail.in" in client.get("/my/contact").text
    asha = _client(url)  # a sign-in code cannot change anyone's contact
    sign_in(asha, "PL-1", "asha@example.in", received)
    again = asha.post("/my/contact/code", data={"csrf": csrf(asha.get("/my/contact").text),
                                                "challenge": challenge, "code": code})  # fmt: skip
    assert again.status_code == 422
    fresh = _client(url).post("/my/sign-in", data={"loan_number": "PL-2",
                                                   "contact": "bharat.das@mail.in"})  # fmt: skip
    assert fresh.status_code == 200 and received[-1]["To"] == "bharat.das@mail.in"


def test_a_complaint_may_go_to_the_ombudsman_after_thirty_days_without_a_resolution(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    made = client.post("/my/requests", data={
        "csrf": csrf(client.get("/my/grievance").text), "loan_id": "1", "kind": "complaint",
        "category": "recovery_conduct", "subject": "Calls at night", "body": "An agent called at 22:00.",
    })  # fmt: skip
    page = made.headers["location"]
    assert "cms.rbi.org.in" not in client.get(page).text
    with UnitOfWork(SESSIONS[url]) as uow:  # thirty days pass, unresolved
        then = datetime.now(UTC) - timedelta(days=30, hours=2)
        uow.session.execute(update(ServiceRequest).values(
            created_at=then, due_at=then + timedelta(days=30)))  # fmt: skip
        uow.commit()
    assert "cms.rbi.org.in" in client.get(page).text
    staff = staff_browser(url, ("loan_officer",), ["PUN01"])
    assert '<td class="negative">2 h late</td>' in staff.get("/app/requests").text
    elsewhere = staff_browser(url, ("loan_officer",), ["BLR01"])
    request_id = page.rsplit("/", 1)[1]
    assert elsewhere.get(f"/app/requests/{request_id}").status_code == 404
    assert "Calls at night" not in elsewhere.get("/app/requests").text


def test_the_interest_certificate_and_after_closure_the_no_dues_certificate(
    book: tuple[str, list[EmailMessage]],
) -> None:
    """Bharat pays both EMIs on 26 Nov: principal 7,884.88 + 7,963.73 = 15,848.61 and interest
    1,000.00 + 921.15 = 1,921.15 in the financial year 2026-27; then forecloses the loan."""
    url, received = book
    day = datetime(2026, 11, 26).date()
    with UnitOfWork(SESSIONS[url]) as uow:
        paid = PaymentRequest(D("17769.76"), day, "NACH-1", "nach")
        record_payment(uow, loan_id=2, request=paid, posting_date=day)
        uow.commit()
    client = _client(url)
    sign_in(client, "PL-2", "bharat@example.in", received)
    assert "no-dues" not in client.get("/my/loans/2").text
    assert client.get("/my/loans/2/documents/no-dues").status_code == 409
    certificate = client.get("/my/loans/2/documents/interest-certificate?fy=2026")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate.content)).pages)
    assert "15,848.61" in text and "1,921.15" in text and "2026-27" in text
    assert client.get("/my/loans/2/documents/interest-certificate?fy=2027").status_code == 422
    with UnitOfWork(SESSIONS[url]) as uow:
        foreclose_loan(uow, loan_id=2, on=day, reference="FC-1", channel="neft", posting_date=day)
        uow.commit()
    home = client.get("/my").text
    assert "Closed" in home and "Pay now" not in home and _figures(home) == ["₹0.00"]
    assert client.get("/my/loans/2/pay").status_code == 409  # a closed loan takes nothing
    assert 'href="/my/loans/2/documents/no-dues?lang=en"' in client.get("/my/loans/2").text
    no_dues = client.get("/my/loans/2/documents/no-dues")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(no_dues.content)).pages)
    assert "No-dues certificate" in text and "foreclosed" in text and "Bharat Das" in text


def test_the_foreclosure_amount_paid_through_the_gateway_closes_the_loan_once(
    book: tuple[str, list[EmailMessage]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    token = csrf(client.get("/my/loans/1/pay").text)
    by_upi = client.post("/my/loans/1/pay", data={"csrf": token, "choice": "foreclosure",
                                                  "method": "upi"})  # fmt: skip
    assert by_upi.status_code == 422 and "to close the loan, pay by card" in by_upi.text
    huge = client.post("/my/loans/1/pay", data={"csrf": token, "choice": "custom",
                                                "amount": "1e30", "method": "upi"})  # fmt: skip
    assert huge.status_code == 422 and "below a lakh crore" in huge.text
    with provider("razorpay") as gateway:
        monkeypatch.setenv("LMS_RAZORPAY_URL", gateway.url)
        client.post("/my/loans/1/pay", data={"csrf": token, "choice": "foreclosure",
                                             "method": "gateway"})  # fmt: skip
    paise = gateway.requests[-1]["body"]["amount"]
    # by hand: the October and November EMIs (17,769.76) and the principal left after them,
    # 1,00,000 - 7,884.88 - 7,963.73 = 84,151.39, with no interest since the last due date
    # (26 Nov is the business date) and no foreclosure charge in the test product
    assert paise == 10192115
    for event in ("payment.captured", "order.paid"):  # the gateway reports it twice
        body, signed = gateway_event(SECRET, "pay_F1", paise, event)
        hook = client.post("/api/v1/gateways/razorpay/webhook", content=body,
                           headers={"X-Razorpay-Signature": signed,
                                    "X-Razorpay-Event-Id": f"evt_{event}"})  # fmt: skip
        assert hook.json()["outcome"] == ("posted" if event == "payment.captured" else "repeat")
    home = client.get("/my").text
    assert "Closed" in home and _figures(home) == ["₹0.00"]
    with UnitOfWork(SESSIONS[url]) as uow:
        kinds = uow.session.scalars(select(LoanEvent.kind).where(LoanEvent.loan_id == 1)
                                    .order_by(LoanEvent.id)).all()  # fmt: skip
    assert kinds == ["disbursement", "foreclosure", "payment"]


def test_every_kind_of_request_can_be_raised_and_a_reply_restarts_its_clock(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    token = csrf(client.get("/my/requests").text)
    made = []
    for kind in ("part_prepayment", "emi_date_change", "mandate_change", "support"):
        answer = client.post("/my/requests", data={
            "csrf": token, "loan_id": "1", "kind": kind, "category": "payment",
            "subject": f"About {kind}", "body": "Please call me."})  # fmt: skip
        assert answer.status_code == 303, (kind, answer.text[-300:])
        made.append(int(answer.headers["location"].rsplit("/", 1)[1]))
    with UnitOfWork(SESSIONS[url]) as uow:  # three days pass
        uow.session.execute(update(ServiceRequest).values(
            due_at=datetime.now(UTC) - timedelta(hours=1)))  # fmt: skip
        uow.commit()
    replied = client.post(f"/my/requests/{made[0]}/messages", data={
        "csrf": token, "body": "Any news?"}, files={"attachment": ("a.txt", b"hello", "text/plain")})  # fmt: skip
    assert replied.status_code == 422 and "attachment: must be a PDF, PNG or JPEG" in replied.text
    client.post(f"/my/requests/{made[0]}/messages", data={"csrf": token, "body": "Any news?"})
    with UnitOfWork(SESSIONS[url]) as uow:
        due = uow.session.get(ServiceRequest, made[0]).due_at.replace(tzinfo=UTC)  # type: ignore[union-attr]
    assert timedelta(hours=71) < due - datetime.now(UTC) <= timedelta(hours=72)


def test_a_written_off_loan_still_shows_what_is_owed(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    with UnitOfWork(SESSIONS[url]) as uow:
        uow.session.execute(update(Loan).where(Loan.id == 1).values(status="written_off"))
        uow.commit()
    client = _client(url)
    sign_in(client, "PL-1", "asha@example.in", received)
    home = client.get("/my").text
    assert _figures(home) == ["₹1,00,000.00"] and "₹17,769.76 · 32 days past due" in home
    assert "Written off" in home and "Pay now" not in home


def test_one_connection_may_ask_for_and_type_twenty_codes_in_fifteen_minutes(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    client = _client(url)
    for k in range(20):  # whoever it claims to be
        asked = client.post("/my/sign-in", data={"loan_number": f"PL-{k}", "contact": "x@y.in"})
        assert asked.status_code == 200
    refused = client.post("/my/sign-in", data={"loan_number": "PL-1", "contact": "asha@example.in"})
    assert refused.status_code == 429 and "too many attempts from your connection" in refused.text
    typed = client.post("/my/code", data={"challenge": "c", "code": "123456"})
    assert typed.status_code == 429 and received == []


def test_a_co_borrowers_request_is_answered_to_the_co_borrower_not_the_borrower(
    book: tuple[str, list[EmailMessage]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = book
    monkeypatch.setenv("LMS_QUIET_HOURS", "00:00-23:59")
    with UnitOfWork(SESSIONS[url]) as uow:
        uow.session.get(Customer, 3).email = "chitra@example.in"  # type: ignore[union-attr]
        asked = Raised("support", "statement", "Joint statement", "Please send it.")
        made = raise_request(uow, customer_id=3, loan_id=1, asked=asked,
                             today=NOV26, now=datetime.now(UTC))  # fmt: skip
        staff_reply(uow, made, actor="user:t", body="Sent.", resolve=True, today=NOV26,
                    now=datetime.now(UTC))  # fmt: skip
        uow.commit()
    assert send_queued(SESSIONS[url]) == (1, 0)
    assert [m["To"] for m in received] == ["chitra@example.in"]
    assert "Dear Chitra Iyer" in text_of(received[-1])


def test_a_document_kept_with_the_loan_is_the_borrowers_alone_and_issued_ones_are_kept(
    book: tuple[str, list[EmailMessage]],
) -> None:
    url, received = book
    agreement = b"%PDF-1.7\nBharat's loan agreement\n%%EOF\n"
    with UnitOfWork(SESSIONS[url]) as uow:
        filing = Filing("agreement", "Loan agreement", agreement, "application/pdf", loan_id=2)
        kept = file_document(uow, blob_store(), filing, actor="officer", today=NOV26)
        other = file_document(uow, blob_store(), Filing("agreement", "Loan agreement",
                              b"%PDF-1.7\nAsha's\n", "application/pdf", loan_id=1),
                              actor="officer", today=NOV26)  # fmt: skip
        uow.commit()
    client = _client(url)
    sign_in(client, "PL-2", "bharat@example.in", received)
    page = client.get("/my/loans/2").text
    assert f'href="/my/loans/2/files/{kept.id}">Loan agreement</a> · v1' in page
    got = client.get(f"/my/loans/2/files/{kept.id}")
    assert got.status_code == 200 and got.content == agreement
    assert client.get(f"/my/loans/2/files/{other.id}").status_code == 404  # Asha's, on her loan
    assert client.get(f"/my/loans/1/files/{other.id}").status_code == 404  # not Bharat's loan
    issued = client.get("/my/loans/2/documents/kfs")
    with UnitOfWork(SESSIONS[url]) as uow:
        rows = uow.session.execute(
            select(StoredDocument.kind, StoredDocument.sha256, StoredDocument.filed_by)
            .where(StoredDocument.issued.is_(True))
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("kfs", hashlib.sha256(issued.content).hexdigest(), f"borrower:{kept.customer_id}")
    ]
