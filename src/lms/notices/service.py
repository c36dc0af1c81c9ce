"""Notices to borrowers: the events the rest of the product tells of (a returned debit, a UPI
AutoPay pre-debit notice) queued in the outbox on every channel (lms.notices.outbox), sending
the queue now, and e-mail of the product's own (reports) over the same SMTP settings:
$LMS_SMTP_HOST (required to send), $LMS_SMTP_PORT (default 25), $LMS_SMTP_USER and
$LMS_SMTP_PASSWORD (optional: log in), $LMS_SMTP_STARTTLS (1 to upgrade the connection),
$LMS_MAIL_FROM (default lms@localhost).

Guarantees: `queue_notice` only writes outbox rows (in the caller's unit of work);
`send_queued` sends each queued notice once, and nothing within the quiet hours; `send_now`
sends one message at once, whatever the hour (a one-time code the borrower is waiting for),
and keeps nothing of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lms.notices import outbox
from lms.notices.channels import ChannelError, Outgoing
from lms.notices.models import Notice
from lms.notices.templates import render
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings


def queue_notice(
    uow: UnitOfWork,
    *,
    loan_id: int,
    template: str,
    data: dict[str, Any],
    day: date,
    customer_id: int | None = None,
) -> list[Notice]:
    """Queue the event `template`'s message to the loan's borrower (or to `customer_id`,
    another party of the loan) on business date `day`."""
    return outbox.queue_message(uow, loan_id=loan_id, event=template, data=data, day=day,
                                customer_id=customer_id)  # fmt: skip


def send_queued(sessions: sessionmaker[Session], *, limit: int = 1000) -> tuple[int, int]:
    """Send up to `limit` queued notices now (nothing within the quiet hours); (sent,
    failed)."""
    return outbox.send_queued(sessions, now=datetime.now(UTC), limit=limit)


def send_messages(messages: list[EmailMessage]) -> None:
    """Send `messages` through the configured mail server ($LMS_SMTP_HOST ...), from
    $LMS_MAIL_FROM; RuntimeError when no server is set, OSError or SMTPException on failure."""
    host = get_settings().smtp_host
    if not host:
        raise RuntimeError("LMS_SMTP_HOST is not set: no mail server to send through")
    with outbox.smtp_connection(host) as smtp:
        for message in messages:
            if "From" not in message:
                message["From"] = get_settings().mail_from
            smtp.send_message(message)


def send_now(channel: str, to: str, event: str, lang: str, values: dict[str, object]) -> str:
    """Send the event's message on `channel` ("email", "sms") to `to` now; the provider's id.
    Raises ChannelError when the channel is not set up, cannot be reached or refuses."""
    values = {"lender": get_settings().lender_name, **values}
    message = Outgoing(to, event, lang, render(event, lang, values), reference=event)
    try:
        with outbox.open_channels() as channels:
            adapter = channels[channel]
            if isinstance(adapter, ChannelError):
                raise adapter
            return adapter.send(message)
    except OSError as exc:  # the mail server could not be reached
        raise ChannelError(f"{type(exc).__name__}: {exc}"[:500]) from exc
