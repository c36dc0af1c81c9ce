"""Charges from a loan's page: a charge added by hand (previewed: the amount, its GST, what
the borrower will owe), and a waiver asked for (previewed: what is unpaid of the charge before
and after, and the GST share forgiven), which goes into the approvals queue for a second
person.

Guarantees: the API's services and checks (lms.servicing.charges, the queue of
lms.interfaces.api.changes); a preview writes nothing; a refusal is shown on the form with
nothing written; the form token is needed, and the permission of each action.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from lms.core.book import Waived
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.charge_routes import ChargeIn, WaiverIn, request_waiver
from lms.interfaces.web.loan_pages import drawn, reasons
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.audit import undone
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing import charges
from lms.servicing.models import LoanEvent

router = APIRouter()
REFUSED = (InvalidError, ConflictError, NotFoundError, ValidationError)


@dataclass(frozen=True, slots=True)
class WaiverPreview:
    unpaid: Decimal  # of the charge now
    waived: Decimal  # asked for
    tax: Decimal  # the GST share of it
    left: Decimal  # unpaid after


@router.post(f"{ROOT}/loans/{{loan_id}}/charges", dependencies=[FormChecked], response_model=None)
def charge(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    amount: Annotated[str, Form(max_length=20)],
    reference: Annotated[str, Form(max_length=64)],
    tax_rate: Annotated[str, Form(max_length=6)] = "18",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the charge (the first press), levy it (the second)."""
    form = {"amount": amount, "reference": reference, "tax_rate": tax_rate}
    try:
        asked = ChargeIn.model_validate(form)

        def levy() -> LoanEvent:
            return charges.add_charge(uow, loan_id=loan_id, amount=asked.amount,
                                      tax_rate=asked.tax_rate, reference=asked.reference,
                                      posting_date=today(uow))  # fmt: skip

        if confirm != "yes":
            with undone(uow.session):  # checked by the service, then undone
                event = levy()
                added = (event.amount, event.tax)
            uow.session.expire_all()
            return drawn(request, uow, loan_id, charge_form=form, charge_preview=added)
        levy()
        uow.commit()
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, charge_form=form, charge_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?charged={reference}#charges", status_code=303)


@router.post(f"{ROOT}/loans/{{loan_id}}/waivers", dependencies=[FormChecked], response_model=None)
def waiver(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    charge: Annotated[str, Form(max_length=64)],
    amount: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=32)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the waiver (the first press), ask for it (the second: into the approvals
    queue); then the loan's page, saying which request waits."""
    form = {"charge": charge, "amount": amount, "reason": reason}
    try:
        asked = WaiverIn.model_validate(form)
        if confirm != "yes":
            return drawn(request, uow, loan_id, waiver_form=form,
                         waiver_preview=_preview(uow, loan_id, asked))  # fmt: skip
        pending = request_waiver(uow, loan_id, asked)
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, waiver_form=form, waiver_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?asked={pending.id}#charges", status_code=303)


def _preview(uow: UnitOfWorkDep, loan_id: int, asked: WaiverIn) -> WaiverPreview:
    day = today(uow)
    loan = charges.checked_waiver(uow, loan_id=loan_id, charge=asked.charge, amount=asked.amount,
                                  reason=asked.reason, day=day)  # fmt: skip
    levied = charges.positions(uow, loan.id, day)
    position = next(p for p in levied if p.charge.reference == asked.charge)
    share = Waived(day, position.charge, asked.amount, "").tax
    return WaiverPreview(position.unpaid, asked.amount, share, position.unpaid - asked.amount)
