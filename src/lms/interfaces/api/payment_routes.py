"""REST routes of bank statements and the suspense queue: thin, as the other routes.

Guarantee: a route commits only after its service returned; an import is one transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import ApprovalOut, queue
from lms.interfaces.api.errors import problem
from lms.interfaces.api.schemas import RequestBody
from lms.payments.gateway import PaymentGateway, gateway_named
from lms.payments.gateway_service import (
    SignatureError,
    create_payment_order,
    import_settlement,
    receive_webhook,
)
from lms.payments.models import PaymentLink, StatementLine
from lms.payments.reconcile import import_statement, suspense_lines
from lms.payments.upi import payment_request, qr_png
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Loan

router = APIRouter()


@router.post("/statements", status_code=status.HTTP_201_CREATED)
async def upload_statement(
    request: Request,
    uow: UnitOfWorkDep,
    response: Response,
    format: Annotated[Literal["mt940", "camt053"] | None, Query()] = None,
) -> dict[str, object]:
    """Import a bank statement (the file as the request body, MT940 or CAMT.053): credits
    matched to loans are posted, the rest wait in suspense. The same file again: 200, nothing
    done."""
    content = await request.body()
    uow.origin = "file"
    result = import_statement(uow, content, kind=format, posting_date=today(uow))
    uow.commit()
    if result.repeated:
        response.status_code = status.HTTP_200_OK
    return asdict(result)


class OrderIn(RequestBody):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    gateway: Literal["razorpay"] = "razorpay"


@router.post("/loans/{loan_id}/payment-orders", status_code=status.HTTP_201_CREATED)
def create_order(loan_id: int, body: OrderIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """An order at the payment gateway for a repayment of the loan (the borrower pays it at
    the gateway's checkout; its webhook posts the repayment)."""
    order = create_payment_order(
        uow, gateway_named(body.gateway), loan_id=loan_id, amount=body.amount
    )
    uow.commit()
    return {"order_ref": order.order_ref, "gateway": order.gateway, "loan_id": loan_id,
            "amount": str(order.amount.quantize(Decimal("0.01"))), "receipt": order.receipt}  # fmt: skip


@router.post("/gateways/{name}/webhook")
async def gateway_webhook(name: str, request: Request, uow: UnitOfWorkDep) -> Response:
    """A gateway's webhook: verified by its signature (401 if it does not verify, nothing
    written), each event taken once, each payment posted once."""
    gateway = _gateway(name)
    body = await request.body()
    try:
        result = receive_webhook(
            uow, gateway, body=body,
            signature=request.headers.get(gateway.signature_header, ""),
            event_id=request.headers.get(gateway.event_header), posting_date=today(uow),
        )  # fmt: skip
    except SignatureError as exc:
        return problem(401, "Unauthorized", str(exc))
    uow.commit()
    return JSONResponse(asdict(result))


@router.post("/gateways/{name}/settlements")
async def gateway_settlement(name: str, request: Request, uow: UnitOfWorkDep) -> dict[str, object]:
    """A gateway's settlement report (its file as the body, signed by the gateway in its
    signature header): each payment compared with the book, the fees it kept booked; the same
    report again adds nothing. Unsigned, forged or implausible: 422, nothing written."""
    gateway = _gateway(name)
    signature = request.headers.get(gateway.signature_header, "")
    try:
        result = import_settlement(
            uow, gateway, content=await request.body(), signature=signature,
            posting_date=today(uow),
        )  # fmt: skip
    except SignatureError as exc:
        raise InvalidError([(gateway.signature_header, str(exc))]) from None
    uow.commit()
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(result).items()}


def _gateway(name: str) -> PaymentGateway:
    try:
        return gateway_named(name)
    except KeyError:
        raise NotFoundError("gateway", name) from None


@router.post("/loans/{loan_id}/upi-requests", status_code=status.HTTP_201_CREATED)
def upi_request(loan_id: int, uow: UnitOfWorkDep) -> dict[str, object]:
    """A UPI payment request for what the loan owes now (or its next installment), less what
    it already holds: the `upi://pay` link and where its QR code is; the same request again
    returns the first. 409 if the loan owes nothing."""
    link = payment_request(uow, loan_id=loan_id, day=today(uow))
    uow.commit()
    return {"reference": link.reference, "amount": str(link.amount.quantize(Decimal("0.01"))),
            "due_date": link.due_date.isoformat() if link.due_date else None, "link": link.link,
            "qr": f"/api/v1/upi-requests/{link.reference}/qr.png"}  # fmt: skip


@router.get("/upi-requests/{reference}/qr.png")
def upi_qr(reference: str, uow: UnitOfWorkDep) -> Response:
    """The QR code of a UPI payment request, as a PNG image."""
    link = uow.session.scalar(select(PaymentLink.link).where(PaymentLink.reference == reference))
    if link is None:
        raise NotFoundError("UPI request", reference)
    return Response(qr_png(link), media_type="image/png")


@router.get("/statement-lines")
def statement_lines(
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, object]]:
    """The suspense queue: credits no loan was sure for, oldest first, with any suggestion;
    one page of at most `limit` lines from `offset`."""
    return [_shown(line) for line in suspense_lines(uow, limit=limit, offset=offset)]


class MatchIn(RequestBody):
    loan_id: int = Field(gt=0)


@router.post("/statement-lines/{line_id}/match", status_code=status.HTTP_202_ACCEPTED)
def match_line(line_id: int, body: MatchIn, uow: UnitOfWorkDep) -> ApprovalOut:
    """Name the loan a suspense line pays; once another person approves, it is posted as the
    loan's repayment on the line's value date (404: no such line or loan; 409: the line is
    not in suspense)."""
    return queue_match(uow, line_id, body.loan_id)


def queue_match(uow: UnitOfWork, line_id: int, loan_id: int) -> ApprovalOut:
    """Queue (committed) the match of suspense line `line_id` to loan `loan_id` for a second
    person's approval; 404 for no such line or loan, 409 for a line not in suspense."""
    line = uow.session.get(StatementLine, line_id) if line_id < 2**31 else None
    if line is None:
        raise NotFoundError("statement line", line_id)
    if line.status != "suspense":
        raise ConflictError(f"statement line {line_id} is {line.status}, not in suspense")
    if loan_id >= 2**31 or uow.session.get(Loan, loan_id) is None:
        raise NotFoundError("loan", loan_id)
    subject = f"statement line {line_id} ({line.amount:.2f}) to loan {loan_id}"
    return queue(uow, kind="statement_match", subject=subject,
                 request={"line_id": line_id, "loan_id": loan_id})  # fmt: skip


def _shown(line: StatementLine) -> dict[str, object]:
    return {
        "id": line.id,
        "value_date": line.value_date.isoformat(),
        "amount": str(line.amount.quantize(line.amount.__class__("0.01"))),
        "reference": line.reference,
        "bank_reference": line.bank_reference,
        "narration": line.narration,
        "payer_name": line.payer_name,
        "status": line.status,
        "loan_id": line.loan_id,
        "suggested_loan_id": line.suggested_loan_id,
        "rule": line.rule,
        "confidence": line.confidence,
        "note": line.note,
        "resolved_by": line.resolved_by,
    }
