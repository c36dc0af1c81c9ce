"""The messaging channels under /api/v1: delivery reports from the SMS gateway and the WhatsApp
Cloud API (public routes, each checked by the provider's token or signature), the borrower's
contact preferences (language, channels opted out of), and a loan's messages.

Guarantees: a report without the right token or signature is 401 and changes nothing; a bad
body is 422 naming it; a preference change records its actor (the audit trail keeps the old).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.errors import problem
from lms.interfaces.api.schemas import RequestBody
from lms.notices import delivery
from lms.notices.models import ChannelOptOut, Notice
from lms.platform.errors import InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Customer

router = APIRouter()
Channel = Literal["email", "sms", "whatsapp"]


@router.post("/channels/sms/delivery", response_model=None)
async def sms_delivery(request: Request, uow: UnitOfWorkDep) -> object:
    """The SMS gateway's delivery report(s), with the shared token in `X-Callback-Token`."""
    if not delivery.token_matches(request.headers.get("X-Callback-Token", ""),
                                  get_settings().sms_callback_token):  # fmt: skip
        return problem(401, "Unauthorized", "the delivery report's token is missing or wrong")
    try:
        reports = delivery.sms_reports(json.loads(await request.body()))
    except (ValueError, TypeError) as exc:
        raise InvalidError([("body", str(exc))]) from None
    moved = delivery.record(uow, "sms", reports)
    uow.commit()
    return {"reports": len(reports), "updated": moved}


@router.get("/channels/whatsapp/webhook", response_model=None)
def whatsapp_verify(
    mode: Annotated[str, Query(alias="hub.mode", max_length=20)] = "",
    token: Annotated[str, Query(alias="hub.verify_token", max_length=200)] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
) -> object:
    """The Cloud API's subscription check: the challenge back, for our verify token only."""
    if mode != "subscribe" or not delivery.token_matches(
        token, get_settings().whatsapp_verify_token
    ):
        return problem(403, "Forbidden", "not our verify token")
    return PlainTextResponse(challenge)


@router.post("/channels/whatsapp/webhook", response_model=None)
async def whatsapp_webhook(request: Request, uow: UnitOfWorkDep) -> object:
    """The Cloud API's webhook, signed with the app secret (`X-Hub-Signature-256`)."""
    body = await request.body()
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not delivery.signed(body, signature, get_settings().whatsapp_app_secret):
        return problem(401, "Unauthorized", "the webhook's signature is missing or wrong")
    try:
        reports = delivery.whatsapp_reports(json.loads(body))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidError([("body", f"not a WhatsApp webhook: {exc}")]) from None
    moved = delivery.record(uow, "whatsapp", reports)
    uow.commit()
    return {"reports": len(reports), "updated": moved}


class PreferencesIn(RequestBody):
    language: Literal["en", "hi"] | None = None
    opt_out: list[Channel] = Field(default_factory=list, max_length=3)
    opt_in: list[Channel] = Field(default_factory=list, max_length=3)


class PreferencesOut(BaseModel):
    customer_id: int
    language: str
    opted_out: list[str]


@router.post("/customers/{customer_id}/contact-preferences")
def preferences(customer_id: int, body: PreferencesIn, uow: UnitOfWorkDep) -> PreferencesOut:
    """The borrower's language for messages and documents, and the channels they opted out
    of (or back into)."""
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError("customer", customer_id)
    if set(body.opt_out) & set(body.opt_in):
        raise InvalidError([("opt_in", "a channel cannot be opted out of and into at once")])
    if body.language is not None:
        customer.language = body.language
    for channel, out in [*((c, True) for c in body.opt_out), *((c, False) for c in body.opt_in)]:
        set_opt_out(uow, customer_id, channel, out)
    uow.commit()
    return shown_preferences(uow, customer)


def set_opt_out(uow: UnitOfWorkDep, customer_id: int, channel: str, out: bool) -> None:
    row = uow.session.scalar(
        select(ChannelOptOut).where(ChannelOptOut.customer_id == customer_id,
                                    ChannelOptOut.channel == channel)
    )  # fmt: skip
    now = datetime.now(UTC)
    if row is None:
        uow.session.add(ChannelOptOut(customer_id=customer_id, channel=channel, opted_out=out,
                                      changed_at=now, changed_by=uow.actor))  # fmt: skip
    elif row.opted_out != out:
        row.opted_out, row.changed_at, row.changed_by = out, now, uow.actor


def shown_preferences(uow: UnitOfWorkDep, customer: Customer) -> PreferencesOut:
    out = uow.session.scalars(
        select(ChannelOptOut.channel).where(ChannelOptOut.customer_id == customer.id,
                                            ChannelOptOut.opted_out).order_by(ChannelOptOut.channel)
    )  # fmt: skip
    return PreferencesOut(customer_id=customer.id, language=customer.language or "en",
                          opted_out=list(out))  # fmt: skip


class MessageOut(BaseModel):
    id: int
    channel: str
    event: str
    version: int | None
    language: str | None
    status: str
    delivery: str | None
    provider_ref: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    error: str | None


@router.get("/loans/{loan_id}/messages")
def loan_messages(loan_id: int, uow: UnitOfWorkDep) -> list[MessageOut]:
    """Every message to the loan's borrower about it, newest first, with its delivery."""
    rows = uow.session.scalars(
        select(Notice).where(Notice.loan_id == loan_id).order_by(Notice.id.desc()).limit(500)
    )
    return [_message(n) for n in rows]


def _message(n: Notice) -> MessageOut:
    return MessageOut(
        id=n.id, channel=n.channel, event=n.template, version=n.version, language=n.lang,
        status=n.status, delivery=n.delivery, provider_ref=n.provider_ref,
        created_at=n.created_at, sent_at=n.sent_at, delivered_at=n.delivered_at, error=n.error,
    )  # fmt: skip
