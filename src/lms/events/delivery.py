"""Delivering the outbox: signed webhooks to subscribed systems, and a message broker.

A webhook is an HTTP POST of the event as JSON, with its id (`X-LMS-Event-Id`, the same on
every retry: receivers drop a repeat by it) and a signature over the timestamp and the body
(`X-LMS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 with the subscription's secret of
"<t>.<body>">`). A failed delivery (no answer, or not 2xx) is tried again after 30 s, 1, 2, 4
... minutes (doubling, at most six hours apart), and after `LMS_WEBHOOK_ATTEMPTS` tries is
kept as dead until an operator sends it again.

To a broker (RabbitMQ, AMQP 0-9-1): every event on the topic exchange `lms.events`, routing
key its kind, persistent, with its id as the message id; the cursor moves only after the
broker confirmed the batch.

Guarantees: at least once, never lost: a delivery is marked delivered in its own transaction
after the 2xx, so a sender that stops in between sends it again; each webhook's rows are
locked while sent (two senders never send the same one at once on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lms.events.models import DomainEvent, WebhookDelivery, WebhookSubscription
from lms.events.relay import cursor
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
EXCHANGE = "lms.events"


def body_of(event: DomainEvent) -> bytes:
    """The event as sent: JSON with sorted keys (what the signature covers)."""
    document = {"id": event.event_id, "kind": event.kind, "loan_id": event.loan_id,
                "occurred_on": event.occurred_on.isoformat(), "data": event.data}  # fmt: skip
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def fan_out(uow: UnitOfWork, now: datetime) -> int:
    """A pending delivery of each new event to each active subscription wanting its kind."""
    mark = cursor(uow, "webhooks")
    events = uow.session.scalars(
        select(DomainEvent).where(DomainEvent.id > mark.position).order_by(DomainEvent.id).limit(5000)
    ).all()  # fmt: skip
    if not events:
        return 0
    subscriptions = uow.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    ).all()
    rows = [
        WebhookDelivery(
            event_id=e.id, subscription_id=s.id, status="pending", attempts=0, next_attempt_at=now
        )
        for e in events
        for s in subscriptions
        if not s.kinds or e.kind in s.kinds
    ]
    uow.session.add_all(rows)
    mark.position = events[-1].id
    uow.session.flush()
    return len(rows)


Post = Callable[[str, bytes, dict[str, str]], int]  # (url, body, headers) -> HTTP status


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    timeout = get_settings().webhook_timeout_seconds
    return httpx.post(url, content=body, headers=headers, timeout=timeout).status_code


def deliver_due(
    sessions: sessionmaker[Session], now: Callable[[], datetime], post: Post = http_post,
    limit: int = 200,
) -> tuple[int, int]:  # fmt: skip
    """Send the deliveries due, each in its own transaction; (delivered, failed)."""
    delivered = failed = 0
    for _ in range(limit):
        with UnitOfWork(sessions) as uow:
            row = uow.session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at <= now())
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1).with_for_update(skip_locked=True)
            ).first()  # fmt: skip
            if row is None:
                break
            ok = _send(uow, row, now(), post)
            uow.commit()
        delivered, failed = delivered + ok, failed + (not ok)
    return delivered, failed


def _send(uow: UnitOfWork, row: WebhookDelivery, now: datetime, post: Post) -> bool:
    event = uow.session.get(DomainEvent, row.event_id)
    subscription = uow.session.get(WebhookSubscription, row.subscription_id)
    assert event is not None and subscription is not None
    body = body_of(event)
    headers = {"Content-Type": "application/json", "X-LMS-Event-Id": event.event_id,
               "X-LMS-Event-Kind": event.kind,
               "X-LMS-Signature": signature(subscription.secret, int(now.timestamp()), body)}  # fmt: skip
    try:
        answer = post(subscription.url, body, headers)
        error = None if 200 <= answer < 300 else f"HTTP {answer}"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # UnicodeError is one
        error = f"{type(exc).__name__}: {exc}"[:500]
    row.attempts += 1
    if error is None:
        row.status, row.delivered_at, row.last_error = "delivered", now, None
        return True
    row.last_error = error
    if row.attempts >= get_settings().webhook_attempts:
        row.status = "dead"
    else:
        row.next_attempt_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), LONGEST_WAIT)
    return False


def dead_letters(uow: UnitOfWork) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.status == "dead")
    return list(uow.session.scalars(query.order_by(WebhookDelivery.id)))


def send_again(uow: UnitOfWork, delivery_id: int, now: datetime) -> bool:
    """A dead delivery back in the queue, due now (False: no such dead delivery)."""
    row = uow.session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != "dead":
        return False
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    return True


class Broker(Protocol):
    def publish(self, messages: list[tuple[str, str, bytes]]) -> None:
        """Publish (routing key, message id, body) each, returning once all are confirmed."""

    def close(self) -> None: ...


class RabbitBroker:
    """RabbitMQ over AMQP 0-9-1 (pika), with publisher confirms."""

    def __init__(self, url: str) -> None:
        import pika

        self._pika = pika
        self._connection = pika.BlockingConnection(pika.URLParameters(url))
        self._channel = self._connection.channel()
        self._channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
        self._channel.confirm_delivery()

    def publish(self, messages: list[tuple[str, str, bytes]]) -> None:
        for key, message_id, body in messages:
            properties = self._pika.BasicProperties(
                content_type="application/json", delivery_mode=2, message_id=message_id
            )
            self._channel.basic_publish(EXCHANGE, key, body, properties, mandatory=False)

    def close(self) -> None:
        self._connection.close()


def publish_new(uow: UnitOfWork, broker: Broker, limit: int = 5000) -> int:
    """Publish the events past the broker's cursor; the cursor moves after the confirms."""
    mark = cursor(uow, "broker")
    events = uow.session.scalars(
        select(DomainEvent).where(DomainEvent.id > mark.position).order_by(DomainEvent.id).limit(limit)
    ).all()  # fmt: skip
    if events:
        broker.publish([(e.kind, e.event_id, body_of(e)) for e in events])
        mark.position = events[-1].id
    return len(events)


def cycle(
    sessions: sessionmaker[Session], *, post: Post = http_post, broker: Broker | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:  # fmt: skip
    """One round: events from the sources, fanned out, webhooks sent, the broker fed."""
    from lms.events.relay import relay

    with UnitOfWork(sessions) as uow:
        written = relay(uow, now())
        queued = fan_out(uow, now())
        uow.commit()
    delivered, failed = deliver_due(sessions, now, post)
    published = 0
    if broker is not None:
        with UnitOfWork(sessions) as uow:
            published = publish_new(uow, broker)
            uow.commit()
    return {"events": written, "queued": queued, "delivered": delivered, "failed": failed,
            "published": published}  # fmt: skip
