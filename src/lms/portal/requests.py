"""Borrowers' service requests and complaints: raised from the portal against one of their
loans, answered by staff from their queue against a deadline, each update told to the
borrower by the channels they can be reached on.

Kinds: a part-prepayment, a change of EMI date, a mandate change (eNACH or UPI AutoPay), a
support ticket, and a complaint (grievance). A request is due `LMS_REQUEST_SLA_HOURS` after
it is raised; a complaint within `COMPLAINT_DAYS` (the RBI's Integrated Ombudsman Scheme lets
the borrower escalate a complaint not resolved in 30 days, or one they are not satisfied
with). References: `SR-` (requests) or `GR-` (complaints), the business date (YYMMDD) and the
request's number.

Guarantees: bad input writes nothing and names the field; an attachment is a PDF, PNG or JPEG
(by its first bytes, whatever it is called) of at most `MAX_ATTACHMENT` bytes; nothing is
deleted: a resolved request keeps its messages, and the borrower's reply reopens it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lms.identity.service import aware
from lms.notices.service import queue_notice
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.portal.models import RequestMessage, ServiceRequest
from lms.servicing.models import Loan

KINDS = ("part_prepayment", "emi_date_change", "mandate_change", "support", "complaint")
CATEGORIES = {  # a complaint's topics, and every other request's
    "support": ("payment", "statement", "charges", "documents", "insurance", "other"),
    "complaint": ("charges", "interest", "recovery_conduct", "documents", "service", "other"),
}
COMPLAINT_DAYS = 30
MAX_ATTACHMENT = 2 * 1024 * 1024
_SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png",
               b"\xff\xd8\xff": "image/jpeg"}  # fmt: skip
STATUSES = ("open", "answered", "resolved")


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Raised:
    """What a borrower asks: the kind, its category, a subject and the first message."""

    kind: str
    category: str
    subject: str
    body: str
    attachment: Attachment | None = None


def raise_request(
    uow: UnitOfWork, *, customer_id: int, loan_id: int, asked: Raised, today: date, now: datetime
) -> ServiceRequest:
    """Open the request `asked` on the loan (the caller has checked the borrower may see it)."""
    problems = _problems(asked)
    if problems:
        raise InvalidError(problems)
    prefix = "GR" if asked.kind == "complaint" else "SR"
    due = (timedelta(days=COMPLAINT_DAYS) if asked.kind == "complaint"
           else timedelta(hours=get_settings().request_sla_hours))  # fmt: skip
    request = ServiceRequest(
        reference=f"{prefix}-{secrets.token_hex(8)}", customer_id=customer_id, loan_id=loan_id,
        kind=asked.kind, category=asked.category, subject=asked.subject.strip(),
        status="open", opened_on=today, created_at=now, due_at=now + due,
    )  # fmt: skip
    uow.session.add(request)
    uow.session.flush()
    request.reference = f"{prefix}-{today:%y%m%d}-{request.id:06d}"
    _message(uow, request, f"borrower:{customer_id}", asked.body, asked.attachment, now)
    return request


def _problems(asked: Raised) -> list[tuple[str, str]]:
    problems = []
    if asked.kind not in KINDS:
        problems.append(("kind", f"must be one of {', '.join(KINDS)}"))
    allowed = CATEGORIES["complaint" if asked.kind == "complaint" else "support"]
    if asked.category not in allowed:
        problems.append(("category", f"must be one of {', '.join(allowed)}"))
    if not 3 <= len(asked.subject.strip()) <= 120:
        problems.append(("subject", "must be 3 to 120 characters"))
    problems.extend(_body_problems(asked.body, asked.attachment))
    return problems


def _body_problems(body: str, attachment: Attachment | None) -> list[tuple[str, str]]:
    problems = []
    if not 1 <= len(body.strip()) <= 4000:
        problems.append(("body", "must be 1 to 4,000 characters"))
    if attachment is not None:
        if len(attachment.content) > MAX_ATTACHMENT:
            problems.append(("attachment", "must be at most 2 MB"))
        elif content_type(attachment.content) is None:
            problems.append(("attachment", "must be a PDF, PNG or JPEG file"))
    return problems


def content_type(content: bytes) -> str | None:
    """The media type of a PDF, PNG or JPEG by its first bytes; None for anything else."""
    return next((kind for head, kind in _SIGNATURES.items() if content.startswith(head)), None)


def _message(
    uow: UnitOfWork,
    request: ServiceRequest,
    author: str,
    body: str,
    attachment: Attachment | None,
    now: datetime,
) -> RequestMessage:
    message = RequestMessage(
        request_id=request.id, author=author, body=body.strip(), created_at=now,
        attachment_name=attachment.name[-120:] if attachment else None,
        attachment_type=content_type(attachment.content) if attachment else None,
        attachment=attachment.content if attachment else None,
    )  # fmt: skip
    uow.session.add(message)
    uow.session.flush()
    return message


def borrower_reply(
    uow: UnitOfWork,
    request: ServiceRequest,
    *,
    body: str,
    attachment: Attachment | None,
    now: datetime,
) -> RequestMessage:
    """The borrower's message on their request: it is open again for staff, due within the SLA
    from now (a complaint keeps its 30 days from when it was made)."""
    problems = _body_problems(body, attachment)
    if problems:
        raise InvalidError(problems)
    if request.kind != "complaint":  # answered again within the SLA (a complaint: 30 days)
        request.due_at = now + timedelta(hours=get_settings().request_sla_hours)
    request.status = "open"
    return _message(uow, request, f"borrower:{request.customer_id}", body, attachment, now)


def staff_reply(
    uow: UnitOfWork,
    request: ServiceRequest,
    *,
    actor: str,
    body: str,
    resolve: bool,
    today: date,
    now: datetime,
) -> RequestMessage:
    """A member of staff's answer (`resolve`: and the request is done); the borrower is told."""
    problems = _body_problems(body, None)
    if problems:
        raise InvalidError(problems)
    if request.status == "resolved" and resolve:
        raise ConflictError(f"request {request.reference} is already resolved")
    message = _message(uow, request, actor, body, None, now)
    request.answered_at = request.answered_at or now
    request.status = "resolved" if resolve else "answered"
    if resolve:
        request.resolved_at, request.resolved_by = now, actor
    queue_notice(
        uow,
        loan_id=request.loan_id,
        template="request_update",
        data={"reference": request.reference, "status": request.status},
        day=today,
        customer_id=request.customer_id,
    )  # the one who asked, a co-borrower too
    return message


