"""`install_web`: the staff application's pages under /app and its static files under
/static, added to the API's FastAPI application (one server, one process model).

Guarantees: every page answers HTML, errors included (the API's paths keep problem+json); a
page that needs a session sends the browser to sign in; static files are served from the
package (nothing is loaded from another host).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from lms.interfaces.portal.app import install_portal
from lms.interfaces.web import (
    catalog_pages,
    centre_pages,
    charge_pages,
    close_pages,
    closure_pages,
    colending_pages,
    collection_pages,
    dashboard_pages,
    document_pages,
    gold_pages,
    loan_actions,
    loan_pages,
    money_pages,
    pages,
    payment_pages,
    product_pages,
    queue_pages,
    recovery_pages,
    report_pages,
    request_pages,
    restructure_pages,
    risk_pages,
    strategy_pages,
    user_pages,
)
from lms.interfaces.web.render import HERE, error_page
from lms.interfaces.web.session import ROOT, NotSignedInError, sign_in_redirect


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(loan_pages.router, include_in_schema=False)
    app.include_router(loan_actions.router, include_in_schema=False)
    app.include_router(charge_pages.router, include_in_schema=False)
    app.include_router(document_pages.router, include_in_schema=False)
    app.include_router(recovery_pages.router, include_in_schema=False)
    app.include_router(restructure_pages.router, include_in_schema=False)
    app.include_router(queue_pages.router, include_in_schema=False)
    app.include_router(request_pages.router, include_in_schema=False)
    app.include_router(closure_pages.router, include_in_schema=False)
    app.include_router(product_pages.router, include_in_schema=False)
    app.include_router(close_pages.router, include_in_schema=False)
    # before the collections pages: /app/collections/strategy is not a case's number
    app.include_router(strategy_pages.router, include_in_schema=False)
    app.include_router(collection_pages.router, include_in_schema=False)
    app.include_router(dashboard_pages.router, include_in_schema=False)
    app.include_router(risk_pages.router, include_in_schema=False)
    app.include_router(gold_pages.router, include_in_schema=False)
    app.include_router(centre_pages.router, include_in_schema=False)
    app.include_router(colending_pages.router, include_in_schema=False)
    app.include_router(report_pages.router, include_in_schema=False)
    app.include_router(user_pages.router, include_in_schema=False)
    app.include_router(payment_pages.router, include_in_schema=False)
    app.include_router(money_pages.router, include_in_schema=False)
    app.include_router(catalog_pages.router, include_in_schema=False)
    app.state.error_pages = {f"{ROOT}/": error_page}
    install_portal(app)

    @app.exception_handler(NotSignedInError)
    async def to_sign_in(_: Request, exc: NotSignedInError) -> RedirectResponse:
        return RedirectResponse(sign_in_redirect(exc.back_to), status_code=303)

    @app.get("/", include_in_schema=False)
    def front() -> RedirectResponse:
        return RedirectResponse(ROOT, status_code=303)
