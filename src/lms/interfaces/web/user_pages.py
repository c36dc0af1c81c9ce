"""Staff users for administrators: the list, a new user (their authenticator secret shown
once), and deactivation (their sessions end; the user stays, with their name on what they did).

Guarantees: only `users.admin`; each form needs the session's form token; the service's
refusals (a name taken, a short password, a branch role without branches) are shown on the
page, naming the field, with nothing written; a password never appears in a page or a log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.identity.roles import Role
from lms.identity.service import IdentityError, create_user, deactivate_user
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.directory_routes import list_users
from lms.interfaces.api.security import VERIFIED
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.settings import get_settings

router = APIRouter()


@router.get(f"{ROOT}/users")
def users(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _drawn(request, uow)


def _drawn(
    request: Request, uow: UnitOfWorkDep, status: int = 200, **extra: object
) -> HTMLResponse:
    return page(request, "users.html", status, users=list_users(uow), roles=[r.value for r in Role],
                **extra)  # fmt: skip


@router.post(f"{ROOT}/users", dependencies=[FormChecked], response_model=None)
def new_user(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    roles: Annotated[list[str] | None, Form(max_length=10)] = None,
    branches: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Make the user; their authenticator secret, when their roles need one, is shown once."""
    wanted = [b.strip() for b in branches.split(",") if b.strip()] or None
    try:
        user, secret = create_user(
            uow, username=username.strip(), display_name=display_name.strip() or username,
            password=password, roles=roles or [], branches=wanted, actor=who.actor,
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    except IdentityError as exc:
        uow.session.rollback()
        problems = [f"{f}: {r}" for f, r in exc.problems]
        return _drawn(request, uow, 422, problems=problems,
                      form={"username": username, "display_name": display_name,
                            "branches": branches, "roles": roles or []})  # fmt: skip
    uri = None
    if secret:
        issuer = get_settings().lender_name.replace(":", "")
        uri = f"otpauth://totp/{issuer}:{user.username}?secret={secret}&issuer={issuer}"
    return _drawn(request, uow, 201, made=user.username, secret=secret, uri=uri)


@router.post(f"{ROOT}/users/{{user_id}}/deactivation", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def deactivation(request: Request, uow: UnitOfWorkDep, who: Staff, user_id: int) -> Response:
    try:
        deactivate_user(uow, user_id=user_id, actor=who.actor, now=datetime.now(UTC))
        uow.commit()
    except IdentityError as exc:
        uow.session.rollback()
        return _drawn(request, uow, 422, problems=[f"{f}: {r}" for f, r in exc.problems])
    VERIFIED.clear()  # this process forgets every checked token at once (others within 30 s)
    return RedirectResponse(f"{ROOT}/users", status_code=303)