def requests_of(uow: UnitOfWork, customer_id: int) -> list[ServiceRequest]:
    """The borrower's requests, newest first."""
    return list(uow.session.scalars(
        select(ServiceRequest).where(ServiceRequest.customer_id == customer_id)
        .order_by(ServiceRequest.id.desc())
    ))  # fmt: skip


def request_of(uow: UnitOfWork, request_id: int, customer_id: int | None = None) -> ServiceRequest:
    """Request `request_id` (of the customer, when one is named); NotFoundError otherwise."""
    found = uow.session.get(ServiceRequest, request_id) if 0 < request_id < 2**31 else None
    if found is None or (customer_id is not None and found.customer_id != customer_id):
        raise NotFoundError("request", request_id)
    return found


def messages_of(uow: UnitOfWork, request_id: int) -> list[RequestMessage]:
    return list(uow.session.scalars(
        select(RequestMessage).where(RequestMessage.request_id == request_id)
        .order_by(RequestMessage.id)
    ))  # fmt: skip


def message_on(uow: UnitOfWork, request: ServiceRequest, message_id: int) -> RequestMessage:
    """Message `message_id` of the request; NotFoundError if it is not one of its messages."""
    found = uow.session.get(RequestMessage, message_id) if 0 < message_id < 2**31 else None
    if found is None or found.request_id != request.id:
        raise NotFoundError("message", message_id)
    return found


def may_escalate(request: ServiceRequest, now: datetime) -> bool:
    """Whether a complaint may go to the RBI Integrated Ombudsman: resolved (the borrower may
    not be satisfied), or unresolved `COMPLAINT_DAYS` after it was made."""
    if request.kind != "complaint":
        return False
    return request.status == "resolved" or now >= aware(request.created_at) + timedelta(
        days=COMPLAINT_DAYS
    )


def queue(
    uow: UnitOfWork, *, branches: frozenset[str] | None, status: str | None
) -> list[tuple[ServiceRequest, str]]:
    """Requests for staff, the soonest due first, with their loan's number: those not
    resolved (or those of `status`), of loans in `branches` (None: every branch)."""
    query = (
        select(ServiceRequest, Loan.external_id)
        .join(Loan, Loan.id == ServiceRequest.loan_id)
        .order_by(ServiceRequest.due_at, ServiceRequest.id)
        .limit(500)
    )
    if status is None:
        query = query.where(ServiceRequest.status != "resolved")
    else:
        query = query.where(ServiceRequest.status == status)
    if branches is not None:
        query = query.where(Loan.branch_code.in_(sorted(branches)))
    return [(r, number) for r, number in uow.session.execute(query).all()]
