"""Closure duties as a page: the closed secured loans whose documents are still to be given
back or whose charge is still to be removed, the soonest due first, with the days left or
the days late and the compensation owed so far; and a form to record each act.

Guarantees: a member of staff with branches sees and records only their branches' loans; a
record needs `loans.write` and the session's form token; a refusal is shown on the page,
naming the field, and writes nothing; each record says who made it (audited).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.identity.service import Principal
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.closure_duties import record_release, release_of, releases
from lms.servicing.models import Loan

router = APIRouter()


@router.get(f"{ROOT}/closures")
def closures_page(request: Request, uow: UnitOfWorkDep, who: Staff, done: bool = False) -> (
    HTMLResponse
):  # fmt: skip
    return _drawn(request, uow, who, shown_done=done)


def _drawn(
    request: Request, uow: UnitOfWorkDep, who: Principal, status: int = 200, **extra: Any
) -> HTMLResponse:
    day = today(uow)
    found = releases(uow, today=day, branches=who.branches, pending=not extra.get("shown_done"))
    rate = get_settings().release_delay_compensation
    return page(request, "closures.html", status, rows=found, day=day, rate=rate, **extra)


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError([(field, "is not a date (YYYY-MM-DD)")]) from None


@router.post(f"{ROOT}/closures/{{loan_id}}", dependencies=[FormChecked], response_model=None)
def record(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    returned_on: Annotated[str, Form(max_length=10)] = "",
    charge_removed_on: Annotated[str, Form(max_length=10)] = "",
    extended_because: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Record the documents given back, the charge removed, or the extension; then the list."""
    loan = uow.session.get(Loan, loan_id) if loan_id < 2**31 else None
    if loan is None or release_of(uow, loan_id) is None:
        raise NotFoundError("closed secured loan", loan_id)
    try:
        record_release(
            uow, loan_id=loan_id, today=today(uow), actor=who.actor,
            returned_on=_date(returned_on, "returned_on"),
            charge_removed_on=_date(charge_removed_on, "charge_removed_on"),
            extended_because=extended_because or None,
        )  # fmt: skip
    except (InvalidError, ConflictError) as exc:
        uow.rollback()
        said = "; ".join(f"{f}: {r}" for f, r in exc.problems) if isinstance(
            exc, InvalidError) else str(exc)  # fmt: skip
        return _drawn(request, uow, who, 422, problem=f"{loan.external_id}: {said}")
    uow.commit()
    return RedirectResponse(f"{ROOT}/closures", status_code=303)
