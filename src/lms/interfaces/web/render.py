"""Pages drawn from the Jinja2 templates of the staff application, with what every page needs:
the signed-in person, the form token, the business date, and the filters that write amounts
and dates as Indian lenders do (lms.documents.display).

Guarantee: templates autoescape everything they show (a borrower's name cannot become markup).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lms.documents import display
from lms.interfaces.web.session import form_token, session_token

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.filters["money"] = display.amount
TEMPLATES.env.filters["rupees"] = lambda value: display.amount(value, rupee=True)
TEMPLATES.env.filters["day"] = display.day
TEMPLATES.env.globals["htmx"] = (HERE / "static" / "vendor" / "htmx.min.js").exists()


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` filled with `context` and what every page shows."""
    token = session_token(request)
    who = getattr(request.state, "principal", None)
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"who": who, "csrf": form_token(token) if token and who else "", **context},
        status_code=status,
    )


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    """An error as a page of the application (for its paths; the API answers problem+json)."""
    return page(request, "error.html", status, title=title, detail=detail)
