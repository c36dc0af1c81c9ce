"""`install_portal`: the borrower portal's pages under /my, added to the product's one
FastAPI application (its static files are the staff application's, under /static).

Guarantees: every page answers HTML, errors included; one address may ask for codes and
type them `CODE_ATTEMPTS_PER_ADDRESS` times in `CODE_ATTEMPTS_WINDOW` seconds (per process); a page that needs a borrower sends the
browser to sign in; every route of /my is in `OPEN` or needs a borrower's session (a test
holds every route to that).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from lms.interfaces.api.identity_routes import Attempts
from lms.interfaces.portal import loan_pages, pages, request_pages
from lms.interfaces.portal.pages import CODE_ATTEMPTS_PER_ADDRESS, CODE_ATTEMPTS_WINDOW
from lms.interfaces.portal.render import error_page
from lms.interfaces.portal.session import ROOT, SIGN_IN, SignInNeededError

# the routes of /my anyone may reach: signing in, the language, the gateway's return
OPEN = frozenset({
    ("GET", f"{ROOT}/sign-in"), ("POST", f"{ROOT}/sign-in"), ("POST", f"{ROOT}/code"),
    ("GET", f"{ROOT}/language"), ("POST", f"{ROOT}/gateway/{{name}}/return"),
})  # fmt: skip


def install_portal(app: FastAPI) -> None:
    app.state.code_attempts = Attempts(CODE_ATTEMPTS_PER_ADDRESS, CODE_ATTEMPTS_WINDOW)
    for module in (pages, loan_pages, request_pages):
        app.include_router(module.router, include_in_schema=False)
    app.state.error_pages[f"{ROOT}/"] = error_page

    @app.exception_handler(SignInNeededError)
    async def to_sign_in(_: Request, __: SignInNeededError) -> RedirectResponse:
        return RedirectResponse(SIGN_IN, status_code=303)
