"""Queueing notices and sending them by e-mail.

Templates are plain text in this module, filled from the notice's data. Settings for sending:
$LMS_SMTP_HOST (required to send), $LMS_SMTP_PORT (default 25), $LMS_SMTP_USER and
$LMS_SMTP_PASSWORD (optional: log in), $LMS_SMTP_STARTTLS (1 to upgrade the connection),
$LMS_MAIL_FROM (default lms@localhost), $LMS_LENDER_NAME (default "Your lender").

Guarantees: `queue_notice` only writes the outbox row (in the caller's unit of work);
`send_queued` sends each queued notice once, committing each as sent right after the server
accepted it; a notice whose borrower has no e-mail is marked so, not retried.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lms.notices.models import Notice
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan

TEMPLATES = {
    "nach_returned": (
        "Your EMI debit of Rs {amount} was returned",
        "Dear {name},\n\nThe debit of Rs {amount} for your loan {loan_number}, due on "
        "{due_date}, was returned by your bank: {reason}.\nPlease keep enough balance in your "
        "account or pay by another way; a bounce charge may apply as in your Key Facts "
        "Statement.\n\nReference: {reference}\n{lender}\n",
    ),
    "upi_autopay_predebit": (
        "Rs {amount} will be debited from your account on {debit_date}",
        "Dear {name},\n\nAs per your UPI AutoPay mandate, Rs {amount} for your loan "
        "{loan_number} will be debited on {debit_date}.\n\n{lender}\n",
    ),
}


def queue_notice(uow: UnitOfWork, *, loan_id: int, template: str, data: dict[str, Any]) -> Notice:
    """Queue a notice to the loan's borrower."""
    if template not in TEMPLATES:
        raise KeyError(template)
    email = uow.session.scalar(
        select(Customer.email).join(Loan, Loan.customer_id == Customer.id).where(Loan.id == loan_id)
    )
    notice = Notice(
        loan_id=loan_id, template=template, data=data, recipient=email,
        status="queued" if email else "no_address", created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(notice)
    return notice


def render(notice: Notice, name: str, loan_number: str) -> tuple[str, str]:
    subject, body = TEMPLATES[notice.template]
    values = {**notice.data, "name": name, "loan_number": loan_number,
              "lender": get_settings().lender_name}  # fmt: skip
    return subject.format(**values), body.format(**values)


def send_queued(sessions: sessionmaker[Session], *, limit: int = 1000) -> tuple[int, int]:
    """Send up to `limit` queued notices; (sent, failed)."""
    host = get_settings().smtp_host
    if not host:
        raise RuntimeError("LMS_SMTP_HOST is not set: no mail server to send through")
    with UnitOfWork(sessions) as uow:
        ids = list(uow.session.scalars(
            select(Notice.id).where(Notice.status == "queued").order_by(Notice.id).limit(limit)
        ))  # fmt: skip
    sent = failed = 0
    with _smtp(host) as smtp:
        for notice_id in ids:
            with UnitOfWork(sessions) as uow:
                notice = uow.session.scalar(
                    select(Notice).where(Notice.id == notice_id, Notice.status == "queued")
                    .with_for_update(skip_locked=True)
                )  # fmt: skip
                if notice is None:
                    continue  # another sender took it
                name, number = uow.session.execute(
                    select(Customer.name, Loan.external_id)
                    .join(Loan, Loan.customer_id == Customer.id).where(Loan.id == notice.loan_id)
                ).one()  # fmt: skip
                subject, body = render(notice, name, number)
                message = EmailMessage()
                message["From"] = get_settings().mail_from
                message["To"], message["Subject"] = notice.recipient or "", subject
                message.set_content(body)
                try:
                    smtp.send_message(message)
                except smtplib.SMTPException as exc:
                    notice.status, notice.error = "failed", str(exc)[:500]
                    failed += 1
                else:
                    notice.status, notice.sent_at = "sent", datetime.now(UTC)
                    sent += 1
                uow.commit()
    return sent, failed


def send_messages(messages: list[EmailMessage]) -> None:
    """Send `messages` through the configured mail server ($LMS_SMTP_HOST ...), from
    $LMS_MAIL_FROM; RuntimeError when no server is set, OSError or SMTPException on failure."""
    host = get_settings().smtp_host
    if not host:
        raise RuntimeError("LMS_SMTP_HOST is not set: no mail server to send through")
    with _smtp(host) as smtp:
        for message in messages:
            if "From" not in message:
                message["From"] = get_settings().mail_from
            smtp.send_message(message)


def _smtp(host: str) -> smtplib.SMTP:
    smtp = smtplib.SMTP(host, get_settings().smtp_port, timeout=30)
    if get_settings().smtp_starttls:
        smtp.starttls()
    user = get_settings().smtp_user
    if user:
        smtp.login(user, get_settings().smtp_password)
    return smtp
