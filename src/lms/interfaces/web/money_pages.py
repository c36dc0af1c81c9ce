"""The money files and queues as pages, beside the exceptions queue (lms.interfaces.web.
payment_pages): NACH debits of a date (the presentation file written, the bank's response file
read), bank statements read, UPI payment requests issued, gateway settlements compared with
the book, and refunds (approved or rejected by a second person, the payout file written);
and from a loan's page, a UPI payment request (its link and QR code) and a refund asked for.

Guarantees: each action is the API's service, under the permission the API route needs (a
file of borrowers' accounts only to `bank.files`); a file read is one transaction, and a file
the service refuses is shown on the page with nothing written; the same file again does
nothing twice; every form needs the session's form token.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from lms.identity.service import Principal
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.counter_routes import RefundRequestIn
from lms.interfaces.api.security import principal_of, within_branches
from lms.interfaces.web.loan_pages import drawn, reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.payments.counter import decide_refund, payout_file, request_refund
from lms.payments.models import GatewaySettlement, PaymentLink, Presentation, RefundRequest
from lms.payments.nach import write_presentation_file
from lms.payments.nach_responses import apply_response
from lms.payments.reconcile import import_statement
from lms.payments.upi import payment_request, qr_png
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan

router = APIRouter()
SHOWN = 200
MAX_FILE = 20 * 1024 * 1024  # a day's statement or response file of a large book
REFUSED = (InvalidError, ConflictError, NotFoundError)
_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])


@router.get(f"{ROOT}/payments/files")
def files(
    request: Request, uow: UnitOfWorkDep, who: Staff,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> HTMLResponse:  # fmt: skip
    """NACH debits of a date and the forms that read the banks' files."""
    return _files(request, uow, day or today(uow))


def _files(
    request: Request, uow: UnitOfWorkDep, day: date, status: int = 200, **extra: Any
) -> HTMLResponse:
    debits = uow.session.scalars(
        select(Presentation).where(Presentation.presented_on == day).order_by(Presentation.id)
    )
    return page(request, "money_files.html", status, day=day, debits=list(debits), **extra)


