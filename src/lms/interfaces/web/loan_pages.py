"""A loan's page (terms, figures, schedule, transactions with their journal entries, mandates,
audit trail) and its actions: a payment, previewed first, then posted.

Guarantees: a preview runs the payment in a savepoint that is rolled back (nothing is written,
the audit records it collected are dropped) and shows where each rupee would go; posting is
the same `record_payment` the API uses, in one unit of work, committed only if it succeeds;
a refusal is shown on the form, naming the field, and writes nothing. The form needs the
session's form token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from lms.close import listing
from lms.close.loan_view import loan_view
from lms.close.portfolio import installment_plan
from lms.colending.service import kfs_terms
from lms.collateral.watch import holding
from lms.collections.settlements import standing
from lms.core.events import ReversalReason
from lms.documents.filing import listed
from lms.documents.service import loan_kfs, payment_receipt, statement_document
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.audit import undone
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.risk.overview import loan_risk
from lms.servicing import write_offs
from lms.servicing.charges import WAIVER_REASONS
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment
from lms.servicing.service import existing_loan

router = APIRouter()
CHANNELS = ("upi", "nach", "enach", "neft", "rtgs", "imps", "cash", "cheque", "gateway", "card")


@dataclass(frozen=True, slots=True)
class Preview:
    rows: list[dict[str, Any]]  # number, due_date, principal and interest paid more (or less)
    outstanding: Decimal
    overdue: Decimal
    dpd: int
    excess: Decimal
    emi: Decimal  # the EMI after
    left: int  # installments not fully paid after


@router.get(f"{ROOT}/loans/{{loan_id}}")
def loan_page(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    posted: Annotated[str | None, Query(max_length=64)] = None,
    reversed_id: Annotated[int | None, Query(alias="reversed", ge=1, lt=2**31)] = None,
    foreclosed: Annotated[str | None, Query(max_length=10)] = None,
    rate: Annotated[str | None, Query(max_length=12)] = None,
    charged: Annotated[str | None, Query(max_length=64)] = None,
    asked: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
    filed: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
) -> HTMLResponse:
    """The loan (`posted`: the reference of a payment just posted; `reversed`: the id of a
    payment just reversed; `charged`: a charge just levied; `asked`: a waiver request just
    queued; to say so)."""
    return drawn(request, uow, loan_id, posted=posted, reversed=reversed_id,
                 foreclosed=foreclosed, rate=rate, charged=charged, asked=asked,
                 filed=filed)  # fmt: skip


def drawn(
    request: Request, uow: UnitOfWorkDep, loan_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    if loan_id >= 2**31:
        raise NotFoundError("loan", loan_id)
    view = loan_view(uow, loan_id=loan_id, today=today(uow))
    extra.setdefault("form", {})
    extra["form"].setdefault("key", secrets.token_hex(16))  # the form's idempotency key
    extra.setdefault("reversal_form", {"known_on": view.today.isoformat()})
    extra.setdefault("foreclosure_form", {"on": view.today.isoformat(), "channel": "neft"})
    extra.setdefault("rate_form", {"day": view.today.isoformat(), "reschedule": "reduce_emi"})
    extra.setdefault("charge_form", {"tax_rate": "18"})
    extra.setdefault("waiver_form", {})
    extra.setdefault("write_off_form", {"kind": "technical"})
    extra.setdefault("file_form", {"kind": "agreement"})
    extra.setdefault("settlement_form", {})
    extra.setdefault("release_form", {})
    extra.setdefault("moratorium_form", {"day": view.today.isoformat(), "periods": "3",
                                         "interest": "capitalised"})  # fmt: skip
    extra.setdefault("restructure_form", {"day": view.today.isoformat(), "capitalise": "yes",
                                          "reason": "financial_stress", "plan": "installments"})  # fmt: skip
    reversed_refs = {e.event.reference for e in view.events if e.event.kind == "reversal"}
    reversible = [e.event for e in view.events if e.event.kind in ("payment", "prepayment")
                  and e.event.reference not in reversed_refs]  # fmt: skip
    return page(request, "loan.html", status, v=view, channels=CHANNELS,
                reasons=[r.value for r in ReversalReason], reversible=reversible,
                waiver_reasons=WAIVER_REASONS, recovery=standing(uow, loan_id),
                write_off_kinds=write_offs.KINDS, write_off_reasons=write_offs.REASONS,
                files=listed(uow, loan_id=loan_id), risk=loan_risk(uow, loan_id),
                collateral=holding(uow, loan_id), **extra)  # fmt: skip


@router.post(f"{ROOT}/loans/{{loan_id}}/payments", dependencies=[FormChecked], response_model=None)
def payment(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    amount: Annotated[str, Form(max_length=20)],
    value_date: Annotated[str, Form(max_length=10)],
    reference: Annotated[str, Form(max_length=64)],
    channel: Annotated[str, Form(max_length=10)] = "upi",
    confirm: Annotated[str, Form(max_length=3)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
    reschedule: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Preview the payment (the first press), post it (the second; the form's key makes a
    second press of the same form a retry, not a second payment); then the loan's page."""
    form = {"amount": amount, "value_date": value_date, "reference": reference,
            "channel": channel, "key": key, "reschedule": reschedule}  # fmt: skip
    try:
        asked = _request(amount, value_date, reference, channel, key, reschedule)

        def act() -> object:
            return record_payment(uow, loan_id=loan_id, request=asked, posting_date=today(uow))

        if confirm != "yes":
            return drawn(request, uow, loan_id, form=form, preview=preview_of(uow, loan_id, act))
        act()
        uow.commit()
    except (InvalidError, ConflictError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, form=form, problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?posted={reference}#schedule", status_code=303)


def _request(
    amount: str, value_date: str, reference: str, channel: str, key: str, reschedule: str = ""
) -> PaymentRequest:
    """The payment the form asks for; each bad field named."""
    problems = []
    try:
        money = Decimal(amount.replace(",", "").replace("₹", "").strip())
        if not money.is_finite() or money <= 0:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(("amount", "must be an amount of rupees above zero, e.g. 8884.88"))
        money = Decimal(0)
    try:
        day = date.fromisoformat(value_date)
    except ValueError:
        problems.append(("value_date", "must be a date, YYYY-MM-DD"))
        day = date.min
    if not reference.strip():
        problems.append(("reference", "is needed (the UTR, receipt or cheque number)"))
    if channel not in CHANNELS:
        problems.append(("channel", f"must be one of {', '.join(CHANNELS)}"))
    if reschedule not in ("", "reduce_emi", "reduce_tenure"):
        problems.append(("reschedule", "must be reduce_emi or reduce_tenure (a part-prepayment)"))
    if problems:
        raise InvalidError(problems)
    return PaymentRequest(money, day, reference.strip(), channel, key or None, reschedule or None)


def preview_of(uow: UnitOfWorkDep, loan_id: int, act: Callable[[], object]) -> Preview:
    """What `act` (a change of the loan through its service) would do, from a trial of it
    that is undone: what each installment would have paid more (or less), the figures after."""
    day = today(uow)
    _, before = installment_plan(uow, loan_id=loan_id, today=day)
    with undone(uow.session):
        act()
        uow.session.flush()
        loan, after = installment_plan(uow, loan_id=loan_id, today=day)
        uow.session.refresh(loan)
        line = listing.loan_lines(uow, [loan], day)[loan_id]
        excess, emi = loan.excess, loan.emi
        left = sum(1 for row in after if row.unpaid > 0)
    uow.session.expire_all()  # what the trial changed in memory is read again
    paid = {r.number: r for r in before}
    rows = [
        {"number": r.number, "due_date": r.due_date,
         "principal": r.principal_paid - paid[r.number].principal_paid,
         "interest": r.interest_paid - paid[r.number].interest_paid}
        for r in after
        if r.number in paid and (r.principal_paid, r.interest_paid)
        != (paid[r.number].principal_paid, paid[r.number].interest_paid)
    ]  # fmt: skip
    return Preview(rows, line.principal_outstanding, line.overdue, line.dpd, excess, emi, left)


@router.post(f"{ROOT}/loans/{{loan_id}}/reversals", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def reversal(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    event_id: Annotated[int, Form(ge=1, lt=2**31)],
    reason: Annotated[str, Form(max_length=16)],
    known_on: Annotated[str, Form(max_length=10)],
    return_code: Annotated[str, Form(max_length=8)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Void a payment: returned by the bank (its return code; the product's bounce charge is
    levied) or posted in error (the money to suspense). Previewed first, then done."""
    form = {"event_id": event_id, "reason": reason, "known_on": known_on,
            "return_code": return_code}  # fmt: skip
    try:
        why, day = _reversal(reason, known_on, return_code)

        def act() -> object:
            return reverse_payment(
                uow, loan_id=loan_id, event_id=event_id, known_on=day, posting_date=today(uow),
                reason=why, return_code=return_code.strip() or None,
            )  # fmt: skip

        if confirm != "yes":
            return drawn(request, uow, loan_id, reversal_form=form,
                          reversal_preview=preview_of(uow, loan_id, act))  # fmt: skip
        act()
        uow.commit()
    except (InvalidError, ConflictError, NotFoundError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, reversal_form=form,
                      reversal_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?reversed={event_id}#history", status_code=303)


def _reversal(reason: str, known_on: str, return_code: str) -> tuple[ReversalReason, date]:
    problems = []
    if reason not in {r.value for r in ReversalReason}:
        problems.append(("reason", "must be returned or posting_error"))
    try:
        day = date.fromisoformat(known_on)
    except ValueError:
        problems.append(("known_on", "must be a date, YYYY-MM-DD"))
        day = date.min
    if reason == ReversalReason.RETURNED and not return_code.strip():
        problems.append(("return_code", "is needed for a payment the bank returned"))
    if problems:
        raise InvalidError(problems)
    return ReversalReason(reason), day


def reasons(exc: Exception) -> list[str]:
    """What a refusal says on a page: each field and its reason (a domain refusal or a form
    the request model refused), or the refusal's text."""
    if isinstance(exc, InvalidError):
        return [f"{f}: {r}" for f, r in exc.problems]
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return [str(exc)]


@router.get(f"{ROOT}/loans/{{loan_id}}/documents/{{name}}", response_model=None)
def document(
    request: Request, uow: UnitOfWorkDep, who: Staff, loan_id: int, name: str,
    event: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
    since: date | None = None, lang: Literal["en", "hi"] = "en",
) -> Response:  # fmt: skip
    """The loan's documents as PDF, in English or Hindi: its KFS, its statement (from
    `since`), a payment's receipt."""
    if loan_id >= 2**31:
        raise NotFoundError("loan", loan_id)
    if name == "kfs":
        content = loan_kfs(uow, loan_id=loan_id, lang=lang, colending=kfs_terms(uow, loan_id))
    elif name == "statement":
        day = today(uow)
        start = since or existing_loan(uow, loan_id).disbursed_on or day
        content = statement_document(uow, loan_id=loan_id, since=start, as_of=day, lang=lang)
    elif name == "receipt" and event is not None:
        content = payment_receipt(uow, loan_id=loan_id, event_id=event, lang=lang)
    else:
        raise NotFoundError("document", name)
    filename = f"{name}-{loan_id}{'-hi' if lang == 'hi' else ''}.pdf"
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})  # fmt: skip
