"""Signing in and out, who am I, and the administration of staff users and API credentials,
under /api/v1. Thin: each handler validates the body, calls one identity service, commits.

A refused sign-in is 401 whatever the reason (unknown user, wrong password or code, locked);
the reason goes to the log, not to the caller. Tokens are shown once, when made. One address
may try to sign in `SIGN_INS_PER_ADDRESS` times in `SIGN_IN_WINDOW` (per app), then gets
429 with Retry-After: guessing across many usernames is slowed as well as per-user lockout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import Field

from lms.identity import service
from lms.identity.service import Principal
from lms.identity.tokens import totp_uri
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.schemas import RequestBody
from lms.interfaces.api.security import VERIFIED, bearer, principal_of

router = APIRouter()
log = logging.getLogger("lms.identity")
Name = Annotated[str, Field(min_length=1, max_length=56, pattern=r"^[A-Za-z0-9._@-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=120)]
Secret = Annotated[str, Field(min_length=1, max_length=256)]
Branches = list[Annotated[str, Field(min_length=1, max_length=16)]] | None


class SignInIn(RequestBody):
    username: Name
    password: Secret
    code: Annotated[str | None, Field(max_length=10)] = None  # the TOTP code


class UserIn(RequestBody):
    username: Name
    display_name: Text
    password: Secret
    roles: list[Annotated[str, Field(max_length=32)]]
    branches: Branches = None


class ApiKeyIn(RequestBody):
    name: Name
    scopes: list[Annotated[str, Field(max_length=32)]]
    branches: Branches = None
    expires_at: datetime | None = None


class ApiKeyRotationIn(RequestBody):
    # how long the old key keeps working, for the integration to switch to the new one
    overlap_hours: int = Field(default=24, ge=0, le=168)


SIGN_INS_PER_ADDRESS = 30
SIGN_IN_WINDOW = 300.0  # seconds


class Attempts:
    """Sign-in attempts per address in a sliding window, in this process."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, address: str, now: float) -> int:
        """Seconds `address` must wait before trying again (0: it may try now; counted)."""
        with self._lock:
            seen = self._seen.setdefault(address, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return int(seen[0] + self.window - now) + 1
            seen.append(now)
            if len(self._seen) > 100_000:  # addresses long quiet: forgotten
                self._seen = {
                    a: q for a, q in self._seen.items() if q and q[-1] > now - self.window
                }
            return 0


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def sign_in(body: SignInIn, request: Request, uow: UnitOfWorkDep) -> dict[str, object]:
    origin = request.client.host if request.client else ""
    attempts: Attempts = request.app.state.sign_in_attempts
    wait = attempts.wait(origin, time.monotonic())
    if wait:
        raise HTTPException(
            429, f"too many sign-in attempts: wait {wait} s", {"Retry-After": str(wait)}
        )
    outcome = service.sign_in(
        uow, username=body.username, password=body.password, code=body.code,
        origin=origin, now=_now(),
    )  # fmt: skip
    uow.audit("sign_in" if outcome.token else "sign_in_refused", "users", body.username)
    uow.commit()  # a refusal counts towards the lockout
    if outcome.token is None:
        log.info("sign-in refused for %s from %s: %s", body.username, origin, outcome.refused)
        raise HTTPException(401, "not signed in: wrong username, password or code, or locked")
    return {"token": str(outcome.token), "expires_at": outcome.expires_at}


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, uow: UnitOfWorkDep) -> None:
    token = bearer(request)
    if token:
        service.sign_out(uow, token, _now())
        uow.commit()
        VERIFIED.forget(token)


Who = Annotated[Principal, Depends(principal_of)]


@router.get("/me")
def me(who: Who) -> dict[str, object]:
    branches = None if who.branches is None else sorted(who.branches)
    return {"actor": who.actor, "permissions": sorted(who.permissions), "branches": branches}


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, uow: UnitOfWorkDep, who: Who) -> dict[str, object]:
    """A staff user; for a role that moves money, the TOTP secret to enrol (shown once)."""
    user, secret = service.create_user(uow, **body.model_dump(), actor=who.actor, now=_now())
    uow.commit()
    enrol = None if secret is None else {"secret": secret, "uri": totp_uri(secret, user.username)}
    return {"id": user.id, "username": user.username, "roles": user.roles, "totp": enrol}


@router.post("/api-credentials", status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyIn, uow: UnitOfWorkDep, who: Who) -> dict[str, object]:
    """A key for an integration (shown once): its scopes within the integration role's."""
    key, token = service.create_api_key(uow, **body.model_dump(), actor=who.actor, now=_now())
    uow.commit()
    return {"prefix": key.prefix, "key": str(token), "scopes": key.scopes,
            "expires_at": key.expires_at}  # fmt: skip


@router.post("/api-credentials/{prefix}/rotation", status_code=status.HTTP_201_CREATED)
def rotate_api_key(
    prefix: Annotated[str, Field(max_length=16)],
    body: ApiKeyRotationIn,
    uow: UnitOfWorkDep,
    who: Who,
) -> dict[str, object]:
    """A new key for the same integration (shown once); the old one expires after the overlap."""
    overlap = timedelta(hours=body.overlap_hours)
    made = service.rotate_api_key(uow, prefix, overlap=overlap, actor=who.actor, now=_now())
    if made is None:
        raise HTTPException(404, f"no API credential {prefix} in use")
    uow.commit()
    VERIFIED.clear()  # the old key's expiry changed: check every token again
    key, token = made
    return {"prefix": key.prefix, "key": str(token), "scopes": key.scopes,
            "expires_at": key.expires_at, "replaces": prefix}  # fmt: skip


@router.post("/api-credentials/{prefix}/revocation")
def revoke_api_key(
    prefix: Annotated[str, Field(max_length=16)], uow: UnitOfWorkDep
) -> dict[str, object]:
    if not service.revoke_api_key(uow, prefix, _now()):
        raise HTTPException(404, f"no API credential {prefix}")
    uow.commit()
    VERIFIED.clear()  # the key's tokens are not known here by prefix: check every token again
    return {"prefix": prefix, "revoked": True}
