"""Who may call which route: one table from each route to the permission it needs, checked by
one dependency on every router, and the branch a loan or customer route may reach.

Guarantees: a route missing from the table is refused to everyone (fail closed; a test holds
every route to the table); a request without a valid bearer token gets 401, one whose
principal lacks the permission 403, one for a loan or customer of a branch the principal may
not see 404 (its existence is not revealed); the principal's actor is set on the unit of work,
so everything the request writes records who did it. Credentials are bearer tokens in the
`Authorization` header only (no cookie), so a page on another site cannot act for a user.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from lms.identity.roles import Permission
from lms.identity.service import Principal, principal_for
from lms.interfaces.api.app import UnitOfWorkDep
from lms.microfinance.models import Centre, LendingGroup
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer, Loan

P = Permission
PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every table
PUBLIC = "public"  # routes anyone may call: signing in, and webhooks checked by their signature

# (method, path under /api/v1): the permission it needs
ROUTES: dict[tuple[str, str], Permission | str] = {
    ("POST", "/sessions"): PUBLIC,
    ("DELETE", "/sessions/current"): PUBLIC,
    ("GET", "/me"): P.LOANS_READ,
    ("POST", "/users"): P.USERS_ADMIN,
    ("POST", "/api-credentials"): P.USERS_ADMIN,
    ("POST", "/api-credentials/{prefix}/revocation"): P.USERS_ADMIN,
    ("POST", "/api-credentials/{prefix}/rotation"): P.USERS_ADMIN,
    ("GET", "/branches"): P.LOANS_READ,
    ("POST", "/branches"): P.CATALOG_WRITE,
    ("GET", "/products"): P.LOANS_READ,
    ("GET", "/products/{product_id}"): P.LOANS_READ,
    ("GET", "/customers"): P.CUSTOMERS_READ,
    ("GET", "/users"): P.USERS_ADMIN,
    ("POST", "/products"): P.CATALOG_WRITE,
    ("POST", "/benchmarks/{benchmark}/rates"): P.CATALOG_WRITE,
    ("POST", "/customers"): P.CUSTOMERS_WRITE,
    ("GET", "/customers/{customer_id}"): P.CUSTOMERS_READ,
    ("POST", "/customers/{customer_id}/consents"): P.CUSTOMERS_WRITE,
    ("GET", "/customers/{customer_id}/consents"): P.CUSTOMERS_READ,
    ("POST", "/loans"): P.LOANS_WRITE,
    ("GET", "/loans"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/schedule"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/statement"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/kfs.pdf"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/repayments/{event_id}/receipt.pdf"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/foreclosure-quote"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/disbursement"): P.LOANS_WRITE,
    ("POST", "/loans/{loan_id}/tranches"): P.LOANS_WRITE,
    ("POST", "/loans/{loan_id}/top-up"): P.LOANS_WRITE,
    ("POST", "/loans/{loan_id}/rate-changes"): P.LOANS_CHANGE,
    ("POST", "/loans/{loan_id}/foreclosure"): P.LOANS_CHANGE,
    ("POST", "/loans/{loan_id}/repayments"): P.PAYMENTS_TAKE,
    ("POST", "/loans/{loan_id}/prepayments"): P.PAYMENTS_TAKE,
    ("POST", "/loans/{loan_id}/receipts"): P.PAYMENTS_TAKE,
    ("POST", "/loans/{loan_id}/payment-orders"): P.PAYMENTS_TAKE,
    ("POST", "/loans/{loan_id}/upi-requests"): P.PAYMENTS_TAKE,
    ("GET", "/upi-requests/{reference}/qr.png"): P.PAYMENTS_TAKE,
    ("POST", "/loans/{loan_id}/repayments/{event_id}/reversal"): P.PAYMENTS_REVERSE,
    ("GET", "/loans/{loan_id}/charges"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/charges"): P.CHARGES_LEVY,
    ("POST", "/loans/{loan_id}/event-charges"): P.CHARGES_LEVY,
    ("POST", "/loans/{loan_id}/waivers"): P.WAIVERS_REQUEST,
    ("POST", "/loans/{loan_id}/write-off"): P.WRITEOFFS_REQUEST,
    ("POST", "/gold/prices"): P.CATALOG_WRITE,
    ("GET", "/gold/prices"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/collateral"): P.COLLATERAL_WRITE,
    ("GET", "/loans/{loan_id}/collateral"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/collateral/release"): P.COLLATERAL_WRITE,
    ("POST", "/loans/{loan_id}/auction"): P.COLLATERAL_WRITE,
    ("POST", "/securities/prices"): P.CATALOG_WRITE,
    ("POST", "/loans/{loan_id}/securities"): P.COLLATERAL_WRITE,
    ("POST", "/loans/{loan_id}/property"): P.COLLATERAL_WRITE,
    ("POST", "/loans/{loan_id}/property/{property_id}/valuations"): P.COLLATERAL_WRITE,
    ("GET", "/loans/{loan_id}/auction"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/auction/failures"): P.COLLATERAL_WRITE,
    ("POST", "/loans/{loan_id}/auction/sale"): P.COLLATERAL_WRITE,
    ("POST", "/loans/{loan_id}/auction/refund"): P.REFUNDS_APPROVE,
    ("POST", "/households"): P.CUSTOMERS_WRITE,
    ("GET", "/households/{household_id}"): P.CUSTOMERS_READ,
    ("POST", "/households/{household_id}/assessments"): P.CUSTOMERS_WRITE,
    ("POST", "/centres"): P.GROUPS_WRITE,
    ("GET", "/centres"): P.LOANS_READ,
    ("GET", "/centres/{centre_id}"): P.LOANS_READ,
    ("POST", "/centres/{centre_id}/groups"): P.GROUPS_WRITE,
    ("POST", "/groups/{group_id}/loans"): P.GROUPS_WRITE,
    ("GET", "/centres/{centre_id}/sheet"): P.LOANS_READ,
    ("GET", "/centres/{centre_id}/sheet.pdf"): P.LOANS_READ,
    ("POST", "/centres/{centre_id}/meetings"): P.PAYMENTS_TAKE,
    ("POST", "/colending/arrangements"): P.CATALOG_WRITE,
    ("GET", "/colending/arrangements"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/colending"): P.LOANS_WRITE,
    ("GET", "/colending/arrangements/{code}/books"): P.REPORTS_READ,
    ("GET", "/colending/arrangements/{code}/statement"): P.REPORTS_READ,
    ("POST", "/colending/arrangements/{code}/settlements"): P.MONEY_FILES,
    ("POST", "/loans/{loan_id}/restructure-preview"): P.RESTRUCTURES_REQUEST,
    ("POST", "/loans/{loan_id}/restructures"): P.RESTRUCTURES_REQUEST,
    ("POST", "/loans/{loan_id}/moratorium-preview"): P.RESTRUCTURES_REQUEST,
    ("POST", "/loans/{loan_id}/moratoria"): P.RESTRUCTURES_REQUEST,
    ("POST", "/loans/{loan_id}/settlements"): P.SETTLEMENTS_REQUEST,
    ("GET", "/loans/{loan_id}/settlements"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/recovery"): P.LOANS_READ,
    ("POST", "/loans/{loan_id}/refunds"): P.REFUNDS_APPROVE,
    ("POST", "/loans/{loan_id}/refund-requests"): P.REFUNDS_REQUEST,
    ("POST", "/refund-requests/{request_id}/{decision}"): P.REFUNDS_APPROVE,
    ("POST", "/refund-payouts"): P.BANK_FILES,
    ("POST", "/loans/{loan_id}/mandates"): P.MANDATES_WRITE,
    ("POST", "/mandates/{mandate_id}/status"): P.MANDATES_WRITE,
    ("POST", "/mandates/bulk"): P.MANDATES_WRITE,
    ("POST", "/nach/presentation-files"): P.BANK_FILES,
    ("POST", "/nach/responses"): P.MONEY_FILES,
    ("POST", "/statements"): P.MONEY_FILES,
    ("POST", "/webhook-subscriptions"): P.USERS_ADMIN,
    ("GET", "/webhook-subscriptions"): P.USERS_ADMIN,
    ("GET", "/webhook-deliveries/dead"): P.USERS_ADMIN,
    ("POST", "/loans/{loan_id}/documents"): P.LOANS_WRITE,
    ("GET", "/loans/{loan_id}/documents"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/documents/{document_id}"): P.LOANS_READ,
    ("POST", "/customers/{customer_id}/documents"): P.CUSTOMERS_WRITE,
    ("GET", "/customers/{customer_id}/documents"): P.CUSTOMERS_READ,
    ("GET", "/customers/{customer_id}/documents/{document_id}"): P.CUSTOMERS_READ,
    ("GET", "/statement-lines"): P.MONEY_FILES,
    ("POST", "/statement-lines/{line_id}/match"): P.MONEY_FILES,
    ("POST", "/gateways/{name}/settlements"): P.MONEY_FILES,
    ("POST", "/gateways/{name}/webhook"): PUBLIC,
    ("POST", "/channels/sms/delivery"): PUBLIC,  # the gateway's token is checked
    ("GET", "/channels/whatsapp/webhook"): PUBLIC,  # the verify token is checked
    ("POST", "/channels/whatsapp/webhook"): PUBLIC,  # the app secret's signature is checked
    ("POST", "/customers/{customer_id}/contact-preferences"): P.CUSTOMERS_WRITE,
    ("GET", "/collections/cases"): P.LOANS_READ,
    ("GET", "/collections/cases/{case_id}"): P.LOANS_READ,
    ("POST", "/collections/cases/{case_id}/allocation"): P.COLLECTIONS_MANAGE,
    ("POST", "/collections/cases/{case_id}/promises"): P.COLLECTIONS_WORK,
    ("POST", "/collections/cases/{case_id}/outcomes"): P.COLLECTIONS_WORK,
    ("GET", "/collections/strategies"): P.LOANS_READ,
    ("POST", "/collections/strategies"): P.COLLECTIONS_MANAGE,
    ("POST", "/collections/strategies/{step_id}/retirement"): P.COLLECTIONS_MANAGE,
    ("GET", "/collections/agents"): P.COLLECTIONS_MANAGE,
    ("PUT", "/collections/agents/{username}/territory"): P.COLLECTIONS_MANAGE,
    ("PUT", "/collections/agents/{username}/team"): P.COLLECTIONS_MANAGE,
    ("GET", "/collections/tasks"): P.LOANS_READ,
    ("GET", "/loans/{loan_id}/messages"): P.LOANS_READ,
    ("GET", "/receipts/tally"): P.REPORTS_READ,
    ("GET", "/portfolio/summary"): P.REPORTS_READ,
    ("GET", "/dashboards/{name}"): P.REPORTS_READ,
    ("GET", "/reports/{name}"): P.REPORTS_READ,
    # the queue's routes check each request's own kind (lms.interfaces.api.changes)
    ("GET", "/approvals"): P.LOANS_READ,
    ("POST", "/approvals/{approval_id}/{decision}"): P.LOANS_READ,
}

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Verified:
    """The principals of tokens checked in the last `ttl` seconds, in this process: a token is
    looked up in the database once per `ttl`, not on every request (so revoking a key or ending
    a session takes effect within `ttl` in every process, at once in the one that did it)."""

    def __init__(self, ttl: float = 30.0, size: int = 10_000) -> None:
        self._ttl, self._size = ttl, size
        self._known: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        with self._lock:
            found = self._known.get(token)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, token: str, who: Principal | None) -> None:
        if who is None:  # a refusal is not kept: the next try is checked again
            return
        with self._lock:
            if len(self._known) >= self._size:
                self._known.clear()
            self._known[token] = (who, time.monotonic() + self._ttl)

    def forget(self, token: str) -> None:
        with self._lock:
            self._known.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


VERIFIED = Verified()


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def route_path(request: Request) -> str:
    """The path template of the route serving `request`, without the API's prefix."""
    path = str(getattr(request.scope.get("route"), "path", ""))
    return path.removeprefix(PREFIX)


