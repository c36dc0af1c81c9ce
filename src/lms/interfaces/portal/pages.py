"""The borrower portal's sign-in by a one-time code, the home page with each loan, the
borrower's contact details, and the choice of language.

Guarantees: asking for a code answers the same whether or not the details matched; a wrong
code is counted (and commits its count) but opens nothing; the session cookie is set only
after the right code; a refusal is shown on the form, naming what was wrong, and writes
nothing but the count of wrong codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.portal.render import page
from lms.interfaces.portal.session import (
    COOKIE,
    LANG_COOKIE,
    LANGUAGES,
    ROOT,
    Borrower,
    FormChecked,
    OpenForm,
    language,
    session_token,
)
from lms.interfaces.portal.texts import words
from lms.notices.channels import ChannelError
from lms.platform.errors import ConflictError, InvalidError
from lms.portal import access, contact
from lms.portal.overview import summaries
from lms.servicing.models import Customer

router = APIRouter()
CODE_ATTEMPTS_PER_ADDRESS = 20  # codes asked for and typed, from one address
CODE_ATTEMPTS_WINDOW = 900.0  # seconds
T = TypeVar("T")


@router.get(f"{ROOT}/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return page(request, "sign_in.html")


@router.post(f"{ROOT}/sign-in", dependencies=[OpenForm], response_model=None)
def ask_code(
    request: Request,
    uow: UnitOfWorkDep,
    loan_number: Annotated[str, Form(max_length=64)],
    contact: Annotated[str, Form(max_length=254)],
) -> Response:
    """Send a code if the details match; the page to type it on, either way."""
    if busy := _throttled(request):
        return busy
    try:
        challenge = access.ask_sign_in_code(
            uow, loan_number=loan_number, contact=contact, now=datetime.now(UTC)
        )
    except (InvalidError, ConflictError, ChannelError) as exc:
        return page(request, "sign_in.html", 422, refused=refusal(exc),
                    loan_number=loan_number, contact=contact)  # fmt: skip
    uow.commit()
    return page(request, "code.html", challenge=challenge, action=f"{ROOT}/code")


@router.post(f"{ROOT}/code", dependencies=[OpenForm], response_model=None)
def take_code(
    request: Request,
    uow: UnitOfWorkDep,
    challenge: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=12)],
) -> Response:
    """Open a session with the right code; the code page again, saying so, without it."""
    if busy := _throttled(request):
        return busy
    now = datetime.now(UTC)
    token = _by_code(request, uow, challenge, f"{ROOT}/code", lambda: access.sign_in_with_code(
        uow, challenge=challenge, code=code.strip(), now=now))  # fmt: skip
    if not isinstance(token, str):
        return token
    answer = RedirectResponse(ROOT, status_code=303)
    answer.set_cookie(COOKIE, token, httponly=True, samesite="lax", path=ROOT,
                      secure=request.url.scheme == "https",
                      max_age=access.SESSION_HOURS * 3600)  # fmt: skip
    return answer


@router.post(f"{ROOT}/sign-out", dependencies=[FormChecked])
def sign_out(request: Request, uow: UnitOfWorkDep, who: Borrower) -> RedirectResponse:
    token = session_token(request)
    if token:
        access.sign_out(uow, token, datetime.now(UTC))
        uow.commit()
    answer = RedirectResponse(f"{ROOT}/sign-in", status_code=303)
    answer.delete_cookie(COOKIE, path=ROOT)
    return answer


@router.get(ROOT)
def home(request: Request, uow: UnitOfWorkDep, who: Borrower) -> HTMLResponse:
    statuses = {f"status.{s}" for s in ("active", "closed", "written_off", "settled")}
    return page(request, "home.html", loans=summaries(uow, who, today(uow)), statuses=statuses)


@router.get(f"{ROOT}/language")
def choose_language(
    to: Annotated[str, Query(max_length=2)],
    back: Annotated[str, Query(max_length=300)] = ROOT,
) -> RedirectResponse:
    """Pages in `to` (en, hi) from now on; back to the page the borrower was on."""
    answer = RedirectResponse(back if _local(back) else ROOT, status_code=303)
    if to in LANGUAGES:
        answer.set_cookie(LANG_COOKIE, to, samesite="lax", path=ROOT, max_age=365 * 86400)
    return answer


def _local(path: str) -> bool:
    return path.startswith(ROOT) and not path.startswith("//") and "\\" not in path


@router.get(f"{ROOT}/contact")
def contact_page(
    request: Request, uow: UnitOfWorkDep, who: Borrower, done: bool = False
) -> HTMLResponse:
    return _contact(request, uow, who, done=done)


def _contact(
    request: Request, uow: UnitOfWorkDep, who: int, status: int = 200, **extra: object
) -> HTMLResponse:
    customer = uow.session.get(Customer, who)
    assert customer is not None  # the session's foreign key
    return page(request, "contact.html", status, phone=customer.phone, email=customer.email,
                **extra)  # fmt: skip


@router.post(f"{ROOT}/contact", dependencies=[FormChecked], response_model=None)
def ask_contact_code(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    contact_given: Annotated[str, Form(alias="contact", max_length=254)],
) -> Response:
    try:
        challenge = contact.ask_contact_code(
            uow, customer_id=who, contact=contact_given, now=datetime.now(UTC)
        )
    except (InvalidError, ConflictError, ChannelError) as exc:
        uow.rollback()
        return _contact(request, uow, who, 422, refused=refusal(exc))
    uow.commit()
    return page(request, "code.html", challenge=challenge, action=f"{ROOT}/contact/code")


@router.post(f"{ROOT}/contact/code", dependencies=[FormChecked], response_model=None)
def confirm_contact(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    challenge: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=12)],
) -> Response:
    now = datetime.now(UTC)
    done = _by_code(request, uow, challenge, f"{ROOT}/contact/code", lambda: contact.confirm_contact(
        uow, customer_id=who, challenge=challenge, code=code.strip(), now=now) or None)  # fmt: skip
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"{ROOT}/contact?done=true", status_code=303)


def _throttled(request: Request) -> Response | None:
    """The page saying to wait, when the caller's address has asked for or typed codes too
    often lately (whoever it claims to be); None when it may go on (the attempt counted)."""
    address = request.client.host if request.client else ""
    wait = request.app.state.code_attempts.wait(address, time.monotonic())
    if not wait:
        return None
    said = f"too many attempts from your connection; try again in {wait // 60 + 1} minutes"
    return page(request, "sign_in.html", 429, refused=said)


def _by_code(
    request: Request, uow: UnitOfWorkDep, challenge: str, action: str,
    take: Callable[[], T | None],
) -> T | Response:  # fmt: skip
    """What `take` (the check of a typed code) gives; the code page again, saying why, when it
    gives nothing (a wrong, used or expired code: its count is kept) or the borrower is locked
    out."""
    try:
        taken = take()
    except ConflictError as exc:  # locked out
        return page(request, "code.html", 429, refused=str(exc), challenge=challenge,
                    action=action)  # fmt: skip
    uow.commit()  # what the code opened, or the count of a wrong code
    if taken is None:
        wrong = words(language(request))("code.wrong")
        return page(request, "code.html", 422, refused=wrong, challenge=challenge, action=action)
    return taken


def refusal(exc: Exception) -> str:
    """A refusal as the borrower reads it: each field and its reason."""
    if isinstance(exc, InvalidError):
        return "; ".join(f"{field.replace('_', ' ')}: {reason}" for field, reason in exc.problems)
    if isinstance(exc, ChannelError):
        return "we could not send the code just now; please try again in a few minutes"
    return str(exc)
