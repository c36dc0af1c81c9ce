"""A borrower's loan in the portal: its page, paying it (UPI or the payment gateway), the
gateway's return to the portal, and its documents as PDF.

Guarantees: every route reads the loan through `own_loan`, so another borrower's loan,
payment request or document is 404; paying writes only the payment request or the gateway
order (the money is posted by the gateway's signed webhook or the bank statement); the
gateway's return changes nothing and is believed only with its signature.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.colending.service import kfs_terms
from lms.documents import certificates
from lms.documents.certificates_pdf import year_of
from lms.documents.filing import Filing, file_document, file_name, listed, read
from lms.documents.service import loan_kfs, payment_receipt, statement_document
from lms.documents.store import blob_store
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.portal.pages import refusal
from lms.interfaces.portal.render import page
from lms.interfaces.portal.session import ROOT, Borrower, FormChecked
from lms.payments.gateway import GatewayError, gateway_named
from lms.payments.gateway_service import create_payment_order
from lms.payments.models import PaymentLink, PaymentOrder
from lms.payments.upi import qr_png
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.portal import pay
from lms.portal.access import own_loan
from lms.portal.overview import detail
from lms.servicing.closure_duties import release_of

router = APIRouter()
# the documents a borrower takes from the portal that are kept as issued, by their kind
ISSUED = {"statement": "statement", "kfs": "kfs", "interest-certificate": "certificate",
          "no-dues": "certificate", "receipt": "receipt"}  # fmt: skip
GATEWAY = "razorpay"
LINES_SHOWN = 36  # transactions on the loan's page (a long loan's would pass the page budget)


@router.get(f"{ROOT}/loans/{{loan_id}}")
def loan_page(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    loan_id: int,
    paying: Annotated[Literal["received", "posted"] | None, Query()] = None,
) -> HTMLResponse:
    loan = own_loan(uow, who, loan_id)
    day = today(uow)
    first = year_of(loan.disbursed_on or day)
    years = list(range(year_of(day), first - 1, -1))
    files = [f for f in listed(uow, loan_id=loan.id) if f.purged_on is None]
    return page(request, "loan.html", d=detail(uow, loan, who, day), today=day, years=years,
                paying=paying, shown=LINES_SHOWN, release=release_of(uow, loan.id),
                files=files)  # fmt: skip


@router.get(f"{ROOT}/loans/{{loan_id}}/pay")
def pay_page(request: Request, uow: UnitOfWorkDep, who: Borrower, loan_id: int) -> HTMLResponse:
    loan = own_loan(uow, who, loan_id)
    return page(request, "pay.html", loan=loan, can=pay.payable(uow, loan, today(uow)))


@router.post(f"{ROOT}/loans/{{loan_id}}/pay", dependencies=[FormChecked], response_model=None)
def pay_now(
    request: Request,
    uow: UnitOfWorkDep,
    who: Borrower,
    loan_id: int,
    choice: Annotated[str, Form(max_length=12)],
    method: Annotated[str, Form(max_length=8)],
    amount: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The UPI request (link and QR code) or the gateway's checkout for the chosen amount."""
    loan = own_loan(uow, who, loan_id)
    day = today(uow)
    try:
        if method not in pay.METHODS:
            raise InvalidError([("method", f"must be one of {', '.join(pay.METHODS)}")])
        wanted = pay.amount_of(uow, loan, choice, amount, day)
        if method == "upi":
            link = pay.upi_request(uow, loan, choice, wanted, day)
            uow.commit()
            return page(request, "upi.html", loan=loan, link=link)
        gateway = gateway_named(GATEWAY)
        purpose = "foreclosure" if choice == "foreclosure" else None
        order = create_payment_order(uow, gateway, loan_id=loan.id, amount=wanted, purpose=purpose)
        back = str(request.url_for("gateway_return", name=GATEWAY))
        url, fields = gateway.checkout(order.order_ref, description=loan.external_id, back=back)
        uow.commit()
        return page(request, "checkout.html", order=order, url=url, fields=fields)
    except (InvalidError, ConflictError, GatewayError) as exc:
        uow.rollback()
        return page(request, "pay.html", 422, loan=loan, can=pay.payable(uow, loan, day),
                    refused=refusal(exc), amount=amount)  # fmt: skip


