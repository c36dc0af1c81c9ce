"""Messages to borrowers on every channel, driven by the business date: reminders queued by the
close (three days before a due date, the day before, the day itself, and a missed one), sent
over real SMTP and through local stand-ins of an SMS gateway and the WhatsApp Cloud API that
check the requests; nothing sent at 07:30 or 19:30; an opted-out channel gets nothing; the
day's cap; delivery reports by token and signature.

The book: Asha's loan 1 and Ravi's loan 2, 1,00,000 at 12 % for 12 months from 26 Sep 2026
(EMI 8,884.88 on the 26th). Asha gave WhatsApp consent; Ravi reads Hindi and opted out of SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal as D
from email.header import decode_header, make_header
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from api_client import api_client
from book_setup import book_of_loans
from providers import Provider, provider
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_until
from lms.notices.models import Notice
from lms.notices.outbox import Message, queue_message, queue_messages, send_queued
from lms.notices.queue_sql import queue_messages_sql
from lms.platform.db import UnitOfWork, make_engine
from lms.servicing.catalog import record_consent
from lms.servicing.repayments import PaymentRequest, record_payment

IST = ZoneInfo("Asia/Kolkata")
DLT = {"due_soon": "1107000000000000001", "due_tomorrow": "1107000000000000002",
       "due_today": "1107000000000000003", "missed": "1107000000000000004"}  # fmt: skip
PEOPLE = [
    {"name": "Asha Patil", "email": "asha@example.in", "phone": "9876543210"},
    {"name": "Ravi Kumar", "email": "ravi@example.in", "phone": "+91 98765 43211"},
]


@pytest.fixture
def channels(
    smtp: tuple[list[EmailMessage], int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[EmailMessage], Provider, Provider]]:
    received, port = smtp
    with provider("sms") as sms, provider("whatsapp") as whatsapp:
        for name, value in {
            "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(port),
            "LMS_SMS_URL": f"{sms.url}/v1/messages", "LMS_SMS_API_KEY": "sms-key",
            "LMS_SMS_SENDER": "LENDER", "LMS_SMS_DLT_ENTITY_ID": "1101000000000000001",
            "LMS_SMS_DLT_TEMPLATES": json.dumps(DLT), "LMS_SMS_CALLBACK_TOKEN": "dlr-token",
            "LMS_WHATSAPP_URL": f"{whatsapp.url}/v21.0", "LMS_WHATSAPP_PHONE_ID": "1055",
            "LMS_WHATSAPP_TOKEN": "wa-token", "LMS_WHATSAPP_APP_SECRET": "wa-secret",
            "LMS_WHATSAPP_VERIFY_TOKEN": "wa-verify", "LMS_LENDER_NAME": "Acme Finance",
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        yield received, sms, whatsapp


def _book(
    db_url: str, engine: Engine, people: list[dict[str, str]] = PEOPLE
) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, people, business_date=date(2026, 10, 20))
    with api_client(db_url) as api:
        for body in ({"opt_out": ["sms"], "language": "hi"},):
            answer = api.post("/api/v1/customers/2/contact-preferences", json=body)
            assert answer.json() == {"customer_id": 2, "language": "hi", "opted_out": ["sms"]}
    with UnitOfWork(sessions) as uow:
        record_consent(uow, customer_id=1, purpose="whatsapp", given_on=date(2026, 9, 26),
                       channel="app", text_version="wa-1")  # fmt: skip
        uow.commit()
    return sessions


def _notices(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with UnitOfWork(sessions) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Notice.loan_id, Notice.template, Notice.channel, Notice.day, Notice.status)
            .order_by(Notice.day, Notice.loan_id, Notice.template, Notice.channel)
        )]  # fmt: skip


def test_reminders_go_out_on_the_right_days_by_every_channel_within_the_hours(
    db_url: str, engine: Engine, channels: tuple[list[EmailMessage], Provider, Provider]
) -> None:
    received, sms, whatsapp = channels
    sessions = _book(db_url, engine)
    close_until(sessions, date(2026, 10, 25), size=10)
    with UnitOfWork(sessions) as uow:  # Asha pays on the due date; Ravi does not
        request = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-ASHA", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=date(2026, 10, 26))
        uow.commit()
    close_until(sessions, date(2026, 10, 26), size=10)
    oct23, oct25, oct26, oct27 = (date(2026, 10, d) for d in (23, 25, 26, 27))
    expected = []
    for day, event in ((oct23, "due_soon"), (oct25, "due_tomorrow"), (oct26, "due_today")):
        expected += [(1, event, c, day, "queued") for c in ("email", "sms", "whatsapp")]
        expected += [(2, event, "email", day, "queued"), (2, event, "sms", day, "opted_out")]
    expected += [(2, "missed", "email", oct27, "queued"), (2, "missed", "sms", oct27, "opted_out")]
    assert _notices(sessions) == sorted(expected, key=lambda n: (n[3], n[0], n[1], n[2]))

    for hour, minute in ((7, 30), (19, 30)):  # the quiet hours: nothing goes
        at = datetime(2026, 10, 27, hour, minute, tzinfo=IST)
        assert send_queued(sessions, now=at) == (0, 0)
    assert (received, sms.requests, whatsapp.requests) == ([], [], [])
    assert send_queued(sessions, now=datetime(2026, 10, 27, 8, 0, tzinfo=IST)) == (13, 0)

    assert [m["To"] for m in received].count("ravi@example.in") == 4
    with UnitOfWork(sessions) as uow:  # each sent e-mail logs the address it went to
        went = uow.session.execute(
            select(Notice.recipient, func.count()).where(Notice.channel == "email",
                                                         Notice.status == "sent")
            .group_by(Notice.recipient).order_by(Notice.recipient)
        ).all()  # fmt: skip
    assert [tuple(w) for w in went] == [("asha@example.in", 3), ("ravi@example.in", 4)]
    hindi = [m for m in received if m["To"] == "ravi@example.in"][-1]
    subject = str(make_header(decode_header(hindi["Subject"])))
    assert subject == "26 अक्टूबर 2026 को देय आपकी 8,884.88 रुपये की EMI बकाया है"
    first = sms.requests[0]
    assert (first["path"], first["headers"]["Authorization"]) == ("/v1/messages", "Bearer sms-key")
    assert first["body"] == {
        "sender": "LENDER", "to": "+919876543210",
        "text": "Dear Asha Patil, EMI Rs 8,884.88 for loan PL-1 is due on 26 Oct 2026. Please"
                " keep funds ready. Acme Finance",
        "dlt_entity_id": "1101000000000000001", "dlt_template_id": DLT["due_soon"],
        "reference": first["body"]["reference"], "unicode": False,
    }  # fmt: skip
    assert len(sms.requests) == 3  # Asha's three; Ravi opted out
    wa = whatsapp.requests[0]
    assert (wa["path"], wa["headers"]["Authorization"]) == (
        "/v21.0/1055/messages",
        "Bearer wa-token",
    )
    assert wa["body"]["to"] == "919876543210" and wa["body"]["type"] == "template"
    assert wa["body"]["template"] == {
        "name": "due_soon", "language": {"code": "en"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": t} for t in (
            "Asha Patil", "8,884.88", "PL-1", "26 Oct 2026", "Acme Finance")]}],
    }  # fmt: skip
    assert send_queued(sessions, now=datetime(2026, 10, 27, 9, 0, tzinfo=IST)) == (0, 0)  # once


def test_delivery_reports_update_each_message_and_need_the_providers_proof(
    db_url: str, engine: Engine, channels: tuple[list[EmailMessage], Provider, Provider]
) -> None:
    assert channels  # the providers and settings are up
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        data = {"amount": "8884.88", "due_date": "2026-10-26"}
        queue_message(uow, loan_id=1, event="due_today", data=data, day=date(2026, 10, 26))
        uow.commit()
    assert send_queued(sessions, now=datetime(2026, 10, 26, 9, 0, tzinfo=IST)) == (3, 0)
    sms_id, wa_id = "SMS000001", "wamid.TEST000001"
    with api_client(db_url) as api:  # the provider's calls carry no bearer token
        client = api.__class__(api.app)
        report = {"id": sms_id, "status": "DELIVRD", "at": "2026-10-26T09:00:05+05:30"}
        forged = client.post("/api/v1/channels/sms/delivery", json=report,
                             headers={"X-Callback-Token": "guess"})  # fmt: skip
        assert forged.status_code == 401
        done = client.post("/api/v1/channels/sms/delivery", json=report,
                           headers={"X-Callback-Token": "dlr-token"})  # fmt: skip
        assert done.json() == {"reports": 1, "updated": 1}
        challenge = client.get(
            "/api/v1/channels/whatsapp/webhook",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": "wa-verify",
                "hub.challenge": "4242",
            },
        )
        assert challenge.text == "4242"
        statuses = [
            {"id": wa_id, "status": s, "timestamp": str(t)}
            for s, t in (("delivered", 1793000000), ("read", 1793000060), ("sent", 1793000001))
        ]
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages", "value": {"statuses": statuses}}]}],
            }
        ).encode()
        signature = "sha256=" + hmac.new(b"wa-secret", body, hashlib.sha256).hexdigest()
        unsigned = client.post("/api/v1/channels/whatsapp/webhook", content=body)
        assert unsigned.status_code == 401
        signed = client.post("/api/v1/channels/whatsapp/webhook", content=body,
                             headers={"X-Hub-Signature-256": signature})  # fmt: skip
        assert signed.json() == {"reports": 3, "updated": 2}  # the late "sent" moves nothing
        shown = {m["channel"]: m for m in api.get("/api/v1/loans/1/messages").json()}
    assert (shown["sms"]["delivery"], shown["sms"]["provider_ref"]) == ("delivered", sms_id)
    assert shown["whatsapp"]["delivery"] == "read"
    # 1793000000 seconds after 1970-01-01 UTC (delivered), not the later read or late "sent"
    assert shown["whatsapp"]["delivered_at"].startswith("2026-10-26T07:33:20")
    assert shown["email"]["status"] == "sent" and shown["email"]["version"] == 1


def test_the_days_cap_and_a_providers_refusal(
    db_url: str,
    engine: Engine,
    channels: tuple[list[EmailMessage], Provider, Provider],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, sms, _ = channels
    monkeypatch.setenv("LMS_MESSAGES_PER_DAY", "2")
    sessions = _book(db_url, engine)
    day, data = date(2026, 10, 26), {"amount": "8884.88", "due_date": "2026-10-26"}
    with UnitOfWork(sessions) as uow:
        for event in ("due_today", "missed", "due_today"):
            queue_message(uow, loan_id=1, event=event, data=data, day=day)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        statuses = list(uow.session.scalars(
            select(Notice.status).where(Notice.channel == "sms").order_by(Notice.id)))  # fmt: skip
    assert statuses == ["queued", "queued", "capped"]  # the third of the day, past the cap of 2
    sms.refuse = 400
    assert send_queued(sessions, now=datetime(2026, 10, 26, 9, 0, tzinfo=UTC)) == (4, 2)
    with UnitOfWork(sessions) as uow:
        errors = list(uow.session.scalars(select(Notice.error).where(Notice.status == "failed")))
    assert errors == ['ChannelError: 400: {"error": {"message": "refused by the stand-in"}}'] * 2


def test_the_close_s_queueing_in_the_database_writes_what_the_outbox_writes(
    postgres_url: str, channels: tuple[list[EmailMessage], Provider, Provider],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """queue_messages_sql (the close's reminders on PostgreSQL) against queue_messages on the
    same messages in the same order: every borrower's channels, an opt-out, a missing e-mail
    address, WhatsApp consent, and the day's cap reached partly by a notice already kept."""
    monkeypatch.setenv("LMS_MESSAGES_PER_DAY", "2")
    engine = make_engine(postgres_url)
    people = [*PEOPLE, {"name": "Meera Joshi", "phone": "9876543212"}]  # no e-mail address
    sessions = _book(postgres_url, engine, people)
    day = date(2026, 10, 27)
    events = ["due_today", "missed", "due_soon", "due_today"]
    messages = [Message(loan, event, {"amount": f"{loan}.5000", "due_date": "2026-10-26"})
                for event in events for loan in (3, 1, 2, 1)]  # fmt: skip
    with UnitOfWork(sessions) as uow:  # one kept notice of the day already counts for Ravi
        before = max(queue_messages(uow, [Message(2, "due_soon", {"amount": "1"})], day))
        uow.commit()
    source = " UNION ALL ".join(
        f"SELECT {m.loan_id} AS loan_id, {m.loan_id} AS customer_id,"  # loan k is customer k's
        f" '{m.event}'::text AS template,"
        f" '{json.dumps(m.data)}'::json AS data, {k} AS ord"
        for k, m in enumerate(messages)
    )
    written = {}
    for way in ("outbox", "database"):
        with UnitOfWork(sessions) as uow:
            if way == "outbox":
                queue_messages(uow, messages, day)
            else:
                assert queue_messages_sql(uow, source, {}, day) == (len(written["outbox"]), 3)
            written[way] = [tuple(r) for r in uow.session.execute(
                select(Notice.loan_id, Notice.customer_id, Notice.channel, Notice.template,
                       Notice.version, Notice.lang, Notice.data, Notice.day, Notice.status,
                       Notice.recipient)
                .where(Notice.id > before).order_by(Notice.id))]  # fmt: skip
            uow.rollback()
    assert written["database"] == written["outbox"]
    statuses = Counter((n[1], n[2], n[8]) for n in written["outbox"])
    assert statuses == {  # per customer and channel: two a day at most, Ravi's kept one counted
        (1, "email", "queued"): 2, (1, "email", "capped"): 6, (1, "sms", "queued"): 2,
        (1, "sms", "capped"): 6, (1, "whatsapp", "queued"): 2, (1, "whatsapp", "capped"): 6,
        (2, "email", "queued"): 1, (2, "email", "capped"): 3, (2, "sms", "opted_out"): 4,
        (3, "email", "no_address"): 4, (3, "sms", "queued"): 2, (3, "sms", "capped"): 2,
    }  # fmt: skip
    engine.dispose()
