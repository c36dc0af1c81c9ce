"""A restructure or a moratorium from a loan's page: previewed (the plan before and after side
by side: EMI, installments left, the last due date, interest still to pay, APR; what is
capitalised and how the classification will treat it, or until when installments are
deferred), then asked for, into the approvals queue for a second person.

Guarantees: the API's checks and queue (lms.interfaces.api.restructure_routes); a preview
writes nothing; a refusal is shown on the form with nothing written; the form token and
`restructures.request` are needed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.restructure_routes import (
    MoratoriumIn,
    RestructureIn,
    request_moratorium,
    request_restructure,
)
from lms.interfaces.web.loan_pages import drawn, reasons
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing import moratoria, restructures

router = APIRouter()
REFUSED = (InvalidError, ConflictError, NotFoundError, ValidationError)


@router.post(f"{ROOT}/loans/{{loan_id}}/restructures", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def restructure(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    day: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=24)],
    reference: Annotated[str, Form(max_length=64)],
    plan: Annotated[str, Form(max_length=12)] = "installments",
    value: Annotated[str, Form(max_length=20)] = "",
    annual_rate: Annotated[str, Form(max_length=12)] = "",
    capitalise: Annotated[str, Form(max_length=3)] = "",
    due_day: Annotated[str, Form(max_length=4)] = "",
    down_payment: Annotated[str, Form(max_length=20)] = "",
    frequency: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the restructure (the first press), ask for it (the second). `plan` says what
    `value` is: the new number of installments, or the new EMI."""
    form = {"day": day, "reason": reason, "reference": reference, "plan": plan, "value": value,
            "annual_rate": annual_rate, "capitalise": capitalise, "due_day": due_day,
            "down_payment": down_payment, "frequency": frequency}  # fmt: skip
    try:
        asked = RestructureIn.model_validate(
            {"day": day, "reason": reason, "reference": reference,
             "installments": value.strip() or None if plan == "installments" else None,
             "emi": value.replace(",", "").strip() or None if plan == "emi" else None,
             "annual_rate": annual_rate.strip() or None, "capitalise": capitalise == "yes",
             "due_day": due_day.strip() or None, "to_end": capitalise == "end",
             "down_payment": down_payment.replace(",", "").strip() or None,
             "frequency": frequency or None}
        )  # fmt: skip
        if confirm != "yes":
            seen = restructures.preview(uow, loan_id=loan_id, ask=asked.ask(), today=today(uow))
            return drawn(request, uow, loan_id, restructure_form=form, restructure_preview=seen)
        pending = request_restructure(uow, loan_id, asked)
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, restructure_form=form,
                     restructure_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(
        f"{ROOT}/loans/{loan_id}?asked={pending.id}#restructure", status_code=303
    )


@router.post(f"{ROOT}/loans/{{loan_id}}/moratoria", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def moratorium(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    day: Annotated[str, Form(max_length=10)],
    periods: Annotated[str, Form(max_length=3)],
    interest: Annotated[str, Form(max_length=12)],
    reference: Annotated[str, Form(max_length=64)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the moratorium (the first press), ask for it (the second)."""
    form = {"day": day, "periods": periods, "interest": interest, "reference": reference}
    try:
        asked = MoratoriumIn.model_validate(form)
        if confirm != "yes":
            seen = moratoria.preview(uow, loan_id=loan_id, ask=asked.ask(), today=today(uow))
            return drawn(request, uow, loan_id, moratorium_form=form, moratorium_preview=seen)
        pending = request_moratorium(uow, loan_id, asked)
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, moratorium_form=form,
                     moratorium_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?asked={pending.id}#relief", status_code=303)
