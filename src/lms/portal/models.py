"""Tables of the borrower portal: one-time codes, borrowers' sessions, service requests and
complaints with their messages.

Guarantees: no code or session secret is stored as given (a code only as its argon2 hash, a
session's secret as its SHA-256); a code is used at most once and dies after its tries; a new
contact detail waiting for its code is sealed at rest like the customer's own; requests and
messages are never deleted, only closed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base
from lms.platform.db.sealed import Sealed


class BorrowerCode(Base):
    """A one-time code sent to a borrower: to sign in, or to prove a new phone or e-mail."""

    __tablename__ = "borrower_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # the random reference the borrower's browser holds while typing the code
    challenge: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # sign_in, contact
    channel: Mapped[str] = mapped_column(String(8))  # sms, email
    # the new phone or e-mail a contact code proves (sealed); None for signing in
    target: Mapped[str | None] = mapped_column(Sealed("borrower_codes.target"))
    code_hash: Mapped[str] = mapped_column(String(200))
    tries: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes typed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BorrowerSession(Base):
    """A borrower signed in: expires at a fixed time and after a spell of idleness."""

    __tablename__ = "borrower_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServiceRequest(Base):
    """A borrower's request or complaint about a loan, worked by staff against a deadline."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # SR-/GR-YYMMDD-NNNNNN
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # lms.portal.requests.KINDS
    category: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), index=True)  # open, answered, resolved
    opened_on: Mapped[date] = mapped_column(Date)  # the business date
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the SLA's deadline
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(80))


class RequestMessage(Base):
    """One message on a request: the borrower's or a member of staff's, with an attachment."""

    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    author: Mapped[str] = mapped_column(String(80))  # borrower:<customer id> or user:<name>
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment_type: Mapped[str | None] = mapped_column(String(40))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
