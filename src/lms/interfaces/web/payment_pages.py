"""Money coming in, as pages: the exceptions queue of bank statement credits no loan was sure
for (each matched to a loan by hand, which a second person approves) and each collector's
counter receipts of a day.

Guarantees: the match is the API's (lms.interfaces.api.payment_routes.queue_match): queued for
approval, posted only then; a line not in suspense or a loan that does not exist is shown on
the page with nothing written; the forms need the session's form token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.payment_routes import queue_match
from lms.interfaces.api.security import visible_branches
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.payments.counter import day_tally
from lms.payments.reconcile import suspense_lines
from lms.platform.errors import ConflictError, NotFoundError

router = APIRouter()
SHOWN = 200


@router.get(f"{ROOT}/payments")
def payments(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _drawn(request, uow, who)


def _drawn(
    request: Request, uow: UnitOfWorkDep, who: Staff, status: int = 200, problem: str = "",
    day: date | None = None,
) -> HTMLResponse:  # fmt: skip
    on = day or today(uow)
    lines = suspense_lines(uow, limit=SHOWN) if who.may(Permission.MONEY_FILES) else []
    shown = visible_branches(request)
    tally = day_tally(uow, day=on, branches=shown) if who.may(Permission.REPORTS_READ) else []
    return page(request, "payments.html", status, lines=lines, tally=tally, day=on, problem=problem)


@router.post(f"{ROOT}/payments/lines/{{line_id}}/match", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def match(
    request: Request, uow: UnitOfWorkDep, who: Staff, line_id: int,
    loan_id: Annotated[int, Form(ge=1, lt=2**31)],
) -> Response:  # fmt: skip
    """Ask for a suspense line to be posted to a loan; a second person approves it."""
    try:
        queued = queue_match(uow, line_id, loan_id)
    except (NotFoundError, ConflictError) as exc:
        uow.session.rollback()
        return _drawn(request, uow, who, 409 if isinstance(exc, ConflictError) else 404, str(exc))
    return RedirectResponse(f"{ROOT}/approvals?queued={queued.id}", status_code=303)
