"""The outside parties of the cluster's load test (bench/cluster_load.py), in a process of
their own: a mail server (aiosmtpd) that takes the borrower portal's sign-in codes and prints
`address code` for each message, and the payment gateway's order API (the tests' stand-in of
Razorpay's `POST /v1/orders`). Both listen on every address, so the cluster's nodes reach them
through the bridge; the process runs until its standard input closes.

    .venv/bin/python bench/peers.py SMTP_PORT GATEWAY_PORT
    .venv/bin/python bench/peers.py borrowers   # (loan number, e-mail) of active loans, as JSON

`borrowers` reads the book named by $LMS_DATABASE_URL with the nodes' settings (the e-mail
addresses are sealed with their keyring).
"""

from __future__ import annotations

import json
import re
import sys
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))


def serve(smtp_port: int, gateway_port: int) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from providers import provider

    class Printed(Message):
        def handle_message(self, message: EmailMessage) -> None:  # type: ignore[override]
            payload = message.get_payload(decode=True)
            text = payload.decode() if isinstance(payload, bytes) else ""
            code = re.search(r"\b(\d{6})\b", text)
            print(message["To"], code.group(1) if code else "-", flush=True)

    mail = Controller(Printed(), hostname="0.0.0.0", port=smtp_port)
    mail.start()
    with provider("razorpay", ("0.0.0.0", gateway_port)):
        print("ready", flush=True)
        sys.stdin.read()
    mail.stop()


def borrowers() -> None:
    from sqlalchemy import select

    from lms.platform.db import UnitOfWork, make_engine, make_session_factory
    from lms.platform.settings import get_settings
    from lms.servicing.models import Customer, Loan

    sessions = make_session_factory(make_engine(str(get_settings().database_url)))
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(Loan.external_id, Customer.email)
            .join(Customer, Customer.id == Loan.customer_id)
            .where(Loan.status == "active", Customer.email.is_not(None))
        ).all()
    print(json.dumps([[number, str(email)] for number, email in rows]))


if __name__ == "__main__":
    if sys.argv[1:] == ["borrowers"]:
        borrowers()
    else:
        serve(int(sys.argv[1]), int(sys.argv[2]))
