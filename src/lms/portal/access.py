"""A borrower's sign-in by a one-time code, their session, and the loans they may see.

A borrower names a loan (its number) and the mobile number or e-mail address registered with
it, as the borrower or a co-borrower; a six-digit code goes to that number (SMS) or address
(e-mail) at once and opens a session when typed back. The answer to asking is the same
whether or not the details matched, and whether or not a code could be sent for the lock or
the limit below (nobody learns who borrows from the lender by trying).

Guarantees:
- A code lives `CODE_MINUTES`, works once, and is kept only as its argon2 hash; a wrong code
  counts against the borrower: `LOCK_AFTER` wrong codes within `LOCK_WINDOW` lock signing in
  (no code sent, none accepted) until the window after the last one has passed.
- At most `CODES_PER_WINDOW` codes are sent to a borrower within `CODE_WINDOW`.
- A session expires `SESSION_HOURS` after it opened and after `SESSION_IDLE` unused; its
  token is 256 random bits, stored as a SHA-256.
- A borrower sees their own loans and those they are a co-borrower of, nothing else:
  `own_loan` answers any other loan as not found.
"""

from __future__ import annotations

import re
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from lms.identity.service import aware
from lms.identity.tokens import hash_password, new_token, parse_token, password_matches, same
from lms.notices.outbox import international_phone
from lms.notices.service import send_now
from lms.platform.db import UnitOfWork
from lms.platform.db.sealed import phone_digits
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.portal.models import BorrowerCode, BorrowerSession
from lms.servicing.models import Customer, Loan, LoanParty

CODE_MINUTES = 10
CODE_WINDOW = timedelta(minutes=15)
CODES_PER_WINDOW = 3
LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=30)
SESSION_HOURS = 12
SESSION_IDLE = timedelta(minutes=30)
_SEEN_EVERY = timedelta(minutes=1)  # how often a session's last use is written
# one address: no spaces, separators or brackets that would make it two, or a header
_EMAIL = re.compile(r"[^@\s,;:<>()\[\]\\\"]+@[^@\s,;:<>()\[\]\\\"]+\.[A-Za-z]{2,}")


class LockedError(ConflictError):
    """Too many wrong codes: signing in is closed until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many wrong codes; try again after {until:%H:%M} UTC")
        self.until = until


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number or an e-mail address as the borrower typed it, normalised."""

    channel: str  # sms, email
    value: str  # ten digits, or the address in lower case

    @staticmethod
    def parse(text: str, field: str = "contact") -> Contact:
        text = text.strip()
        if "@" in text:
            if len(text) > 254 or not _EMAIL.fullmatch(text):
                raise InvalidError([(field, "is not an e-mail address")])
            return Contact("email", text.lower())
        digits = phone_digits(text)
        if digits is None or len(text) > 20:
            raise InvalidError([(field, "is neither a mobile number nor an e-mail address")])
        return Contact("sms", digits)

    def matches(self, customer: Customer) -> bool:
        if self.channel == "email":
            return (customer.email or "").strip().lower() == self.value
        return phone_digits(customer.phone) == self.value

    @property
    def address(self) -> str:
        """Where a message to it goes (a phone with the country code)."""
        return self.value if self.channel == "email" else str(international_phone(self.value))


def ask_sign_in_code(uow: UnitOfWork, *, loan_number: str, contact: str, now: datetime) -> str:
    """Send a sign-in code if `contact` is registered with loan `loan_number`; the challenge
    the borrower's browser keeps while the code is typed (the same shape either way)."""
    if not 0 < len(loan_number.strip()) <= 40:
        raise InvalidError([("loan_number", "is required")])
    given = Contact.parse(contact)
    challenge = secrets.token_urlsafe(24)
    customer = _party_reached(uow, loan_number.strip(), given)
    if customer is None:
        hash_password("000000")  # as long as making a real code takes
        return challenge
    with suppress(ConflictError):  # locked out, or enough codes sent: none sent, nothing said
        send_code(uow, customer, given, "sign_in", challenge, now)
    return challenge


def _party_reached(uow: UnitOfWork, loan_number: str, given: Contact) -> Customer | None:
    loan = uow.session.scalar(select(Loan).where(Loan.external_id == loan_number))
    if loan is None:
        return None
    joint = select(LoanParty.customer_id).where(
        LoanParty.loan_id == loan.id, LoanParty.role == "co_borrower"
    )
    people = uow.session.scalars(
        select(Customer).where(or_(Customer.id == loan.customer_id, Customer.id.in_(joint)))
    )
    return next((c for c in people if given.matches(c)), None)


