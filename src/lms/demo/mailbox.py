"""The demo's mailbox: a mail server on the loopback address (aiosmtpd) that prints each
message the product sends, so that a newcomer can sign in to the borrower portal with the
one-time code it shows. `lms demo` starts it only when no mail server is set
($LMS_SMTP_HOST), and points the product's mail at it.

Guarantee: it listens on 127.0.0.1 only and keeps nothing; a real mail server, when set, is
used instead and this one never starts.
"""

from __future__ import annotations

import os
import socket
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Printed:
    """Prints who a message is for, its subject and its text."""

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = message_from_bytes(content)
        print(f"\n--- mail to {message['To']}: {message['Subject']}\n{_text(message)}", flush=True)
        return "250 OK"


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return payload.decode(message.get_content_charset() or "utf-8", errors="replace").strip()


def start_mailbox() -> int | None:
    """Start the mailbox on a free port and send the product's mail to it; its port, or None
    when a mail server is already set."""
    if os.environ.get("LMS_SMTP_HOST"):
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    Controller(_Printed(), hostname="127.0.0.1", port=port).start()
    os.environ["LMS_SMTP_HOST"], os.environ["LMS_SMTP_PORT"] = "127.0.0.1", str(port)
    return port
