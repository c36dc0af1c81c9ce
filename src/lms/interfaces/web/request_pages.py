"""Borrowers' service requests and complaints for staff: the queue, soonest due first, with
the time left on each (or how late it is), and a request's page to read its messages and
answer (or answer and resolve it); the borrower is told of each answer.

Guarantees: a member of staff with branches sees only the requests on loans of their
branches (others are 404); answering needs `requests.answer` and the session's form token;
an empty answer is refused on the page and writes nothing; the answer records who gave it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.identity.service import Principal, aware
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.portal.request_pages import attachment_response
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.portal import requests as rq
from lms.portal.models import ServiceRequest
from lms.servicing.models import Customer, Loan

router = APIRouter()


def time_left(due_at: datetime, now: datetime) -> str:
    """`3 d 4 h left` or `5 h late`: the request's SLA timer as staff read it."""
    gap = aware(due_at) - now
    late = gap < timedelta(0)
    hours = int(abs(gap).total_seconds() // 3600)
    text = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"
    return f"{text} late" if late else f"{text} left"


@router.get(f"{ROOT}/requests")
def queue_page(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    status: Annotated[Literal["open", "answered", "resolved"] | None, Query()] = None,
) -> HTMLResponse:
    now = datetime.now(UTC)
    rows = [(r, number, time_left(r.due_at, now), aware(r.due_at) < now)
            for r, number in rq.queue(uow, branches=who.branches, status=status)]  # fmt: skip
    return page(request, "requests.html", rows=rows, shown=status)


def _in_reach(uow: UnitOfWorkDep, who: Principal, request_id: int) -> tuple[ServiceRequest, Loan]:
    found = rq.request_of(uow, request_id)
    loan = uow.session.get(Loan, found.loan_id)
    assert loan is not None  # the request's foreign key
    if who.branches is not None and loan.branch_code not in who.branches:
        raise NotFoundError("request", request_id)
    return found, loan


@router.get(f"{ROOT}/requests/{{request_id}}")
def request_page(request: Request, uow: UnitOfWorkDep, who: Staff, request_id: int) -> HTMLResponse:
    return _drawn(request, uow, who, request_id)


def _drawn(
    request: Request, uow: UnitOfWorkDep, who: Principal, request_id: int, status: int = 200,
    **extra: Any,
) -> HTMLResponse:  # fmt: skip
    found, loan = _in_reach(uow, who, request_id)
    customer = uow.session.get(Customer, found.customer_id)
    return page(request, "request.html", status, r=found, loan=loan, customer=customer,
                messages=rq.messages_of(uow, found.id),
                left=time_left(found.due_at, datetime.now(UTC)), **extra)  # fmt: skip


@router.post(f"{ROOT}/requests/{{request_id}}/replies", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def answer(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    request_id: int,
    body: Annotated[str, Form(max_length=8000)] = "",
    resolve: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Answer the request (and resolve it, with `resolve`); then its page."""
    found, _ = _in_reach(uow, who, request_id)
    try:
        rq.staff_reply(uow, found, actor=who.actor, body=body, resolve=resolve == "yes",
                       today=today(uow), now=datetime.now(UTC))  # fmt: skip
    except (InvalidError, ConflictError) as exc:
        uow.rollback()
        return _drawn(request, uow, who, request_id, 422, problem=str(exc), body=body)
    uow.commit()
    return RedirectResponse(f"{ROOT}/requests/{request_id}", status_code=303)


@router.get(f"{ROOT}/requests/{{request_id}}/attachments/{{message_id}}")
def attachment(uow: UnitOfWorkDep, who: Staff, request_id: int, message_id: int) -> Response:
    found, _ = _in_reach(uow, who, request_id)
    return attachment_response(rq.message_on(uow, found, message_id))
