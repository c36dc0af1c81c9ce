"""Subscribing a system to the events: its URL, the shared secret its webhooks are signed with,
and the kinds it wants.

Guarantees: a bad URL, a short secret or an unknown kind is refused naming the field, nothing
written; the secret is sealed at rest like personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from lms.events.models import WebhookSubscription
from lms.events.relay import KINDS
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError

# every kind of event the outbox holds
EVENT_KINDS = frozenset(
    {*KINDS.values(), "loan.booked", "loan.dpd_bucket_changed", "loan.class_changed",
     "loan.closed"}
)  # fmt: skip


def _valid(url: str) -> bool:
    """Whether an HTTP client can use the address (a port, a host it can encode)."""
    try:
        httpx.URL(url)
        _ = urlsplit(url).port
    except (httpx.InvalidURL, ValueError):  # UnicodeError is a ValueError
        return False
    return True


def subscribe(
    uow: UnitOfWork, *, url: str, secret: str, kinds: list[str], actor: str
) -> WebhookSubscription:
    parts = urlsplit(url)
    problems = []
    if (
        not _valid(url)
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(url) > 500
    ):
        problems.append(("url", "an http(s) address of at most 500 characters"))
    if len(secret) < 16:
        problems.append(("secret", "at least 16 characters"))
    unknown = sorted(set(kinds) - EVENT_KINDS)
    if unknown:
        problems.append(("kinds", f"unknown: {', '.join(unknown)}"))
    if problems:
        raise InvalidError(problems)
    row = WebhookSubscription(url=url, secret=secret, kinds=sorted(set(kinds)), active=True,
                              created_by=actor, created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row
