"""The demo book's members of staff, with known passwords (the demo serves on the loopback
address only): an administrator, signed in afresh each time the demo starts so that a newcomer
can call the API at once, and a loan officer and a collections agent of every branch (no
second factor) to sign in to the staff application with (the agent is made with the book, so
the book's closes give it cases).

Guarantee: the same users on every start of the same book; a new session token each start;
a borrower to try the borrower portal as.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from lms.identity.models import User
from lms.identity.service import create_user, sign_in
from lms.platform.db import UnitOfWork
from lms.servicing.models import Branch, Customer, Loan

USERNAME = "demo-admin"
PASSWORD = "demo-admin-password"  # a demo on 127.0.0.1 only; never a real book's
OFFICER = "demo-officer"
OFFICER_PASSWORD = "demo-officer-password"
AGENT = "demo-agent"
AGENT_PASSWORD = "demo-agent-password"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    totp_secret: str
    token: str
    borrower: tuple[str, str] | None = None  # a loan number and its borrower's e-mail


def _a_borrower(uow: UnitOfWork) -> tuple[str, str] | None:
    """An active loan with something overdue (else any active one) and its borrower's e-mail:
    someone to sign in to the borrower portal as."""
    found = uow.session.execute(
        select(Loan.external_id, Customer.email).join(Customer, Customer.id == Loan.customer_id)
        .where(Loan.status == "active", Customer.email.is_not(None))
        .order_by((Loan.dpd > 0).desc(), Loan.id).limit(1)
    ).first()  # fmt: skip
    return (found[0], str(found[1])) if found is not None else None


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
    demo_officer(uow, now)
    return DemoStaff(USERNAME, PASSWORD, secret, str(outcome.token), _a_borrower(uow))


def demo_officer(uow: UnitOfWork, now: datetime) -> None:
    """The demo loan officer, of every branch of the book (made on first use)."""
    if uow.session.scalar(select(User.id).where(User.username == OFFICER)) is not None:
        return
    branches = list(uow.session.scalars(select(Branch.code).order_by(Branch.code)))
    create_user(
        uow, username=OFFICER, display_name="Demo loan officer", password=OFFICER_PASSWORD,
        roles=["loan_officer"], branches=branches, actor="demo", now=now,
    )  # fmt: skip


def demo_agent(uow: UnitOfWork) -> None:
    """The demo collections agent, of every branch (made with the book)."""
    if uow.session.scalar(select(User.id).where(User.username == AGENT)) is not None:
        return
    branches = list(uow.session.scalars(select(Branch.code).order_by(Branch.code)))
    create_user(
        uow, username=AGENT, display_name="Demo collections agent", password=AGENT_PASSWORD,
        roles=["collections_agent"], branches=branches, actor="demo", now=datetime.now(UTC),
    )  # fmt: skip
