"""One mapping from domain errors to RFC 9457 problem+json responses.

Guarantee: every error the API returns is `application/problem+json` with a type, title,
status and detail; validation problems also list each field and its reason under `errors`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lms.core.replay import ReplayError
from lms.ledger.rules import LedgerError
from lms.platform.errors import ConflictError, DomainError, InvalidError, NotFoundError

PROBLEM = "application/problem+json"


def answer(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
) -> Response:
    """The error as problem+json, or as a page of the staff application or the borrower
    portal for their paths (`app.state.error_pages`: a path prefix, its error page)."""
    path = request.url.path + "/"
    for prefix, page in getattr(request.app.state, "error_pages", {}).items():
        if path.startswith(prefix):
            return page(request, status, title, detail)  # type: ignore[no-any-return]
    return problem(status, title, detail, errors)


def problem(
    status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Content too large",
    415: "Unsupported media type", 422: "Invalid request", 429: "Too many requests",
}  # fmt: skip


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        response = answer(request, exc.status_code, title, detail)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
                "reason": e["msg"],
            }
            for e in exc.errors()
        ]
        return answer(
            request,
            422,
            "Invalid request",
            "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
            errors,
        )

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFoundError):
            return answer(request, 404, "Not found", str(exc))
        if isinstance(exc, InvalidError):
            errors = [{"field": f, "reason": r} for f, r in exc.problems]
            return answer(request, 422, "Invalid request", str(exc), errors)
        if isinstance(exc, ConflictError):
            return answer(request, 409, "Conflict", str(exc))
        return answer(request, 400, "Bad request", str(exc))

    _install_storage_handlers(app)


def _install_storage_handlers(app: FastAPI) -> None:
    """What the ledger, the replay and the database refuse, as the caller's kind of answer."""

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, exc: LedgerError) -> Response:
        return answer(request, 409, "Ledger conflict", str(exc))

    @app.exception_handler(ReplayError)
    async def replay_error(request: Request, exc: ReplayError) -> Response:
        return answer(request, 409, "Conflict with the loan's history", str(exc))

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def unstorable(request: Request, exc: Exception) -> Response:
        # a value no column can hold (a number too large, a NUL character in a query): the
        # database refused it and nothing was written
        return answer(
            request, 422, "Invalid request",
            "a value is out of range or holds a character not allowed",
        )  # fmt: skip

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # a concurrent request wrote the same unique key first; nothing of this one was kept
        return answer(
            request, 409, "Conflict", "a concurrent request made the same change; retry to see it"
        )
