"""Domain events out: the book's changes as events with stable ids, signed webhooks delivered to
a local receiver with retries, backoff and a dead-letter list, through a sender killed and
restarted (nothing lost, nothing twice after de-duplication by event id), and RabbitMQ.

The book: Asha's and Ravi's loans of 1,00,000 (12 %, 12 months, paid out 26 Sep 2026, EMI
8,884.88 on the 26th); Asha pays her October EMI, Ravi does not, closed daily from 20 Oct to
30 Oct. Ravi falls behind at the day-end of 26 Oct: DPD 1, bucket 1-30, class SMA-0.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pika
import pytest
from api_client import api_client
from book_setup import book_of_loans
from served import free_port
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_until
from lms.events.delivery import RabbitBroker, cycle, dead_letters, publish_new, send_again
from lms.events.models import DomainEvent, WebhookDelivery
from lms.events.relay import relay
from lms.events.subscriptions import subscribe
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.repayments import PaymentRequest, record_payment

SECRET = "a-shared-secret-of-the-receiver"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, [{"name": "Asha"}, {"name": "Ravi"}],
                             business_date=date(2026, 10, 20))  # fmt: skip
    close_until(sessions, date(2026, 10, 25), size=10)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-1", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=date(2026, 10, 26))
        uow.commit()
    close_until(sessions, date(2026, 10, 30), size=10)
    return sessions


class Receiver:
    """A local HTTP receiver: keeps each delivery's event id if its signature is right;
    answers 500 to the first `failing` requests, and waits `delay` seconds on each."""

    def __init__(self, failing: int = 0, delay: float = 0.0) -> None:
        self.ids: list[str] = []
        self.bad: list[str] = []
        self.failing, self.delay = failing, delay
        self.port = free_port()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(owner.delay)
                if owner.failing > 0:
                    owner.failing -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                stamp, mac = (
                    p.split("=", 1)[1] for p in self.headers["X-LMS-Signature"].split(",")
                )
                want = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
                event = json.loads(body)
                if (
                    hmac.compare_digest(mac, want.hexdigest())
                    and event["id"] == self.headers["X-LMS-Event-Id"]
                ):
                    owner.ids.append(event["id"])
                else:
                    owner.bad.append(event["id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


def _events(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, object]]]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(DomainEvent.event_id, DomainEvent.kind, DomainEvent.data).order_by(DomainEvent.id)
        ).all()  # fmt: skip
    return [(r.event_id, r.kind, r.data) for r in rows]


def test_the_books_changes_become_events_once(book: sessionmaker[Session]) -> None:
    with UnitOfWork(book) as uow:
        first = relay(uow)
        uow.commit()
    with UnitOfWork(book) as uow:
        assert relay(uow) == 0  # read again: nothing written twice
    found = _events(book)
    assert len(found) == first
    kinds = [k for _, k, _ in found]
    assert kinds.count("loan.booked") == 2 and kinds.count("loan.disbursed") == 2
    paid = [d for _, k, d in found if k == "payment.received"]
    assert paid == [{"loan_id": 1, "external_id": "PL-1", "event": "payment", "amount": "8884.88",
                     "value_date": "2026-10-26", "reference": "UTR-1", "channel": "upi"}]  # fmt: skip
    changes = [
        (i, k, d) for i, k, d in found if k in ("loan.dpd_bucket_changed", "loan.class_changed")
    ]
    assert changes == [
        ("bucket-2-2026-10-26", "loan.dpd_bucket_changed",
         {"loan_id": 2, "from": "current", "to": "1-30", "dpd": 1}),
        ("class-2-2026-10-26", "loan.class_changed", {"loan_id": 2, "from": "STD", "to": "SMA-0"}),
    ]  # fmt: skip


def test_webhooks_are_signed_retried_with_backoff_and_kept_dead(
    book: sessionmaker[Session], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMS_WEBHOOK_ATTEMPTS", "3")
    with UnitOfWork(book) as uow:
        with pytest.raises(InvalidError) as refused:
            subscribe(uow, url="ftp://x", secret="short", kinds=["loan.nope"], actor="ops")
        assert [f for f, _ in refused.value.problems] == ["url", "secret", "kinds"]
        with pytest.raises(InvalidError, match="url"):  # a port no client can use
            subscribe(uow, url="http://127.0.0.1:abc/", secret=SECRET, kinds=[], actor="ops")
        subscribe(uow, url=receiver.url, secret=SECRET, kinds=["payment.received"], actor="ops")
        subscribe(uow, url="http://127.0.0.1:9/nobody", secret=SECRET, kinds=["loan.booked"],
                  actor="ops")  # fmt: skip
        uow.commit()
    clock = [datetime(2026, 12, 1, 10, 0, tzinfo=UTC)]
    receiver.failing = 1
    first = cycle(book, now=lambda: clock[0])
    assert (first["queued"], first["delivered"], first["failed"]) == (3, 0, 3)
    clock[0] += timedelta(seconds=29)  # the first retry waits 30 s
    assert cycle(book, now=lambda: clock[0])["failed"] == 0
    clock[0] += timedelta(seconds=1)
    second = cycle(book, now=lambda: clock[0])
    assert (second["delivered"], second["failed"]) == (1, 2)
    assert receiver.ids == ["event-3"] and receiver.bad == []  # the payment's loan event
    clock[0] += timedelta(seconds=59)  # then 60 s
    assert cycle(book, now=lambda: clock[0])["failed"] == 0
    clock[0] += timedelta(seconds=1)
    assert cycle(book, now=lambda: clock[0])["failed"] == 2  # the third try: given up
    with UnitOfWork(book) as uow:
        dead = dead_letters(uow)
        assert [(d.attempts, d.status) for d in dead] == [(3, "dead"), (3, "dead")]
        assert all(d.last_error and "ConnectError" in d.last_error for d in dead)
        assert send_again(uow, dead[0].id, clock[0]) and not send_again(uow, 10**6, clock[0])
        uow.commit()
        assert len(dead_letters(uow)) == 1


def test_a_sender_killed_midway_and_restarted_loses_nothing(
    book: sessionmaker[Session], db_url: str
) -> None:
    slow = Receiver(delay=0.05)
    with UnitOfWork(book) as uow:
        subscribe(uow, url=slow.url, secret=SECRET, kinds=[], actor="ops")
        uow.commit()
    command = [str(Path(sys.executable).parent / "lms"), "events", "run",
               "--database-url", db_url, "--interval", "0.2"]  # fmt: skip
    sender = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(slow.ids) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(sender.pid, signal.SIGKILL)  # in the middle of its deliveries
    sender.wait()
    assert len(slow.ids) >= 5
    with UnitOfWork(book) as uow:
        pending = uow.session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status != "delivered")
        )  # fmt: skip
    assert pending > 0, "the sender was killed after it had finished"
    again = subprocess.run([*command[:-2], "--once"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    slow.server.shutdown()
    every = {event_id for event_id, _, _ in _events(book)}
    assert set(slow.ids) == every and slow.bad == []  # nothing lost
    assert len(slow.ids) - len(every) <= 1  # at most the one in flight when killed, twice


def test_every_event_is_published_to_rabbitmq_with_its_id(book: sessionmaker[Session]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(RABBIT))
    channel = connection.channel()
    channel.exchange_declare("lms.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, "lms.events", routing_key="payment.*")
    broker = RabbitBroker(RABBIT)
    with UnitOfWork(book) as uow:
        relay(uow)
        published = publish_new(uow, broker)
        uow.commit()
    with UnitOfWork(book) as uow:
        assert publish_new(uow, broker) == 0  # the cursor moved with the confirms
    broker.close()
    assert published == len(_events(book))
    got = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=2):
        if method is None:
            break
        got.append((method.routing_key, properties.message_id, json.loads(body)["data"]["amount"]))
        channel.basic_ack(method.delivery_tag)
    connection.close()
    assert got == [("payment.received", "event-3", "8884.88")]


def test_subscriptions_through_the_api_for_administrators_only(
    book: sessionmaker[Session], db_url: str, receiver: Receiver
) -> None:
    wanted = {"url": receiver.url, "secret": SECRET, "kinds": ["payment.received"]}
    with api_client(db_url, ("loan_officer",), ["PUN01"]) as officer:
        assert officer.post("/api/v1/webhook-subscriptions", json=wanted).status_code == 403
    with api_client(db_url) as admin:
        bad = admin.post("/api/v1/webhook-subscriptions", json={**wanted, "kinds": ["nope"]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kinds"
        made = admin.post("/api/v1/webhook-subscriptions", json=wanted)
        assert made.status_code == 201, made.text
        listed = admin.get("/api/v1/webhook-subscriptions").json()
        assert [(s["url"], s["kinds"]) for s in listed] == [(receiver.url, ["payment.received"])]
        assert "secret" not in listed[0]
    assert cycle(book)["delivered"] == 1 and receiver.ids == ["event-3"]
    with api_client(db_url) as admin:
        assert admin.get("/api/v1/webhook-deliveries/dead").json() == []
