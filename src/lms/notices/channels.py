"""The channels a message goes out by, each behind one Protocol: e-mail over SMTP, SMS through
an Indian SMS gateway's HTTP API (with the DLT entity and template ids TRAI requires on every
message), and WhatsApp through the WhatsApp Business Cloud API's template messages.

The SMS gateway's API is the common shape of India's DLT-registered gateways: an HTTPS POST
of JSON `{"sender", "to", "text", "dlt_entity_id", "dlt_template_id", "reference"}` with the
key in an `Authorization: Bearer` header, answered by `{"id": ...}` (the gateway's message id,
which its delivery reports name). WhatsApp: POST `{base}/{phone number id}/messages` with the
Cloud API's template message body, answered by `{"messages": [{"id": "wamid..."}]}`.

Guarantees: `send` returns the provider's message id or raises `ChannelError` with the
provider's reason; nothing is retried here (the outbox decides); a channel without its
settings says so (`ChannelError`), it never pretends to send.
"""

from __future__ import annotations

import json
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

import httpx

from lms.notices.templates import Rendered
from lms.platform.settings import get_settings

TIMEOUT = 10.0  # seconds a provider has to answer


class ChannelError(RuntimeError):
    """The provider refused the message, or could not be reached."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to one person on one channel."""

    to: str  # an e-mail address, or a phone number with its country code (+91...)
    event: str  # the template's event
    lang: str
    message: Rendered
    reference: str  # ours (the notice's id), echoed back by delivery reports where possible


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> str:
        """Send; the provider's id of the message."""
        ...


class EmailChannel:
    """E-mail over the SMTP server of the settings ($LMS_SMTP_HOST ...)."""

    name = "email"

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp

    def send(self, outgoing: Outgoing) -> str:
        message = EmailMessage()
        message["From"] = get_settings().mail_from
        message["To"], message["Subject"] = outgoing.to, outgoing.message.subject
        message["Message-ID"] = make_msgid(idstring=outgoing.reference)
        message.set_content(outgoing.message.body)
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPException as exc:
            raise ChannelError(str(exc)[:500]) from exc
        return str(message["Message-ID"])


class SmsGateway:
    """SMS through the gateway of $LMS_SMS_URL with $LMS_SMS_API_KEY, from sender id
    $LMS_SMS_SENDER, with the DLT entity id and each event's DLT template id."""

    name = "sms"

    def __init__(self, client: httpx.Client) -> None:
        s = get_settings()
        if not (s.sms_url and s.sms_api_key and s.sms_dlt_entity_id):
            raise ChannelError("SMS needs LMS_SMS_URL, LMS_SMS_API_KEY and LMS_SMS_DLT_ENTITY_ID")
        self.client, self.settings = client, s

    def send(self, outgoing: Outgoing) -> str:
        template = self.settings.sms_dlt_templates.get(outgoing.event)
        if not template:
            raise ChannelError(f"no DLT template id for {outgoing.event} (LMS_SMS_DLT_TEMPLATES)")
        body = {"sender": self.settings.sms_sender, "to": outgoing.to,
                "text": outgoing.message.sms, "dlt_entity_id": self.settings.sms_dlt_entity_id,
                "dlt_template_id": template, "reference": outgoing.reference,
                "unicode": outgoing.lang != "en"}  # fmt: skip
        answer = _post(self.client, self.settings.sms_url, body, self.settings.sms_api_key)
        return str(answer.get("id") or _refused(answer))


class WhatsAppCloud:
    """WhatsApp template messages through the Cloud API ($LMS_WHATSAPP_URL, the phone number id
    $LMS_WHATSAPP_PHONE_ID, the token $LMS_WHATSAPP_TOKEN); the template's name is the event's
    (as the lender had it approved), in the message's language."""

    name = "whatsapp"

    def __init__(self, client: httpx.Client) -> None:
        s = get_settings()
        if not (s.whatsapp_phone_id and s.whatsapp_token):
            raise ChannelError("WhatsApp needs LMS_WHATSAPP_PHONE_ID and LMS_WHATSAPP_TOKEN")
        self.client, self.settings = client, s

    def send(self, outgoing: Outgoing) -> str:
        parameters = [{"type": "text", "text": p} for p in outgoing.message.params]
        body = {
            "messaging_product": "whatsapp",
            "to": outgoing.to.lstrip("+"),
            "type": "template",
            "template": {"name": outgoing.event, "language": {"code": outgoing.lang},
                         "components": [{"type": "body", "parameters": parameters}]},
            "biz_opaque_callback_data": outgoing.reference,
        }  # fmt: skip
        url = f"{self.settings.whatsapp_url.rstrip('/')}/{self.settings.whatsapp_phone_id}/messages"
        answer = _post(self.client, url, body, self.settings.whatsapp_token)
        messages = answer.get("messages") or []
        return str(messages[0]["id"]) if messages else _refused(answer)


def _post(client: httpx.Client, url: str, body: Mapping[str, object], key: str) -> dict[str, Any]:
    try:
        response = client.post(url, json=body, headers={"Authorization": f"Bearer {key}"},
                                timeout=TIMEOUT)  # fmt: skip
    except httpx.HTTPError as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    try:
        answer = response.json()
    except json.JSONDecodeError:
        answer = {}
    if response.status_code >= 300:
        raise ChannelError(f"{response.status_code}: {json.dumps(answer)[:400]}")
    return answer if isinstance(answer, dict) else {}


def _refused(answer: Mapping[str, object]) -> str:
    raise ChannelError(f"no message id in the answer: {json.dumps(answer)[:400]}")
