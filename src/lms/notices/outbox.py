"""The outbox of messages to borrowers on every channel: queued with the event that causes
them, sent only within the hours the rules allow, each logged against its loan and borrower
with its channel, language, template version, provider id and delivery.

Queueing an event's message (`queue_message`) writes one notice per channel the borrower can
be reached on: e-mail (an address on file), SMS (a phone, when an SMS gateway is set up),
WhatsApp (a phone, a WhatsApp consent recorded, and the Cloud API set up). A channel the
borrower opted out of gets a notice marked `opted_out`; one past the day's cap of messages
per borrower and channel (LMS_MESSAGES_PER_DAY) is marked `capped`: both are kept, never sent.
Sending (`send_queued`) goes on only between LMS_QUIET_HOURS (08:00-19:00 by default, the
lender's time zone): outside them nothing is sent, whatever the caller.

Guarantees: a notice is sent at most once (locked, marked sent with the provider's id in the
transaction after the provider took it); a provider's refusal marks it failed with the
reason; delivery reports update it by the provider's id (lms.notices.delivery); nothing is
deleted.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.display import amount, day
from lms.notices.channels import (
    Channel,
    ChannelError,
    EmailChannel,
    Outgoing,
    SmsGateway,
    WhatsAppCloud,
)
from lms.notices.models import ChannelOptOut, Notice
from lms.notices.templates import TEMPLATES, render
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, insert_rows
from lms.platform.db.sealed import phone_digits
from lms.platform.settings import get_settings
from lms.servicing.models import Consent, Customer, Loan

CHANNELS = ("email", "sms", "whatsapp")
KEPT = ("queued", "sent", "failed")  # the notices that count towards the day's cap


@dataclass(frozen=True, slots=True)
class Message:
    """An event's message to a loan's borrower (`data`: the template's values)."""

    loan_id: int
    event: str
    data: dict[str, Any]
    customer_id: int | None = None  # to another party of the loan (a co-borrower) instead


def queue_message(
    uow: UnitOfWork,
    *,
    loan_id: int,
    event: str,
    data: dict[str, Any],
    day: date,
    customer_id: int | None = None,
) -> list[Notice]:
    """Queue the event's message to the loan's borrower (or to `customer_id`, another party of
    the loan) on each channel, on business date `day` (each notice's status says whether it
    will go)."""
    ids = queue_messages(uow, [Message(loan_id, event, data, customer_id)], day)
    return list(uow.session.scalars(select(Notice).where(Notice.id.in_(ids)).order_by(Notice.id)))


def queue_messages(uow: UnitOfWork, messages: Sequence[Message], day: date) -> list[int]:
    """Queue each message as `queue_message` does, in the order given (a later one finds the
    earlier in the day's cap), in a few queries and one insert whatever their number; the ids
    of the notices written."""
    if not messages:
        return []
    people = _borrowers(uow, sorted({m.loan_id for m in messages}))
    parties = _parties(uow, sorted({m.customer_id for m in messages if m.customer_id}))
    customers = sorted({p.customer_id for p in (*people.values(), *parties.values())})
    out = _opted_out(uow, customers)
    sent = _sent_today(uow, customers, day)
    cap, now = get_settings().messages_per_day, datetime.now(UTC)
    rows = []
    for message in messages:
        who = parties[message.customer_id] if message.customer_id else people[message.loan_id]
        template = TEMPLATES[message.event]
        for channel in who.channels:
            if channel == "email" and not who.has_email:
                status = "no_address"  # the address is read when a notice goes
            elif (who.customer_id, channel) in out:
                status = "opted_out"
            elif sent[who.customer_id, channel] >= cap:
                status = "capped"
            else:
                status = "queued"
                sent[who.customer_id, channel] += 1
            rows.append({
                "loan_id": message.loan_id, "customer_id": who.customer_id, "channel": channel,
                "template": message.event, "version": template.version, "lang": who.lang,
                "data": message.data, "day": day, "recipient": None, "status": status,
                "created_at": now,
            })  # fmt: skip
    uow.session.flush()
    return insert_rows(uow, Notice.metadata.tables["notices"], rows, ids=True)


@dataclass(frozen=True, slots=True)
class _Borrower:
    customer_id: int
    has_email: bool
    lang: str
    channels: tuple[str, ...]  # those the borrower may be sent on (lms.notices.outbox)


def _borrowers(uow: UnitOfWork, loan_ids: list[int]) -> dict[int, _Borrower]:
    """Each loan's borrower and the channels they may be sent on: e-mail always (its notice
    says `no_address` without one), SMS and WhatsApp with a phone and the channel set up
    (WhatsApp also needs the borrower's consent). Nothing sealed is opened."""
    c = Customer
    rows = uow.session.execute(
        select(Loan.id, c.id, c.email.is_not(None), c.phone.is_not(None), c.language)
        .join(c, c.id == Loan.customer_id).where(among(uow, Loan.id, loan_ids))
    ).all()  # fmt: skip
    return _reachable(uow, [tuple(row) for row in rows])


def _parties(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, _Borrower]:
    """The customers `customer_ids` (parties of a loan beside its borrower) as `_borrowers`
    finds borrowers, by customer id."""
    if not customer_ids:
        return {}
    c = Customer
    rows = uow.session.execute(
        select(c.id, c.id, c.email.is_not(None), c.phone.is_not(None), c.language)
        .where(among(uow, c.id, customer_ids))
    ).all()  # fmt: skip
    return _reachable(uow, [tuple(row) for row in rows])


def _reachable(uow: UnitOfWork, rows: list[tuple[Any, ...]]) -> dict[int, _Borrower]:
    """(key, customer id, has an e-mail, has a phone, language) rows: each key's person and
    the channels they may be sent on."""
    s = get_settings()
    consented: set[int] = set()
    if s.whatsapp_phone_id:
        consented = set(uow.session.scalars(
            select(Consent.customer_id).where(among(uow, Consent.customer_id,
                                                    sorted({r[1] for r in rows})),
                                              Consent.purpose == "whatsapp")
        ))  # fmt: skip
    found = {}
    for key, customer_id, has_email, has_phone, lang in rows:
        channels = ["email"]
        if has_phone and s.sms_url:
            channels.append("sms")
        if has_phone and customer_id in consented:
            channels.append("whatsapp")
        found[key] = _Borrower(customer_id, bool(has_email), lang or "en", tuple(channels))
    return found


def _opted_out(uow: UnitOfWork, customers: list[int]) -> set[tuple[int, str]]:
    o = ChannelOptOut
    rows = uow.session.execute(
        select(o.customer_id, o.channel).where(among(uow, o.customer_id, customers), o.opted_out)
    )
    return {(customer, channel) for customer, channel in rows}


def _sent_today(uow: UnitOfWork, customers: list[int], day: date) -> Counter[tuple[int, str]]:
    """The notices of `day` that count towards each borrower's cap on each channel."""
    n = Notice
    rows = uow.session.execute(
        select(n.customer_id, n.channel, func.count())
        .where(among(uow, n.customer_id, customers), n.day == day, n.status.in_(KEPT))
        .group_by(n.customer_id, n.channel)
    )  # fmt: skip
    return Counter(
        {(customer, channel): count for customer, channel, count in rows if customer is not None}
    )


def quiet_at(now: datetime) -> bool:
    """Whether `now` is outside the hours messages may go (LMS_QUIET_HOURS, local time)."""
    start, end = (time.fromisoformat(t) for t in get_settings().quiet_hours.split("-"))
    local = now.astimezone(ZoneInfo(get_settings().timezone)).time()
    return not start <= local < end


def send_queued(
    sessions: sessionmaker[Session], *, now: datetime, limit: int = 1000
) -> tuple[int, int]:
    """Send up to `limit` queued notices on every channel set up; (sent, failed). Within the
    quiet hours nothing is sent: (0, 0)."""
    if quiet_at(now):
        return 0, 0
    with UnitOfWork(sessions) as uow:
        ids = list(uow.session.scalars(
            select(Notice.id).where(Notice.status == "queued").order_by(Notice.id).limit(limit)
        ))  # fmt: skip
    sent = failed = 0
    with open_channels() as channels:
        for notice_id in ids:
            outcome = _send_one(sessions, notice_id, channels)
            sent, failed = sent + (outcome == "sent"), failed + (outcome == "failed")
    return sent, failed


@contextmanager
def open_channels() -> Iterator[dict[str, Channel | ChannelError]]:
    """Each channel's adapter, or why it cannot send (its notices stay queued)."""
    with ExitStack() as stack:
        found: dict[str, Channel | ChannelError] = {}
        host = get_settings().smtp_host
        if host:
            smtp = stack.enter_context(smtp_connection(host))
            found["email"] = EmailChannel(smtp)
        else:
            found["email"] = ChannelError("LMS_SMTP_HOST is not set")
        client = stack.enter_context(httpx.Client())
        for name, make in (("sms", SmsGateway), ("whatsapp", WhatsAppCloud)):
            try:
                found[name] = make(client)
            except ChannelError as exc:
                found[name] = exc
        yield found


def _send_one(
    sessions: sessionmaker[Session], notice_id: int, channels: dict[str, Channel | ChannelError]
) -> str:
    with UnitOfWork(sessions) as uow:
        notice = uow.session.scalar(
            select(Notice).where(Notice.id == notice_id, Notice.status == "queued")
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        channel = channels.get(notice.channel) if notice is not None else None
        if notice is None or channel is None or isinstance(channel, ChannelError):
            return "kept"  # another sender took it, or its channel is not set up here
        customer, number = uow.session.execute(  # the notice's person (the borrower, of old)
            select(Customer, Loan.external_id).join(Loan, Loan.id == notice.loan_id)
            .where(Customer.id == func.coalesce(notice.customer_id, Loan.customer_id))
        ).one()  # fmt: skip
        address = (customer.email if notice.channel == "email"
                   else international_phone(customer.phone))  # fmt: skip
        notice.recipient = address if notice.channel == "email" else None  # where it went
        try:
            message = render(
                notice.template, notice.lang or "en", _values(notice, customer, number)
            )
            ref = channel.send(Outgoing(address or "", notice.template, notice.lang or "en",
                                        message, str(notice.id)))  # fmt: skip
        except (ChannelError, KeyError) as exc:
            notice.status, notice.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        else:
            notice.status, notice.provider_ref = "sent", ref
            notice.sent_at = datetime.now(UTC)
        uow.commit()
        return notice.status


def international_phone(phone: str | None) -> str | None:
    """An Indian phone as the providers take it: +91 and the ten digits."""
    digits = phone_digits(phone) if phone else None
    return f"+91{digits[-10:]}" if digits else None


def _values(notice: Notice, customer: Customer, loan_number: str) -> dict[str, object]:
    """The notice's data as the borrower reads it: amounts grouped the Indian way, dates
    written out in the notice's language."""
    lang = notice.lang or "en"
    values: dict[str, object] = {"name": customer.name, "loan_number": loan_number,
                                 "lender": get_settings().lender_name}  # fmt: skip
    for key, value in notice.data.items():
        if key == "amount":
            values[key] = amount(Decimal(str(value)))
        elif key.endswith(("_date", "_on")) and isinstance(value, str) and len(value) == 10:
            values[key] = day(date.fromisoformat(value), lang)
        else:
            values[key] = value
    return values


def smtp_connection(host: str) -> smtplib.SMTP:
    """A connection to the mail server of the settings, signed in if they say so."""
    s = get_settings()
    smtp = smtplib.SMTP(host, s.smtp_port, timeout=30)
    if s.smtp_starttls:
        smtp.starttls()
    if s.smtp_user:
        smtp.login(s.smtp_user, s.smtp_password)
    return smtp
