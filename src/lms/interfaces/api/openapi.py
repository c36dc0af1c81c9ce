"""The API's OpenAPI document with its errors declared: every operation lists the problem+json
answers it can give (400, 401, 403, 404, 409, 413, 422, 500; the public ones without 401 and
403), each with the one `Problem` schema, in place of FastAPI's default validation error.

Guarantee: the document is built once per app and describes what `lms.interfaces.api.errors`
actually sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, and with which field",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Invalid request"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "amount: must be greater than zero"},
        "errors": {
            "type": "array",
            "description": "each field refused and why (validation problems)",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}
_ERRORS = {
    "400": "the request cannot be read",
    "401": "no valid bearer token (sign in, or give an API key)",
    "403": "the caller's roles or scopes do not allow this",
    "404": "no such resource, or one outside the caller's branches",
    "409": "it conflicts with the book's state (already done, closed, the maker's own request)",
    "413": "the body is larger than 16 MiB",
    "422": "a field is invalid; `errors` names each",
    "500": "an error of the server (never expected; reported with its request id)",
}
_PUBLIC_ERRORS = ("400", "404", "409", "413", "422", "500")


def install_openapi(app: FastAPI, public: set[tuple[str, str]]) -> None:
    """Replace `app.openapi` by one that declares the error answers; `public` holds the
    (method, path) of the operations anyone may call."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes, separate_input_output_schemas=False,  # one per model
            )  # fmt: skip
            _declare_errors(schema, public)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _declare_errors(schema: dict[str, Any], public: set[tuple[str, str]]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            codes = _PUBLIC_ERRORS if (method.upper(), path) in public else tuple(_ERRORS)
            answers = operation.setdefault("responses", {})
            for code in codes:
                answers[code] = {"description": _ERRORS[code], "content": problem}