_SCHEME = HTTPBearer(
    auto_error=False,
    bearerFormat="lms token",
    description="A staff session's token (POST /api/v1/sessions) or an integration's API key.",
)


async def authorize(
    request: Request,
    uow: UnitOfWorkDep,
    given: Annotated[HTTPAuthorizationCredentials | None, Depends(_SCHEME)],
) -> Principal | None:
    """The dependency on every router: the route's permission, the caller's principal. It
    runs on the event loop (no thread hop for a token checked in the last `ttl`); a token's
    check and a branch check read the database in a worker thread, each in a short unit of
    work of its own, so the request's own (and, on SQLite, the database's write lock) is not
    taken before the route needs it."""
    needed = ROUTES.get((request.method, route_path(request)))
    for name, value in request.path_params.items():  # an id no row can have is not there
        if name.endswith("_id") and value.isascii() and value.isdigit() and int(value) > MAX_ID:
            raise HTTPException(404, f"no {name.removesuffix('_id')} {value}")
    if needed == PUBLIC:
        return None
    token = given.credentials if given is not None else None
    who = VERIFIED.get(token) if token else None
    sessions = request.app.state.sessions
    if who is None and token:
        who = await run_in_threadpool(principal_from_token, sessions, token)
        VERIFIED.put(token, who)
    if who is None:
        raise HTTPException(401, "sign in, or give an API key, as a bearer token", _CHALLENGE)
    if needed is None or not who.may(Permission(needed)):
        raise HTTPException(403, f"{who.actor} may not {request.method} {request.url.path}")
    if who.branches is not None:
        await run_in_threadpool(_branch_check, sessions, who, dict(request.path_params))
    request.state.principal = who
    uow.actor = who.actor
    return who


