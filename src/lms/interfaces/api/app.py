"""`create_app`: the FastAPI application of the REST API, wired to one database.

Guarantees: nothing is built at import time (the engine is made when the app is created); each
request runs in its own unit of work, committed only when the service returned without error
(a route that only reads may read a replica, lms.platform.db.replica);
every error is problem+json (lms.interfaces.api.errors). OpenAPI docs are served at /docs.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from lms import __version__
from lms.interfaces.api.errors import install_error_handlers
from lms.interfaces.api.payment_groups import PaymentGroups
from lms.interfaces.api.probes import RequestIds, install_probes
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.replica import ReadRouter, read_router
from lms.platform.settings import get_settings

# the API's route modules, in the order their routes are matched (imported when an app is made)
ROUTERS = (
    "identity_routes",
    "catalog_routes",
    "routes",
    "payment_routes",
    "nach_routes",
    "counter_routes",
    "read_routes",
    "approval_routes",
    "directory_routes",
    "dashboard_routes",
    "report_routes",
    "charge_routes",
    "channel_routes",
    "collection_routes",
    "strategy_routes",
    "recovery_routes",
    "restructure_routes",
    "document_routes",
    "event_routes",
    "collateral_routes",
    "microfinance_routes",
    "colending_routes",
    "pledge_routes",
)


def create_app(database_url: str) -> FastAPI:
    """The API over the database at `database_url` (already migrated: `lms db upgrade`)."""
    from lms.interfaces.api import identity_routes
    from lms.interfaces.api.openapi import install_openapi
    from lms.interfaces.api.security import PREFIX, PUBLIC, ROUTES, authorize
    from lms.interfaces.web.app import install_web

    # FastAPIOffline serves the Swagger UI and ReDoc assets from its own package: the running
    # product never loads anything from the internet (FastAPI's default /docs uses a CDN).
    engine = make_engine(database_url)
    settings = get_settings()
    sessions = make_session_factory(engine)
    reads, replica = read_router(
        sessions, settings.database_replica_url,
        max_lag=settings.replica_max_lag, retry_after=settings.replica_retry,
    )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()  # the app's connections closed when it stops, not left to the GC
        if replica is not None:
            replica.dispose()

    app: FastAPI = FastAPIOffline(
        title="lms",
        version=__version__,
        description="Open-source loan management system.",
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    app.state.reads = reads
    size = settings.payment_group_size
    app.state.payment_groups = (
        PaymentGroups(app.state.sessions, size=size, calendar_day=business_date) if size else None
    )
    app.state.sign_in_attempts = identity_routes.Attempts(
        identity_routes.SIGN_INS_PER_ADDRESS, identity_routes.SIGN_IN_WINDOW
    )
    install_error_handlers(app)
    install_probes(app)
    app.add_middleware(RequestIds)
    checked = [Depends(authorize)]  # every route: the permission of lms.interfaces.api.security
    for name in ROUTERS:
        module = importlib.import_module(f"lms.interfaces.api.{name}")
        app.include_router(module.router, prefix="/api/v1", dependencies=checked)
    install_openapi(app, {(m, PREFIX + p) for (m, p), needed in ROUTES.items() if needed == PUBLIC})
    install_web(app)
    return app


def app_from_environment() -> FastAPI:
    """The app over $LMS_DATABASE_URL: the factory uvicorn calls in each worker process."""
    return create_app(os.environ["LMS_DATABASE_URL"])


def unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for one request; the route commits it when the service succeeded. Its
    audit records carry the request's id and the caller's address."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with UnitOfWork(sessions) as uow:
        address = request.client.host if request.client else None
        uow.requested(address=address, request_id=getattr(request.state, "request_id", None))
        yield uow


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def read_unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for a request that only reads and may be a few seconds stale: on the
    replica when one answers in time (lms.platform.db.replica), else on the primary; the
    answer says which in its `X-Read-From` header (written by the RequestIds middleware, so
    a page or a file returned whole carries it too)."""
    router: ReadRouter = request.app.state.reads
    sessions, where = router.choose()
    request.state.read_from = where
    uow = UnitOfWork(sessions).__enter__()
    try:
        yield uow
    except DBAPIError as error:  # the replica went away mid-request: asked again, the
        if where != "replica":  # primary answers
            raise
        router.lost(error)
        raise HTTPException(
            503, "the read replica went away; ask again", {"Retry-After": "1"}
        ) from error
    finally:
        _end_read(uow, router, where)


def _end_read(uow: UnitOfWork, router: ReadRouter, where: str) -> None:
    """Close a read's unit of work; a replica that went away after answering costs nothing."""
    try:
        uow.__exit__(None, None, None)
    except DBAPIError as error:
        if where != "replica":
            raise
        router.lost(error)


ReadUnitOfWorkDep = Annotated[UnitOfWork, Depends(read_unit_of_work)]


def today(uow: UnitOfWork) -> date:
    """The lender's business date (kept by the daily close), or, for a book that has not run a
    close yet, the calendar date in the lender's time zone. Money movements are posted on it
    and none may take effect after it."""
    from lms.platform.business_date import business_date as stored

    return stored(uow) or business_date()


def business_date() -> date:
    """Today in the lender's time zone ($LMS_TIMEZONE, default Asia/Kolkata)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()