def send_code(
    uow: UnitOfWork, customer: Customer, to: Contact, purpose: str, challenge: str, now: datetime
) -> None:
    check_not_locked(uow, customer.id, now)
    recent = uow.session.scalar(
        select(func.count()).where(BorrowerCode.customer_id == customer.id,
                                   BorrowerCode.created_at > now - CODE_WINDOW)
    )  # fmt: skip
    if (recent or 0) >= CODES_PER_WINDOW:
        raise ConflictError(
            f"{CODES_PER_WINDOW} codes were sent in the last {CODE_WINDOW.seconds // 60}"
            " minutes; wait a few minutes before asking again"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    uow.session.add(BorrowerCode(
        challenge=challenge, customer_id=customer.id, purpose=purpose, channel=to.channel,
        target=to.value if purpose == "contact" else None, code_hash=hash_password(code),
        tries=0, created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES),
    ))  # fmt: skip
    uow.session.flush()
    event = "sign_in_code" if purpose == "sign_in" else "contact_code"
    send_now(to.channel, to.address, event, customer.language or "en",
             {"code": code, "minutes": CODE_MINUTES})  # fmt: skip


def check_not_locked(uow: UnitOfWork, customer_id: int, now: datetime) -> None:
    """LockedError if the borrower typed `LOCK_AFTER` wrong codes within the lock window."""
    wrong, last = uow.session.execute(
        select(func.coalesce(func.sum(BorrowerCode.tries), 0), func.max(BorrowerCode.last_try_at))
        .where(BorrowerCode.customer_id == customer_id,
               BorrowerCode.last_try_at > now - LOCK_WINDOW)
    ).one()  # fmt: skip
    if wrong >= LOCK_AFTER and last is not None:
        raise LockedError(aware(last) + LOCK_WINDOW)


def take_code(uow: UnitOfWork, *, challenge: str, code: str, purpose: str, now: datetime) -> (
    BorrowerCode | None
):  # fmt: skip
    """The code row `challenge` names, used now, if `code` is its code and it is still good;
    None otherwise (a wrong code is counted: the caller commits to keep the count). Raises
    LockedError while the borrower is locked out."""
    row = uow.session.scalar(
        select(BorrowerCode)
        .where(BorrowerCode.challenge == challenge[:64], BorrowerCode.purpose == purpose)
        .with_for_update()
    )
    if row is None:
        return None
    check_not_locked(uow, row.customer_id, now)
    if row.used_at is not None or aware(row.expires_at) <= now or row.tries >= LOCK_AFTER:
        return None
    if not (code.isascii() and code.isdigit() and len(code) == 6) or not password_matches(
        row.code_hash, code
    ):
        row.tries, row.last_try_at = row.tries + 1, now
        return None
    row.used_at = now
    return row


def sign_in_with_code(uow: UnitOfWork, *, challenge: str, code: str, now: datetime) -> str | None:
    """A new session's token if `code` is the challenge's sign-in code; None if not."""
    row = take_code(uow, challenge=challenge, code=code, purpose="sign_in", now=now)
    if row is None:
        return None
    token = new_token("b")
    uow.session.add(BorrowerSession(
        prefix=token.prefix, secret_hash=token.secret_hash, customer_id=row.customer_id,
        created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS), last_seen_at=now,
    ))  # fmt: skip
    uow.session.flush()
    return str(token)


def borrower_for(uow: UnitOfWork, token_text: str, now: datetime) -> int | None:
    """The customer a borrower's session token stands for now, or None."""
    session = _session_of(uow, token_text)
    if session is None or session.ended_at is not None:
        return None
    if aware(session.expires_at) <= now or aware(session.last_seen_at) + SESSION_IDLE <= now:
        return None
    if now - aware(session.last_seen_at) >= _SEEN_EVERY:
        session.last_seen_at = now
    return session.customer_id


def sign_out(uow: UnitOfWork, token_text: str, now: datetime) -> None:
    session = _session_of(uow, token_text)
    if session is not None:
        session.ended_at = session.ended_at or now


def _session_of(uow: UnitOfWork, token_text: str) -> BorrowerSession | None:
    token = parse_token(token_text)
    if token is None or token.kind != "b":
        return None
    session = uow.session.scalar(
        select(BorrowerSession).where(BorrowerSession.prefix == token.prefix)
    )
    return session if session is not None and same(session.secret_hash, token.secret) else None


def loans_of(uow: UnitOfWork, customer_id: int) -> list[Loan]:
    """The loans the customer borrows, alone or as a co-borrower, oldest first."""
    joint = select(LoanParty.loan_id).where(
        LoanParty.customer_id == customer_id, LoanParty.role == "co_borrower"
    )
    return list(uow.session.scalars(
        select(Loan).where(or_(Loan.customer_id == customer_id, Loan.id.in_(joint)))
        .order_by(Loan.id)
    ))  # fmt: skip


def own_loan(uow: UnitOfWork, customer_id: int, loan_id: int) -> Loan:
    """Loan `loan_id` if the customer may see it; NotFoundError otherwise (any other loan)."""
    loan = uow.session.get(Loan, loan_id) if 0 < loan_id < 2**31 else None
    if loan is None:
        raise NotFoundError("loan", loan_id)
    party = uow.session.get(LoanParty, (loan_id, customer_id))
    if loan.customer_id != customer_id and (party is None or party.role != "co_borrower"):
        raise NotFoundError("loan", loan_id)
    return loan
