"""The outbox of notices to borrowers.

Guarantees: a notice is queued in the same transaction as the event it tells of (a returned
debit and its notice are written together or not at all); it is sent at most once (marked
sent, with the provider's id, in the transaction after the provider accepted it); never
deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base

_QUEUED = text("status = 'queued'")
_SENT = text("provider_ref IS NOT NULL")


class Notice(Base):
    """One message to a borrower on one channel (lms.notices.outbox)."""

    __tablename__ = "notices"
    __table_args__ = (
        # the day's notices of a borrower (the cap per day and channel)
        Index("ix_notices_customer_id_day", "customer_id", "day"),
        # the notices waiting to be sent, in order; the others are not in it, so a close's
        # million reminders kept unsent (no address, opted out, capped) cost it nothing
        Index("ix_notices_queued", "id", postgresql_where=_QUEUED, sqlite_where=_QUEUED),
        # a provider's delivery report finds its notice; a notice not yet sent has no entry
        Index("ix_notices_provider_ref", "provider_ref", postgresql_where=_SENT,
              sqlite_where=_SENT),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # no foreign key: loans are never deleted and each notice is queued for a loan read from
    # the loans table; the check row by row cost the close a tenth of its reminders' time
    loan_id: Mapped[int] = mapped_column(Integer, index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10), server_default="email")
    template: Mapped[str] = mapped_column(String(40))  # the event (lms.notices.templates)
    version: Mapped[int | None] = mapped_column(Integer)  # the template's version
    lang: Mapped[str | None] = mapped_column(String(2))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    day: Mapped[date | None] = mapped_column(Date)  # the business date it is for (the cap's)
    # the e-mail address it went to, written when it is sent (read from the borrower then)
    recipient: Mapped[str | None] = mapped_column(String(254))
    # queued, sent, failed; never sent: no_address, opted_out, capped
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(128))
    delivery: Mapped[str | None] = mapped_column(String(10))  # sent, delivered, read, failed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChannelOptOut(Base):
    """A borrower's choice not to be messaged on a channel (changed in place; the audit trail
    keeps each change)."""

    __tablename__ = "channel_opt_outs"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    opted_out: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(80))
