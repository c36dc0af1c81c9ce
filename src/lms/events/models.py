"""Tables of the events going out: the outbox of domain events, each source's and each
sink's position, the webhook subscriptions and their deliveries.

Guarantees: an event is written once (its `event_id` is unique: the same change always gives
the same id, which receivers use to drop a repeat); a cursor moves in the transaction that
wrote what it covers; a delivery is marked delivered only after the receiver answered 2xx,
so a crash sends it again, never loses it; nothing is deleted (a delivery given up is kept
as dead, and may be sent again).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.sealed import Sealed


class DomainEvent(Base):
    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)  # stable: for de-duplication
    kind: Mapped[str] = mapped_column(String(40), index=True)  # payment.received, loan.closed ...
    loan_id: Mapped[int | None] = mapped_column(Integer, index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventCursor(Base):
    """How far a source has been turned into events, or a sink has taken them (an id, or for
    the daily snapshots a day as its ordinal)."""

    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(Sealed("webhook_subscriptions.secret"))
    kinds: Mapped[list[str]] = mapped_column(JSON)  # the event kinds wanted (empty: every one)
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("domain_events.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