def principal_from_token(sessions: sessionmaker[Session], token: str) -> Principal | None:
    with UnitOfWork(sessions) as check:
        who = principal_for(check, token, datetime.now(UTC))
        check.commit()  # a session's last use, when due
    return who


def _branch_check(sessions: sessionmaker[Session], who: Principal, params: dict[str, str]) -> None:
    with UnitOfWork(sessions) as check:
        within_branches(check, who, params)


def within_branches(uow: UnitOfWork, who: Principal, params: dict[str, str]) -> None:
    """A loan, customer, centre or group of a branch `who` may not see is, to them, not
    there."""
    if who.branches is None:
        return
    for name, query in _BRANCH_OF.items():
        value = params.get(name, "")
        if value.isascii() and value.isdigit() and int(value) < 2**31:
            branch = uow.session.scalar(query(int(value)))
            if branch is not None and branch not in who.branches:
                raise HTTPException(404, f"no {name.removesuffix('_id')} {value}")


_BRANCH_OF: dict[str, Callable[[int], Select[str]]] = {
    "loan_id": lambda key: select(Loan.branch_code).where(Loan.id == key),
    "customer_id": lambda key: select(Customer.branch_code).where(Customer.id == key),
    "centre_id": lambda key: select(Centre.branch_code).where(Centre.id == key),
    "group_id": lambda key: (
        select(Centre.branch_code)
        .join(LendingGroup, LendingGroup.centre_id == Centre.id)
        .where(LendingGroup.id == key)
    ),
}


def principal_of(request: Request) -> Principal:
    """The principal `authorize` found for this request (routes that are not public)."""
    who: Principal = request.state.principal
    return who


def visible_branches(request: Request, asked: str | None = None) -> frozenset[str] | None:
    """The branches a list or report may show the caller: the one `asked` for (None: every
    branch), within the caller's own when their roles are branch roles."""
    own = principal_of(request).branches
    wanted = None if asked is None else frozenset({asked})
    if own is None:
        return wanted
    return own if wanted is None else own & wanted


Authorized = Annotated[Principal | None, Depends(authorize)]
