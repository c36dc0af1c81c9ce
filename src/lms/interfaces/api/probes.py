"""What operators need around the API: a request id on every request and answer (taken from
`X-Request-ID` when the caller sends a sane one), an access log line per request, and the
liveness and readiness probes `/healthz` and `/readyz`.

Guarantees: a body declared larger than 16 MiB is refused (413) before it is read; the access
log names the method, the path (never the query or the body, which
may hold personal data), the status, the time taken, the request id and the actor; `/readyz`
answers 503 (problem+json) while the database cannot be reached. Every answer carries the
security headers (`SECURITY_HEADERS`): nothing sniffed, framed or cached, HTTPS insisted on;
and a content security policy and referrer policy by path (`policies`): the API's answers
allow nothing and send no referrer; the interactive docs' pages, which run the bundled
Swagger UI, allow only this server's own; the staff application's pages only this server's
own files (no inline script or style), and send their origin only to this server.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms.interfaces.api.errors import problem
from lms.platform.settings import get_settings

access_log = logging.getLogger("lms.access")
MAX_BODY = 16 * 1024 * 1024  # the largest request body taken (a month's bank statement fits)
_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# a request id made here: this process's random half and its request count (32 hex digits,
# unique without asking the operating system for randomness on every request)
_PROCESS = secrets.token_hex(8)
_SERIAL = itertools.count(1)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),  # answers may carry personal data
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
_NOTHING = b"default-src 'none'; frame-ancestors 'none'"
_OWN = b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " + (
    b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)
# the staff application's pages: this server's own files only, no inline script or style
_PAGES = b"default-src 'self'; img-src 'self' data:; form-action 'self'; " + (
    b"base-uri 'none'; frame-ancestors 'none'"
)
# (path prefix, content security policy, referrer policy): the staff pages send their origin
# to this server (their forms are checked by it), never elsewhere; the API sends nothing
_POLICIES = (
    (("/docs", "/redoc"), _OWN, b"no-referrer"),
    (("/app", "/static"), _PAGES, b"same-origin"),
)


def policies(path: str) -> tuple[bytes, bytes]:
    """(content security policy, referrer policy) of the answer to `path`."""
    if path.startswith("/my"):
        return _portal(), b"same-origin"
    for prefixes, content, referrer in _POLICIES:
        if path.startswith(prefixes):
            return content, referrer
    return _NOTHING, b"no-referrer"


def _portal() -> bytes:
    """The borrower portal's pages: as the staff pages', but their checkout form may also go
    to the payment gateway's own page."""
    gateway = urlsplit(get_settings().razorpay_url)
    origin = f"{gateway.scheme}://{gateway.netloc}".encode()
    return _PAGES.replace(b"form-action 'self'", b"form-action 'self' " + origin)


class RequestIds:
    """ASGI middleware (no per-request task, unlike Starlette's BaseHTTPMiddleware): the
    request id in `request.state.request_id` and the answer's `X-Request-ID` (and
    `X-Read-From` for a read that chose a database), then the access log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > MAX_BODY:
            await _too_large(scope, receive, send)
            return
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE.match(given) else f"{_PROCESS}{next(_SERIAL):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                content, referrer = policies(scope["path"])
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS,
                                      (b"content-security-policy", content),
                                      (b"referrer-policy", referrer),
                                      (b"x-request-id", request_id.encode())]  # fmt: skip
                read_from = scope["state"].get("read_from")  # lms.platform.db.replica
                if read_from:
                    message["headers"].append((b"x-read-from", read_from.encode()))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            principal: Any = scope["state"].get("principal")
            access_log.info(
                "%s %s %d %.1fms %s %s", scope["method"], scope["path"], status[0],
                (time.perf_counter() - started) * 1000, request_id,
                getattr(principal, "actor", "-"),
            )  # fmt: skip


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    answer = problem(413, "Content too large", f"a request body may hold {MAX_BODY} bytes at most")
    await answer(scope, receive, send)


def install_probes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        try:
            with request.app.state.sessions() as session:
                session.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database: not ready
            return problem(503, "Service unavailable", "the database cannot be reached")
        return JSONResponse({"status": "ready"})
