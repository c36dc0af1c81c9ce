"""A borrower's requests and complaints in the portal: the list with a form for a new one,
each request's messages with a reply form, attachments, and the grievance page (the
lender's grievance and nodal officers, the borrower's complaints, the RBI Ombudsman).

Guarantees: a request, message or attachment of another borrower is 404; a request names
only one of the borrower's own loans; bad input is shown on the form and writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.portal.pages import refusal
from lms.interfaces.portal.render import page
from lms.interfaces.portal.session import ROOT, Borrower, FormChecked
from lms.platform.errors import InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.portal import requests as rq
from lms.portal.access import loans_of, own_loan
from lms.portal.models import RequestMessage
from lms.portal.pay import closing_amount

router = APIRouter()
ASKED = tuple(k for k in rq.KINDS if k != "complaint")  # the requests page's kinds


@router.get(f"{ROOT}/requests")
def requests_page(request: Request, uow: UnitOfWorkDep, who: Borrower) -> HTMLResponse:
    return _requests(request, uow, who)


def _requests(
    request: Request, uow: UnitOfWorkDep, who: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    loans = loans_of(uow, who)
    day = today(uow)
    quotes = [(loan.external_id, closing_amount(uow, loan, day))
              for loan in loans if loan.status == "active"]  # fmt: skip
    extra.setdefault("form", {})
    return page(request, "requests.html", status, requests=rq.requests_of(uow, who), loans=loans,
                kinds=ASKED, categories=rq.CATEGORIES["support"], quotes=quotes, **extra)  # fmt: skip


@router.get(f"{ROOT}/grievance")
def grievance_page(request: Request, uow: UnitOfWorkDep, who: Borrower) -> HTMLResponse:
    return _grievance(request, uow, who)


def _grievance(
    request: Request, uow: UnitOfWorkDep, who: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    settings = get_settings()
    complaints = [r for r in rq.requests_of(uow, who) if r.kind == "complaint"]
    extra.setdefault("form", {})
    return page(request, "grievance.html", status, complaints=complaints,
                loans=loans_of(uow, who), kinds=("complaint",),
                categories=rq.CATEGORIES["complaint"], officer=settings.grievance_officer,
                nodal=settings.nodal_officer, **extra)  # fmt: skip


async def _attachment(upload: UploadFile | None) -> rq.Attachment | None:
    if upload is None or not upload.filename:
        return None
    content = await upload.read(rq.MAX_ATTACHMENT + 1)
    return rq.Attachment(upload.filename, content) if content else None


@router.post(f"{ROOT}/requests", dependencies=[FormChecked], response_model=None)
async def raise_request(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    loan_id: Annotated[int, Form(ge=1, lt=2**31)],
    kind: Annotated[str, Form(max_length=20)],
    category: Annotated[str, Form(max_length=32)],
    subject: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=8000)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Open a request (or a complaint) on one of the borrower's loans; then its page."""
    form = {"loan_id": str(loan_id), "kind": kind, "category": category, "subject": subject,
            "body": body}  # fmt: skip
    try:
        loan = own_loan(uow, who, loan_id)
        asked = rq.Raised(kind, category, subject, body, await _attachment(attachment))
        made = rq.raise_request(uow, customer_id=who, loan_id=loan.id, asked=asked,
                                today=today(uow), now=datetime.now(UTC))  # fmt: skip
    except (InvalidError, NotFoundError) as exc:
        uow.rollback()
        again = _grievance if kind == "complaint" else _requests
        return again(request, uow, who, 422, refused=refusal(exc), form=form)
    uow.commit()
    return RedirectResponse(f"{ROOT}/requests/{made.id}", status_code=303)


@router.get(f"{ROOT}/requests/{{request_id}}")
def request_page(
    request: Request, uow: UnitOfWorkDep, who: Borrower, request_id: int
) -> HTMLResponse:
    return _request(request, uow, who, request_id)


def _request(
    request: Request, uow: UnitOfWorkDep, who: int, request_id: int, status: int = 200,
    **extra: Any,
) -> HTMLResponse:  # fmt: skip
    found = rq.request_of(uow, request_id, who)
    now = datetime.now(UTC)
    return page(request, "request.html", status, r=found, messages=rq.messages_of(uow, found.id),
                me=f"borrower:{who}", escalate=rq.may_escalate(found, now),
                due=f"{found.due_at:%d %b %Y %H:%M} UTC", **extra)  # fmt: skip


@router.post(f"{ROOT}/requests/{{request_id}}/messages", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
async def reply(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    request_id: int,
    body: Annotated[str, Form(max_length=8000)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    found = rq.request_of(uow, request_id, who)
    try:
        rq.borrower_reply(uow, found, body=body, attachment=await _attachment(attachment),
                          now=datetime.now(UTC))  # fmt: skip
    except InvalidError as exc:
        uow.rollback()
        return _request(request, uow, who, request_id, 422, refused=refusal(exc))
    uow.commit()
    return RedirectResponse(f"{ROOT}/requests/{found.id}", status_code=303)


@router.get(f"{ROOT}/requests/{{request_id}}/attachments/{{message_id}}")
def attachment_of(uow: UnitOfWorkDep, who: Borrower, request_id: int, message_id: int) -> Response:
    found = rq.request_of(uow, request_id, who)
    return attachment_response(rq.message_on(uow, found, message_id))


def attachment_response(message: RequestMessage) -> Response:
    """A message's attachment, as a download (never shown inline: it came from outside)."""
    if message.attachment is None:
        raise NotFoundError("attachment", message.id)
    name = "".join(c for c in message.attachment_name or "file" if c.isalnum() or c in ".-_")
    return Response(message.attachment, media_type=message.attachment_type or "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name or "file"}"',
                             "X-Content-Type-Options": "nosniff"})  # fmt: skip
