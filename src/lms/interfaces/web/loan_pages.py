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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.close import listing
from lms.close.loan_view import loan_view
from lms.close.portfolio import installment_plan
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.audit import undone
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.repayments import PaymentRequest, record_payment

router = APIRouter()
CHANNELS = ("upi", "nach", "enach", "neft", "rtgs", "imps", "cash", "cheque", "gateway", "card")


@dataclass(frozen=True, slots=True)
class Preview:
    rows: list[Any]  # (number, due_date, principal, interest) the payment would pay
    outstanding: Decimal
    overdue: Decimal
    dpd: int
    excess: Decimal


@router.get(f"{ROOT}/loans/{{loan_id}}")
def loan_page(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    posted: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The loan (`posted`: the reference of a payment just posted, to say so)."""
    return _drawn(request, uow, loan_id, posted=posted)


def _drawn(
    request: Request, uow: UnitOfWorkDep, loan_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    if loan_id >= 2**31:
        raise NotFoundError("loan", loan_id)
    view = loan_view(uow, loan_id=loan_id, today=today(uow))
    extra.setdefault("form", {})
    extra["form"].setdefault("key", secrets.token_hex(16))  # the form's idempotency key
    return page(request, "loan.html", status, v=view, channels=CHANNELS, **extra)


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
) -> Response:
    """Preview the payment (the first press), post it (the second; the form's key makes a
    second press of the same form a retry, not a second payment); then the loan's page."""
    form = {"amount": amount, "value_date": value_date, "reference": reference,
            "channel": channel, "key": key}  # fmt: skip
    try:
        asked = _request(amount, value_date, reference, channel, key)
        if confirm != "yes":
            return _drawn(request, uow, loan_id, form=form, preview=_preview(uow, loan_id, asked))
        record_payment(uow, loan_id=loan_id, request=asked, posting_date=today(uow))
        uow.commit()
    except (InvalidError, ConflictError) as exc:
        uow.session.rollback()
        problems = (
            [f"{f}: {r}" for f, r in exc.problems] if isinstance(exc, InvalidError) else [str(exc)]
        )
        return _drawn(request, uow, loan_id, 422, form=form, problems=problems)
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?posted={reference}#schedule", status_code=303)


def _request(
    amount: str, value_date: str, reference: str, channel: str, key: str
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
    if problems:
        raise InvalidError(problems)
    return PaymentRequest(money, day, reference.strip(), channel, key or None)


def _preview(uow: UnitOfWorkDep, loan_id: int, asked: PaymentRequest) -> Preview:
    """Where the payment would go, from a trial of it that is undone."""
    day = today(uow)
    _, before = installment_plan(uow, loan_id=loan_id, today=day)
    with undone(uow.session):
        record_payment(uow, loan_id=loan_id, request=asked, posting_date=day)
        uow.session.flush()
        loan, after = installment_plan(uow, loan_id=loan_id, today=day)
        uow.session.refresh(loan)
        line = listing.loan_lines(uow, [loan], day)[loan_id]
        excess = loan.excess
    uow.session.expire_all()  # what the trial changed in memory is read again
    paid = {r.number: r for r in before}
    rows = [
        (r.number, r.due_date, r.principal_paid - paid[r.number].principal_paid,
         r.interest_paid - paid[r.number].interest_paid)
        for r in after
        if r.number in paid and (r.principal_paid, r.interest_paid)
        != (paid[r.number].principal_paid, paid[r.number].interest_paid)
    ]  # fmt: skip
    return Preview(
        [dict(zip(("number", "due_date", "principal", "interest"), row, strict=True)) for row in rows],
        line.principal_outstanding, line.overdue, line.dpd, excess,
    )  # fmt: skip
