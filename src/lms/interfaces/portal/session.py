"""Who is using the borrower portal: a borrower's session carried in a cookie, the form token
that proves a form came from our own page, and the language the pages are in.

Guarantees:
- The cookie holds the session token of lms.portal.access (kind "b", never a staff token):
  HttpOnly, SameSite=Lax (so the gateway's return to the portal keeps the borrower signed
  in), Secure on HTTPS, path /my. Staff pages and the API never read it.
- Every page but signing in needs a live session: without one the browser is sent to sign
  in. A loan, request or document of another borrower is answered 404, as if not there.
- Every form that changes something carries `csrf`, a keyed hash of the session token; a
  POST without the right one is refused (403) and writes nothing. The sign-in forms, which
  have no session yet, are refused when the browser says they come from another site.
- The borrower's customer id is the unit of work's actor (`borrower:<id>`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.web.session import same_site
from lms.portal.access import borrower_for

COOKIE = "lms_borrower"
LANG_COOKIE = "lms_lang"
ROOT = "/my"
SIGN_IN = f"{ROOT}/sign-in"
LANGUAGES = ("en", "hi")


class SignInNeededError(Exception):
    """The page needs a signed-in borrower: the browser is sent to sign in."""


def session_token(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if 0 < len(value) <= 200 else None


def form_token(token: str) -> str:
    """The `csrf` value of the forms of the borrower's session with `token`."""
    return hmac.new(token.encode(), b"lms borrower form", hashlib.sha256).hexdigest()[:32]


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if chosen in LANGUAGES else "en"


def borrower(request: Request, uow: UnitOfWorkDep) -> int:
    """The dependency of every page but signing in: the signed-in borrower's customer id."""
    token = session_token(request)
    customer_id = borrower_for(uow, token, datetime.now(UTC)) if token else None
    if customer_id is None:
        raise SignInNeededError
    uow.commit()  # the session's last use, when it moved
    uow.actor = f"borrower:{customer_id}"
    request.state.borrower = customer_id
    return customer_id


def checked_form(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> None:
    """The dependency of every borrower form that changes something."""
    token = session_token(request)
    if token is None or not hmac.compare_digest(csrf, form_token(token)):
        raise HTTPException(403, "this form has expired or did not come from this site")


def open_form(request: Request) -> None:
    """The dependency of the sign-in forms: refused from another site."""
    if not same_site(request):
        raise HTTPException(403, "this form did not come from this site")


Borrower = Annotated[int, Depends(borrower)]
FormChecked = Depends(checked_form)
OpenForm = Depends(open_form)
