"""The approvals queue as a page: the changes waiting for a second person, of the kinds the
signed-in person may decide, each approved or rejected with a note; and the last decided.

Guarantees: the decision is the API's (lms.interfaces.api.changes.decide_request): the maker
never decides their own request, an approval runs the change on the business date, and a
refusal (by the rule or by the change's own service) is shown on the page with nothing
written. The form needs the session's form token.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.identity.approvals import Approval, pending
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import decidable, decide_request, in_reach
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError

router = APIRouter()
SHOWN = 100


@router.get(f"{ROOT}/approvals")
def approvals(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _drawn(request, uow, who)


def _drawn(
    request: Request, uow: UnitOfWorkDep, who: Staff, status: int = 200, problem: str = ""
) -> HTMLResponse:
    kinds = decidable(who)
    waiting = in_reach(uow, who, pending(uow, kinds=kinds, limit=SHOWN, offset=0))
    done = uow.session.scalars(
        select(Approval)
        .where(Approval.status != "pending", Approval.kind.in_(sorted(kinds)))
        .order_by(Approval.decided_at.desc(), Approval.id.desc())
        .limit(20)
    )
    return page(request, "approvals.html", status, waiting=waiting,
                done=in_reach(uow, who, list(done)), problem=problem)  # fmt: skip


@router.post(f"{ROOT}/approvals/{{approval_id}}/{{decision}}", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def decision(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    approval_id: int,
    decision: Literal["approval", "rejection"],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Approve or reject a request; then the queue."""
    try:
        decide_request(uow, who, approval_id=approval_id, approve=decision == "approval",
                       note=note or None, day=today(uow))  # fmt: skip
        uow.commit()
    except (ConflictError, InvalidError) as exc:
        uow.session.rollback()
        return _drawn(request, uow, who, 409 if isinstance(exc, ConflictError) else 422, str(exc))
    return RedirectResponse(f"{ROOT}/approvals?decided={approval_id}", status_code=303)
