"""Routes of the events going out: subscribing a system to signed webhooks, listing the
subscriptions (never their secrets), and the deliveries given up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import Field
from sqlalchemy import select

from lms.events.delivery import dead_letters
from lms.events.models import WebhookSubscription
from lms.events.subscriptions import subscribe
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.schemas import RequestBody
from lms.interfaces.api.security import principal_of

router = APIRouter()


class SubscriptionIn(RequestBody):
    url: str = Field(min_length=1, max_length=500)
    secret: str = Field(min_length=16, max_length=200)
    kinds: list[str] = Field(default_factory=list, max_length=40)  # empty: every kind


def _shown(row: WebhookSubscription) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "kinds": row.kinds, "active": row.active,
            "created_by": row.created_by, "created_at": row.created_at}  # fmt: skip


@router.post("/webhook-subscriptions", status_code=status.HTTP_201_CREATED)
def create_subscription(
    body: SubscriptionIn, uow: UnitOfWorkDep, request: Request
) -> dict[str, Any]:
    """Subscribe a system: each event of the kinds asked for is POSTed to `url`, signed with
    `secret` (X-LMS-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">)."""
    row = subscribe(uow, url=body.url, secret=body.secret, kinds=body.kinds,
                    actor=principal_of(request).actor)  # fmt: skip
    uow.commit()
    return _shown(row)


@router.get("/webhook-subscriptions")
def subscriptions(uow: UnitOfWorkDep) -> list[dict[str, Any]]:
    rows = uow.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    return [_shown(row) for row in rows]


@router.get("/webhook-deliveries/dead")
def dead(uow: UnitOfWorkDep) -> list[dict[str, Any]]:
    """The deliveries given up after every try, with the last error."""
    return [{"id": d.id, "event": d.event_id, "subscription_id": d.subscription_id,
             "attempts": d.attempts, "last_error": d.last_error} for d in dead_letters(uow)]  # fmt: skip
