"""Delivery reports from the providers, each updating the message it names: the SMS gateway's
report (`{"id", "status", "at", "error"}`, or a list of them, with the shared token of
LMS_SMS_CALLBACK_TOKEN in `X-Callback-Token`), and the WhatsApp Cloud API's webhook (statuses
in `entry[].changes[].value.statuses[]`, signed with the app secret of
LMS_WHATSAPP_APP_SECRET in `X-Hub-Signature-256`).

Guarantees: a report without the right token or signature is refused whole (nothing read);
a report names a message by the provider's id, so one we never sent changes nothing; a later
report does not take a message back (delivered stays delivered when a late "sent" comes; read
follows delivered); reports of one message arriving twice change nothing the second time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from lms.notices.models import Notice
from lms.platform.db import UnitOfWork

# how far along a message is: a report never moves it back
RANK = {"sent": 1, "failed": 2, "delivered": 3, "read": 4}
_SMS = {"delivered": "delivered", "delivrd": "delivered", "failed": "failed", "undeliv": "failed",
        "expired": "failed", "rejected": "failed", "sent": "sent", "submitted": "sent"}  # fmt: skip


class UnsignedError(ValueError):
    """A report without the provider's token or signature."""


@dataclass(frozen=True, slots=True)
class Report:
    provider_ref: str
    status: str  # sent, delivered, read, failed
    at: datetime
    error: str | None = None


def token_matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def signed(body: bytes, signature: str, secret: str) -> bool:
    """Whether `signature` ("sha256=<hex>") is the HMAC-SHA256 of `body` with `secret`."""
    if not secret or not signature.startswith("sha256="):
        return False
    wanted = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.removeprefix("sha256="), wanted)


def sms_reports(body: Any) -> list[Report]:
    """The SMS gateway's report: one, or a list."""
    items = body if isinstance(body, list) else [body]
    found = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("status"):
            raise ValueError("each report needs an id and a status")
        status = _SMS.get(str(item["status"]).lower(), "failed")
        found.append(Report(str(item["id"]), status, _when(item.get("at")), item.get("error")))
    return found


def whatsapp_reports(body: Any) -> list[Report]:
    """The statuses of a WhatsApp webhook (messages from the borrower are not read here)."""
    found = []
    for entry in body.get("entry", []) if isinstance(body, dict) else []:
        for change in entry.get("changes", []):
            for status in change.get("value", {}).get("statuses", []):
                errors = status.get("errors") or []
                at = datetime.fromtimestamp(int(status.get("timestamp", 0)), UTC)
                error = errors[0].get("title") if errors else None
                found.append(Report(str(status["id"]), str(status["status"]), at, error))
    return found


def record(uow: UnitOfWork, channel: str, reports: list[Report]) -> int:
    """Apply reports to the messages they name; how many messages moved."""
    moved = 0
    for report in reports:
        notice = uow.session.scalar(
            select(Notice).where(Notice.channel == channel,
                                 Notice.provider_ref == report.provider_ref).with_for_update()
        )  # fmt: skip
        if notice is None or RANK.get(report.status, 0) <= RANK.get(notice.delivery or "", 0):
            continue
        notice.delivery = report.status
        if report.status in ("delivered", "read") and notice.delivered_at is None:
            notice.delivered_at = report.at
        if report.status == "failed":
            notice.error = (report.error or "failed at the provider")[:500]
        moved += 1
    return moved


def _when(text: object) -> datetime:
    if isinstance(text, str):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)
