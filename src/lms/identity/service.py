"""Identity services: staff users, sign-in with lockout and a second factor, sessions, API
credentials, and the principal a bearer token stands for.

Guarantees: a refused sign-in never says which part was wrong; five refusals in a row lock the
user for fifteen minutes (the count is the caller's to commit even when refusing); a role that
moves money cannot sign in without its TOTP code; a session ends at its expiry, after thirty
minutes idle, or when signed out; an expired or revoked key is refused. Nothing is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.identity.models import ApiCredential, StaffSession, User
from lms.identity.roles import ALL_BRANCHES, MONEY_ROLES, PERMISSIONS, Permission, Role
from lms.identity.roles import permissions_of as _permissions_of
from lms.identity.tokens import (
    Token,
    hash_password,
    new_token,
    new_totp_secret,
    parse_token,
    password_matches,
    same,
    totp_matches,
)
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError, NotFoundError

SESSION_LIFETIME = timedelta(hours=8)
SESSION_IDLE = timedelta(minutes=30)
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_USERNAME = 56  # "user:" and the name fit the 64 characters of a collector or a maker
_SEEN_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often


class IdentityError(InvalidError):
    """A request about users or credentials that cannot be met (the field, the reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([(field, reason)])


@dataclass(frozen=True)
class Principal:
    """Who is making a request: the actor recorded on what they change, what they may do, and
    the branches they may act in (None: every branch)."""

    actor: str
    permissions: frozenset[Permission]
    branches: frozenset[str] | None
    user_id: int | None = None

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def sees_branch(self, branch: str) -> bool:
        return self.branches is None or branch in self.branches


def _roles(names: list[str]) -> frozenset[Role]:
    try:
        return frozenset(Role(name) for name in names)
    except ValueError:
        raise IdentityError("roles", f"known roles are {', '.join(Role)}") from None


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    branches: list[str] | None,
    actor: str,
    now: datetime,
) -> tuple[User, str | None]:
    """A new user, and the TOTP secret to enrol when a role moves money (else None)."""
    held = _roles(roles)
    if not held:
        raise IdentityError("roles", "at least one role")
    if not (0 < len(username) <= MAX_USERNAME and username.replace("-", "").replace(".", "")
            .replace("_", "").replace("@", "").isalnum()):  # fmt: skip
        raise IdentityError("username", f"1 to {MAX_USERNAME} letters, digits and . _ - @")
    if len(password) < MIN_PASSWORD:
        raise IdentityError("password", f"at least {MIN_PASSWORD} characters")
    if branches is None and not held <= ALL_BRANCHES:
        raise IdentityError("branches", "branch roles need the branches they work in")
    taken = uow.session.scalar(select(User.id).where(User.username == username))
    if taken is not None:
        raise IdentityError("username", "already taken")
    secret = new_totp_secret() if held & MONEY_ROLES else None
    user = User(
        username=username, display_name=display_name, password_hash=hash_password(password),
        roles=sorted(held), branches=None if branches is None else sorted(set(branches)),
        totp_secret=secret, failed_sign_ins=0, active=True, created_at=now, created_by=actor,
    )  # fmt: skip
    uow.session.add(user)
    uow.session.flush()
    return user, secret


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a token (shown once) or a refusal."""

    token: Token | None
    expires_at: datetime | None
    refused: str | None = None  # why, for the log only: the caller says "not signed in"


def sign_in(
    uow: UnitOfWork, *, username: str, password: str, code: str | None, origin: str, now: datetime
) -> SignIn:
    user = uow.session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None or not user.active:
        password_matches(_DUMMY, password)  # the same work as for a real user: no timing hint
        return SignIn(None, None, "unknown or inactive user")
    if user.locked_until is not None and aware(user.locked_until) > now:
        return SignIn(None, None, "locked")
    refused = None
    if not password_matches(user.password_hash, password):
        refused = "wrong password"
    elif user.totp_secret is not None and not (code and totp_matches(user.totp_secret, code)):
        refused = "second factor missing or wrong"
    if refused is not None:
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= LOCK_AFTER:
            user.locked_until, user.failed_sign_ins = now + LOCK_FOR, 0
        return SignIn(None, None, refused)
    user.failed_sign_ins, user.locked_until = 0, None
    token = new_token("s")
    expires = now + SESSION_LIFETIME
    uow.session.add(
        StaffSession(
            prefix=token.prefix, secret_hash=token.secret_hash, user_id=user.id,
            created_at=now, expires_at=expires, last_seen_at=now, origin=origin[:64],
        )
    )  # fmt: skip
    return SignIn(token, expires)


_DUMMY = hash_password("a password no one has")


def deactivate_user(uow: UnitOfWork, *, user_id: int, actor: str, now: datetime) -> User:
    """Stop a user signing in and end their open sessions (a user is never deleted: their
    name stays on what they did). Nobody deactivates themself."""
    user = uow.session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFoundError("user", user_id)
    if actor == f"user:{user.username}":
        raise IdentityError("user", "you cannot deactivate yourself")
    user.active = False
    for session in uow.session.scalars(
        select(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    ):
        session.ended_at = now
    uow.session.flush()
    return user


def sign_out(uow: UnitOfWork, token_text: str, now: datetime) -> None:
    token = parse_token(token_text)
    if token is None or token.kind != "s":
        return
    session = uow.session.scalar(select(StaffSession).where(StaffSession.prefix == token.prefix))
    if session is not None and same(session.secret_hash, token.secret):
        session.ended_at = session.ended_at or now


def create_api_key(
    uow: UnitOfWork,
    *,
    name: str,
    scopes: list[str],
    branches: list[str] | None,
    expires_at: datetime | None,
    actor: str,
    now: datetime,
) -> tuple[ApiCredential, Token]:
    """A new key (shown once) for an integration, within what the integration role allows."""
    try:
        wanted = frozenset(Permission(scope) for scope in scopes)
    except ValueError:
        raise IdentityError("scopes", f"known scopes are {', '.join(Permission)}") from None
    if not wanted or not wanted <= PERMISSIONS[Role.INTEGRATION]:
        allowed = ", ".join(sorted(PERMISSIONS[Role.INTEGRATION]))
        raise IdentityError("scopes", f"one or more of {allowed}")
    if expires_at is not None and expires_at <= now:
        raise IdentityError("expires_at", "must be in the future")
    token = new_token("k")
    credential = ApiCredential(
        name=name, prefix=token.prefix, secret_hash=token.secret_hash, scopes=sorted(wanted),
        branches=None if branches is None else sorted(set(branches)), created_at=now,
        created_by=actor, expires_at=expires_at,
    )  # fmt: skip
    uow.session.add(credential)
    uow.session.flush()
    return credential, token


def rotate_api_key(
    uow: UnitOfWork, prefix: str, *, overlap: timedelta, actor: str, now: datetime
) -> tuple[ApiCredential, Token] | None:
    """A new key with the same name, scopes, branches and expiry (shown once); the old one
    keeps working for `overlap` (the integration's time to switch), then expires. None: no
    such key, or it is revoked or expired already."""
    old = uow.session.scalar(
        select(ApiCredential).where(ApiCredential.prefix == prefix).with_for_update()
    )
    if old is None or old.revoked_at is not None or not _still_valid(old.expires_at, now):
        return None
    new, token = create_api_key(
        uow, name=old.name, scopes=list(old.scopes), branches=old.branches,
        expires_at=old.expires_at, actor=actor, now=now,
    )  # fmt: skip
    ends = now + overlap
    old.expires_at = ends if old.expires_at is None else min(aware(old.expires_at), ends)
    return new, token


def _still_valid(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is None or aware(expires_at) > now


def revoke_api_key(uow: UnitOfWork, prefix: str, now: datetime) -> bool:
    credential = uow.session.scalar(select(ApiCredential).where(ApiCredential.prefix == prefix))
    if credential is None:
        return False
    credential.revoked_at = credential.revoked_at or now
    return True


def principal_for(uow: UnitOfWork, token_text: str, now: datetime) -> Principal | None:
    """Who `token_text` stands for now, or None (unknown, wrong, expired, revoked, ended)."""
    token = parse_token(token_text)
    if token is None:
        return None
    if token.kind == "k":
        return _key_principal(uow, token, now)
    if token.kind == "s":
        return _session_principal(uow, token, now)
    return None  # a borrower's session is no staff member's (lms.portal.access)


def _key_principal(uow: UnitOfWork, token: Token, now: datetime) -> Principal | None:
    key = uow.session.scalar(select(ApiCredential).where(ApiCredential.prefix == token.prefix))
    if key is None or not same(key.secret_hash, token.secret) or key.revoked_at is not None:
        return None
    if key.expires_at is not None and aware(key.expires_at) <= now:
        return None
    scopes = frozenset(Permission(scope) for scope in key.scopes)
    branches = None if key.branches is None else frozenset(key.branches)
    return Principal(f"key:{key.name}", scopes, branches)


def _session_principal(uow: UnitOfWork, token: Token, now: datetime) -> Principal | None:
    found = uow.session.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.prefix == token.prefix)
    ).first()
    if found is None:
        return None
    session, user = found
    if not same(session.secret_hash, token.secret) or session.ended_at is not None:
        return None
    if aware(session.expires_at) <= now or aware(session.last_seen_at) + SESSION_IDLE <= now:
        return None
    if not user.active:
        return None
    if now - aware(session.last_seen_at) >= _SEEN_EVERY:
        session.last_seen_at = now
    branches = None if user.branches is None else frozenset(user.branches)
    held = _roles(user.roles)
    return Principal(f"user:{user.username}", _permissions_of(held), branches, user.id)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored as UTC): read them as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