@router.post(f"{ROOT}/payments/nach/presentation-file", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def presentation_file(
    uow: UnitOfWorkDep, who: Staff, day: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """The debit file of a date's presentations not yet sent, downloaded."""
    settings = get_settings()
    name, content = write_presentation_file(
        uow, day=_day(day) or today(uow), sponsor_ifsc=settings.nach_sponsor_ifsc,
        user_code=settings.nach_user_code,
    )  # fmt: skip
    uow.commit()
    return Response(content, media_type="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{name}.txt"'})  # fmt: skip


@router.post(f"{ROOT}/payments/files", dependencies=[FormChecked], response_model=None)
async def read_file(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    kind: Annotated[Literal["nach_response", "statement"], Form()],
    upload: Annotated[UploadFile, File()],
) -> Response:
    """A bank's file read: a NACH response (each debit paid or returned) or a statement
    (MT940 or CAMT.053: credits matched to loans posted, the rest to suspense)."""
    content = await upload.read(MAX_FILE + 1)
    day = today(uow)
    try:
        if len(content) > MAX_FILE:
            raise InvalidError([("upload", f"is larger than {MAX_FILE // 1024 // 1024} MB")])
        uow.origin = "file"
        if kind == "nach_response":
            result: dict[str, Any] = asdict(apply_response(uow, content, posting_date=day))
        else:
            result = asdict(import_statement(uow, content, kind=None, posting_date=day))
        uow.commit()
    except REFUSED as exc:
        uow.session.rollback()
        return _files(request, uow, day, 422, problem=str(exc), kind=kind)
    return _files(request, uow, day, read=result, kind=kind, file_name=upload.filename)


@router.get(f"{ROOT}/payments/upi")
def upi_requests(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    """The UPI payment requests issued lately, newest first."""
    query = select(PaymentLink).order_by(PaymentLink.id.desc()).limit(SHOWN)
    links = uow.session.scalars(_mine(query, PaymentLink.loan_id, who))
    return page(request, "money_upi.html", links=list(links))


@router.get(f"{ROOT}/payments/settlements")
def settlements(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    """Gateway settlement lines as compared with the book: those that differ first."""
    s = GatewaySettlement
    rows = uow.session.scalars(
        select(s).order_by((s.status == "matched"), s.settled_on.desc(), s.id.desc()).limit(SHOWN)
    )
    return page(request, "money_settlements.html", rows=list(rows))


@router.get(f"{ROOT}/payments/refunds")
def refunds(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _refunds(request, uow)


def _refunds(
    request: Request, uow: UnitOfWorkDep, status: int = 200, problem: str = ""
) -> HTMLResponse:
    r = RefundRequest
    query = select(r).order_by((r.status != "requested"), r.id.desc()).limit(SHOWN)
    rows = uow.session.scalars(_mine(query, r.loan_id, principal_of(request)))
    return page(request, "money_refunds.html", status, rows=list(rows), problem=problem)


def _mine(query: _Q, loan_id: InstrumentedAttribute[int], who: Principal) -> _Q:
    """`query` narrowed to the loans of `who`'s branches (all, for those who see every one)."""
    if who.branches is None:
        return query
    return query.join(Loan, Loan.id == loan_id).where(Loan.branch_code.in_(sorted(who.branches)))


@router.post(f"{ROOT}/payments/refunds/{{request_id}}/{{decision}}", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def refund_decision(
    request: Request, uow: UnitOfWorkDep, who: Staff, request_id: int,
    decision: Literal["approve", "reject"], note: Annotated[str, Form(max_length=500)] = "",
) -> Response:  # fmt: skip
    """Approve (the refund is paid from the loan's unapplied funds) or reject; never by the
    person who asked."""
    try:
        asked = uow.session.get(RefundRequest, request_id)
        if asked is None:
            raise NotFoundError("refund request", request_id)
        within_branches(uow, who, {"loan_id": str(asked.loan_id)})
        decide_refund(uow, request_id=request_id, approve=decision == "approve",
                      by=who.actor, day=today(uow), note=note or None)  # fmt: skip
        uow.commit()
    except REFUSED as exc:
        uow.session.rollback()
        return _refunds(request, uow, 409 if isinstance(exc, ConflictError) else 422, str(exc))
    return RedirectResponse(f"{ROOT}/payments/refunds?decided={request_id}", status_code=303)


@router.post(f"{ROOT}/payments/refund-payouts", dependencies=[FormChecked], response_model=None)
def refund_payouts(uow: UnitOfWorkDep, who: Staff) -> Response:
    """The bank's bulk payment file (CSV) of the approved refunds not yet paid."""
    name, content = payout_file(uow, day=today(uow),
                                debit_account=get_settings().disbursement_account)  # fmt: skip
    uow.commit()
    return Response(content, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError([("day", "must be a date, YYYY-MM-DD")]) from None


@router.post(f"{ROOT}/loans/{{loan_id}}/upi-requests", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def upi_request(request: Request, uow: UnitOfWorkDep, who: Staff, loan_id: int) -> Response:
    """A UPI payment request for what the loan owes now: its link and QR code on the page."""
    try:
        link = payment_request(uow, loan_id=loan_id, day=today(uow))
        uow.commit()
    except (ConflictError, NotFoundError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 409, upi_problems=reasons(exc))
    return drawn(request, uow, loan_id, upi=link)


@router.get(f"{ROOT}/upi-requests/{{reference}}/qr.png")
def upi_qr(
    uow: UnitOfWorkDep, who: Staff, reference: Annotated[str, Path(max_length=35)]
) -> Response:
    """The QR code of a UPI payment request (of a loan `who` may see)."""
    link = uow.session.scalar(select(PaymentLink).where(PaymentLink.reference == reference))
    if link is None:
        raise NotFoundError("UPI request", reference)
    within_branches(uow, who, {"loan_id": str(link.loan_id)})
    return Response(qr_png(link.link), media_type="image/png")


@router.post(f"{ROOT}/loans/{{loan_id}}/refund-requests", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def refund_request(
    request: Request, uow: UnitOfWorkDep, who: Staff, loan_id: int,
    amount: Annotated[str, Form(max_length=20)],
    account_holder: Annotated[str, Form(max_length=140)],
    account_number: Annotated[str, Form(max_length=34)],
    ifsc: Annotated[str, Form(max_length=11)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:  # fmt: skip
    """Ask for a refund of the loan's unapplied funds to the borrower's account; a second
    person approves it on the refunds page."""
    form = {"amount": amount, "account_holder": account_holder, "account_number": account_number,
            "ifsc": ifsc, "reason": reason}  # fmt: skip
    try:
        asked = RefundRequestIn.model_validate(form)
        row = request_refund(
            uow, loan_id=loan_id, amount=asked.amount,
            account=(asked.account_holder, asked.account_number, asked.ifsc),
            reason=asked.reason, by=who.actor,
        )  # fmt: skip
        uow.commit()
    except (*REFUSED, ValidationError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, refund_form=form, refund_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?refund={row.id}", status_code=303)
