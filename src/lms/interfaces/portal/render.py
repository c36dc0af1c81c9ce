"""The borrower portal's pages, drawn from its own Jinja2 templates: small, mobile-first, no
script, in the borrower's language.

Guarantee: templates autoescape everything they show; every page carries the form token of
the borrower's session (when there is one) and the words of its language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lms.documents import display
from lms.documents.words import kind_of
from lms.interfaces.portal.session import form_token, language, session_token
from lms.interfaces.portal.texts import words

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.filters["rupees"] = lambda value: display.amount(value, rupee=True)


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` filled with `context` and what every page shows."""
    token = session_token(request)
    lang = language(request)
    signed_in = getattr(request.state, "borrower", None) is not None
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"t": words(lang), "lang": lang, "day": lambda d: display.day(d, lang),
         "signed_in": signed_in, "csrf": form_token(token) if token and signed_in else "",
         "kind": lambda line_kind: kind_of(line_kind, lang), "here": request.url.path,
         **context},
        status_code=status,
    )  # fmt: skip


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return page(request, "error.html", status, title=title, detail=detail)
