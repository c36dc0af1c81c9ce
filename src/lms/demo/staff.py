"""The demo book's member of staff: an administrator with a known password (the demo serves
on the loopback address only), signed in afresh each time the demo starts so that a newcomer
can call the API at once.

Guarantee: the same user on every start of the same book; a new session token each start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from lms.identity.models import User
from lms.identity.service import create_user, sign_in
from lms.platform.db import UnitOfWork

USERNAME = "demo-admin"
PASSWORD = "demo-admin-password"  # a demo on 127.0.0.1 only; never a real book's


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    totp_secret: str
    token: str


def demo_staff(uow: UnitOfWork) -> DemoStaff:
    """The demo administrator (made on first use) and a fresh session token."""
    now = datetime.now(UTC)
    user = uow.session.scalar(select(User).where(User.username == USERNAME))
    if user is None:
        user, _ = create_user(
            uow, username=USERNAME, display_name="Demo administrator", password=PASSWORD,
            roles=["administrator"], branches=None, actor="demo", now=now,
        )  # fmt: skip
    secret = user.totp_secret or ""
    code = pyotp.TOTP(secret).now()
    outcome = sign_in(uow, username=USERNAME, password=PASSWORD, code=code, origin="demo", now=now)
    assert outcome.token is not None, outcome.refused
    return DemoStaff(USERNAME, PASSWORD, secret, str(outcome.token))