@router.get(f"{ROOT}/loans/{{loan_id}}/upi/{{reference}}.png")
def upi_qr(uow: UnitOfWorkDep, who: Borrower, loan_id: int, reference: str) -> Response:
    loan = own_loan(uow, who, loan_id)
    link = uow.session.scalar(
        select(PaymentLink).where(PaymentLink.reference == reference[:35],
                                  PaymentLink.loan_id == loan.id)
    )  # fmt: skip
    if link is None:
        raise NotFoundError("payment request", reference)
    return Response(qr_png(link.link), media_type="image/png")


@router.post(f"{ROOT}/gateway/{{name}}/return", name="gateway_return")
def gateway_return(
    uow: UnitOfWorkDep,
    name: str,
    razorpay_order_id: Annotated[str, Form(max_length=64)] = "",
    razorpay_payment_id: Annotated[str, Form(max_length=64)] = "",
    razorpay_signature: Annotated[str, Form(max_length=128)] = "",
) -> RedirectResponse:
    """Where the gateway's checkout sends the borrower back: to the loan, saying the payment
    is with the gateway (or already posted) when the gateway's signature says it was paid."""
    if name != GATEWAY:
        raise NotFoundError("gateway", name)
    order = uow.session.scalar(
        select(PaymentOrder).where(PaymentOrder.gateway == name,
                                   PaymentOrder.order_ref == razorpay_order_id)
    )  # fmt: skip
    if order is None:
        return RedirectResponse(ROOT, status_code=303)
    signed = gateway_named(name).checkout_signed(
        razorpay_order_id, razorpay_payment_id, razorpay_signature
    )
    said = ("posted" if order.status == "paid" else "received") if signed else None
    target = f"{ROOT}/loans/{order.loan_id}" + (f"?paying={said}" if said else "")
    return RedirectResponse(target, status_code=303)


@router.get(f"{ROOT}/loans/{{loan_id}}/documents/{{name}}", response_model=None)
def document(
    uow: UnitOfWorkDep, who: Borrower, loan_id: int, name: str,
    since: date | None = None, until: date | None = None,
    fy: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    event: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
    lang: Literal["en", "hi"] = "en",
) -> Response:  # fmt: skip
    """The loan's documents as PDF: its statement for a period, schedule, KFS, interest
    certificate for a financial year, no-dues certificate (closed loans), a receipt."""
    loan = own_loan(uow, who, loan_id)
    day = today(uow)
    if name == "statement":
        start, end = since or loan.disbursed_on or day, min(until or day, day)
        if start > end:
            raise InvalidError([("since", "must be on or before the end of the period")])
        content = statement_document(uow, loan_id=loan.id, since=start, as_of=end, lang=lang)
    elif name == "schedule":
        content = certificates.loan_schedule_document(uow, loan_id=loan.id, as_of=day, lang=lang)
    elif name == "kfs":
        content = loan_kfs(uow, loan_id=loan.id, lang=lang, colending=kfs_terms(uow, loan.id))
    elif name == "interest-certificate":
        year = fy if fy is not None else year_of(day)
        content = certificates.interest_certificate(
            uow, loan_id=loan.id, fy_start_year=year, as_of=day, lang=lang
        )
    elif name == "no-dues":
        content = certificates.no_dues_certificate(uow, loan_id=loan.id, lang=lang, issued_on=day)
    elif name == "receipt" and event is not None:
        content = payment_receipt(uow, loan_id=loan.id, event_id=event, lang=lang)
    else:
        raise NotFoundError("document", name)
    if name in ISSUED:  # kept with the loan's documents, as issued to the borrower
        filing = Filing(
            ISSUED[name], f"{name} ({lang})", content, "application/pdf", loan_id=loan.id
        )
        file_document(
            uow, blob_store(), filing, actor=uow.actor or "borrower", today=day, issued=True
        )
        uow.commit()
    filename = f"{name}-{loan.id}{'-hi' if lang == 'hi' else ''}.pdf"
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@router.get(f"{ROOT}/loans/{{loan_id}}/files/{{document_id}}", response_model=None)
def kept_file(
    uow: UnitOfWorkDep, who: Borrower, loan_id: int,
    document_id: Annotated[int, Path(ge=1, lt=2**31)],
) -> Response:  # fmt: skip
    """A document kept with the borrower's loan (the agreement, a letter ...)."""
    loan = own_loan(uow, who, loan_id)
    row, content = read(uow, blob_store(), document_id, loan_id=loan.id, personal=True)
    return Response(content, media_type=row.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file_name(row)}"'})  # fmt: skip
