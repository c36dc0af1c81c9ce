"""Who is using the staff application: a signed-in staff session carried in a cookie, the
permission each page needs, and the form token that proves a form came from our own page.

Guarantees:
- The cookie holds the session token of lms.identity.service.sign_in (the API's bearer
  token, checked the same way, through the same 30-second cache): HttpOnly, SameSite=Strict,
  Secure on HTTPS, path /app. The REST API never reads it (bearer tokens only), so a cookie
  can act only on these pages.
- Every page is in `PAGES` with the permission it needs; a page missing from it is refused
  (fail closed; a test holds every page to the table). Without a valid session a page sends
  the browser to sign in (and back after); without the permission it answers 403.
- Every form that changes something carries `csrf`, a keyed hash of the session token: a POST
  without the right one is refused with 403 and writes nothing. The sign-in form, which has
  no session yet, is refused when the browser says it comes from another site.
- The principal's actor is set on the unit of work: everything a page writes records who.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from lms.identity.roles import Permission
from lms.identity.service import Principal
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.security import VERIFIED, principal_from_token, within_branches

P = Permission
COOKIE = "lms_session"
ROOT = "/app"
SIGN_IN = f"{ROOT}/sign-in"
OPEN = "open"  # pages anyone may see: signing in

# (method, path) of each page: the permission it needs
PAGES: dict[tuple[str, str], Permission | str] = {
    ("GET", "/app/sign-in"): OPEN,
    ("POST", "/app/sign-in"): OPEN,
    ("POST", "/app/sign-out"): P.LOANS_READ,
    ("GET", "/app"): P.LOANS_READ,
    ("GET", "/app/search"): P.LOANS_READ,
    ("GET", "/app/loans"): P.LOANS_READ,
    ("GET", "/app/loans/{loan_id}"): P.LOANS_READ,
    ("GET", "/app/loans/{loan_id}/documents/{name}"): P.LOANS_READ,
    ("POST", "/app/loans/{loan_id}/files"): P.LOANS_WRITE,
    ("GET", "/app/loans/{loan_id}/files/{document_id}"): P.LOANS_READ,
    ("POST", "/app/loans/{loan_id}/payments"): P.PAYMENTS_TAKE,
    ("POST", "/app/loans/{loan_id}/reversals"): P.PAYMENTS_REVERSE,
    ("POST", "/app/loans/{loan_id}/foreclosure"): P.LOANS_CHANGE,
    ("POST", "/app/loans/{loan_id}/rate-changes"): P.LOANS_CHANGE,
    ("POST", "/app/loans/{loan_id}/charges"): P.CHARGES_LEVY,
    ("POST", "/app/loans/{loan_id}/waivers"): P.WAIVERS_REQUEST,
    ("POST", "/app/loans/{loan_id}/write-off"): P.WRITEOFFS_REQUEST,
    ("POST", "/app/loans/{loan_id}/restructures"): P.RESTRUCTURES_REQUEST,
    ("POST", "/app/loans/{loan_id}/moratoria"): P.RESTRUCTURES_REQUEST,
    ("POST", "/app/loans/{loan_id}/settlements"): P.SETTLEMENTS_REQUEST,
    ("POST", "/app/loans/{loan_id}/collateral/release"): P.COLLATERAL_WRITE,
    ("GET", "/app/customers"): P.CUSTOMERS_READ,
    ("GET", "/app/customers/{customer_id}"): P.CUSTOMERS_READ,
    ("GET", "/app/branches"): P.LOANS_READ,
    ("GET", "/app/benchmarks"): P.LOANS_READ,
    ("POST", "/app/benchmarks"): P.CATALOG_WRITE,
    ("GET", "/app/products"): P.LOANS_READ,
    ("GET", "/app/products/{product_id}"): P.LOANS_READ,
    ("POST", "/app/products/{product_id}"): P.CATALOG_WRITE,
    ("GET", "/app/close"): P.REPORTS_READ,
    ("GET", "/app/dashboards"): P.REPORTS_READ,
    ("GET", "/app/risk"): P.REPORTS_READ,
    ("GET", "/app/gold"): P.LOANS_READ,
    ("GET", "/app/colending"): P.REPORTS_READ,
    ("GET", "/app/colending/{code}/statement.csv"): P.REPORTS_READ,
    ("GET", "/app/centres"): P.LOANS_READ,
    ("GET", "/app/centres/{centre_id}"): P.LOANS_READ,
    ("GET", "/app/centres/{centre_id}/sheet"): P.LOANS_READ,
    ("GET", "/app/centres/{centre_id}/sheet.pdf"): P.LOANS_READ,
    ("POST", "/app/centres/{centre_id}/sheet"): P.PAYMENTS_TAKE,
    ("GET", "/app/payments"): P.LOANS_READ,  # each part shown by its own permission
    ("POST", "/app/payments/lines/{line_id}/match"): P.MONEY_FILES,
    ("GET", "/app/payments/files"): P.MONEY_FILES,
    ("POST", "/app/payments/files"): P.MONEY_FILES,
    ("POST", "/app/payments/nach/presentation-file"): P.BANK_FILES,
    ("GET", "/app/payments/upi"): P.PAYMENTS_TAKE,
    ("GET", "/app/payments/settlements"): P.MONEY_FILES,
    ("GET", "/app/payments/refunds"): P.REFUNDS_REQUEST,
    ("POST", "/app/payments/refunds/{request_id}/{decision}"): P.REFUNDS_APPROVE,
    ("POST", "/app/payments/refund-payouts"): P.BANK_FILES,
    ("POST", "/app/loans/{loan_id}/upi-requests"): P.PAYMENTS_TAKE,
    ("GET", "/app/upi-requests/{reference}/qr.png"): P.PAYMENTS_TAKE,
    ("POST", "/app/loans/{loan_id}/refund-requests"): P.REFUNDS_REQUEST,
    ("GET", "/app/users"): P.USERS_ADMIN,
    ("POST", "/app/users"): P.USERS_ADMIN,
    ("POST", "/app/users/{user_id}/deactivation"): P.USERS_ADMIN,
    ("GET", "/app/reports"): P.REPORTS_READ,
    ("GET", "/app/reports/{name}"): P.REPORTS_READ,
    ("POST", "/app/reports/schedules"): P.REPORTS_SCHEDULE,
    ("POST", "/app/reports/schedules/{schedule_id}/cancellation"): P.REPORTS_SCHEDULE,
    ("GET", "/app/dashboards/{name}/export"): P.REPORTS_READ,
    ("POST", "/app/close/failures/{loan_id}/park"): P.CLOSE_RUN,
    ("POST", "/app/close/failures/{loan_id}/retry"): P.CLOSE_RUN,
    ("GET", "/app/collections"): P.LOANS_READ,
    ("GET", "/app/collections/{case_id}"): P.LOANS_READ,
    ("POST", "/app/collections/{case_id}/promises"): P.COLLECTIONS_WORK,
    ("POST", "/app/collections/{case_id}/outcomes"): P.COLLECTIONS_WORK,
    ("POST", "/app/collections/{case_id}/allocation"): P.COLLECTIONS_MANAGE,
    ("POST", "/app/collections/{case_id}/receipts"): P.PAYMENTS_TAKE,
    ("GET", "/app/collections/strategy"): P.LOANS_READ,
    ("POST", "/app/collections/strategy"): P.COLLECTIONS_MANAGE,
    ("POST", "/app/collections/strategy/{step_id}/retirement"): P.COLLECTIONS_MANAGE,
    ("POST", "/app/collections/agents/{username}"): P.COLLECTIONS_MANAGE,
    ("GET", "/app/closures"): P.LOANS_READ,
    ("POST", "/app/closures/{loan_id}"): P.LOANS_WRITE,
    ("GET", "/app/requests"): P.CUSTOMERS_READ,
    ("GET", "/app/requests/{request_id}"): P.CUSTOMERS_READ,
    ("GET", "/app/requests/{request_id}/attachments/{message_id}"): P.CUSTOMERS_READ,
    ("POST", "/app/requests/{request_id}/replies"): P.REQUESTS_ANSWER,
    # the queue shows and decides only the kinds the person may (lms.interfaces.api.changes)
    ("GET", "/app/approvals"): P.LOANS_READ,
    ("POST", "/app/approvals/{approval_id}/{decision}"): P.LOANS_READ,
}


class NotSignedInError(Exception):
    """The page needs a signed-in session: the browser is sent to sign in, then back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def session_token(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if 0 < len(value) <= 200 else None


def form_token(token: str) -> str:
    """The `csrf` value of the forms of the session with `token`."""
    return hmac.new(token.encode(), b"lms staff form", hashlib.sha256).hexdigest()[:32]


def same_site(request: Request) -> bool:
    """Whether the browser's Origin (or Referer) names this server, or names nothing."""
    given = request.headers.get("origin") or request.headers.get("referer")
    if not given or given == "null":
        return given is None
    return urlsplit(given).netloc == request.headers.get("host", "")


def local_path(path: str | None) -> str:
    """`path` if it is a page of this application (so signing in never sends one elsewhere)."""
    if path and path.startswith(ROOT) and not path.startswith("//") and "\\" not in path:
        return path
    return ROOT


async def staff(request: Request, uow: UnitOfWorkDep) -> Principal:
    """The dependency of every page but signing in: the page's permission, the principal."""
    route = str(getattr(request.scope.get("route"), "path", ""))
    needed = PAGES.get((request.method, route))
    token = session_token(request)
    who = VERIFIED.get(token) if token else None
    if who is None and token:
        who = await run_in_threadpool(principal_from_token, request.app.state.sessions, token)
        VERIFIED.put(token, who)
    if who is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedInError(back if request.method == "GET" else ROOT)
    if needed is None or needed == OPEN or not who.may(Permission(needed)):
        raise HTTPException(403, f"{who.actor} may not open this page")
    if who.branches is not None:
        await run_in_threadpool(_within, request, who)
    request.state.principal = who
    uow.actor = who.actor
    return who


def _within(request: Request, who: Principal) -> None:
    from lms.platform.db import UnitOfWork

    with UnitOfWork(request.app.state.sessions) as check:
        within_branches(check, who, dict(request.path_params))


def checked_form(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> None:
    """The dependency of every page that changes something: the form's token is the session's."""
    token = session_token(request)
    if token is None or not hmac.compare_digest(csrf, form_token(token)):
        raise HTTPException(403, "this form has expired or did not come from this application")


def sign_in_redirect(back_to: str) -> str:
    return f"{SIGN_IN}?next={quote(local_path(back_to), safe='/')}"


Staff = Annotated[Principal, Depends(staff)]
FormChecked = Depends(checked_form)
