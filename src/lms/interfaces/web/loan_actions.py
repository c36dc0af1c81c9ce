"""Live-loan changes from its page: a new rate from a date (previewed by a trial of the
change: the EMI and installments it leaves), closing the loan early (the foreclosure quote
for a date: principal, interest to that date, charges, the product's foreclosure charge and
its tax, unapplied funds set off; then the foreclosure with a payment of exactly that), and
giving a closed gold loan's pledge back with the borrower's acknowledgement.

Guarantees: the API's services (lms.servicing.rates, lms.servicing.foreclosure,
lms.collateral.watch); a preview and a quote write nothing; a refusal is shown on the page
with nothing written; `loans.change` (a release: `collateral.write`) is needed, and the form
token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from lms.collateral.watch import release
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RateChangeIn
from lms.interfaces.web.loan_pages import CHANNELS, drawn, preview_of, reasons
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.rates import change_rate

router = APIRouter()


@router.post(f"{ROOT}/loans/{{loan_id}}/collateral/release", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def collateral_release(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    acknowledgement: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Give the gold back today; the borrower's receipt is recorded with it."""
    try:
        release(uow, loan_id, today(uow), acknowledgement)
        uow.commit()
    except (InvalidError, ConflictError, NotFoundError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, release_form={"acknowledgement": acknowledgement},
                     release_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?released=1#collateral-h", status_code=303)


@router.post(f"{ROOT}/loans/{{loan_id}}/foreclosure", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def foreclosure(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    on: Annotated[str, Form(max_length=10)],
    reference: Annotated[str, Form(max_length=64)] = "",
    channel: Annotated[str, Form(max_length=10)] = "neft",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """The quote (the first press); the foreclosure with its payment (the second)."""
    form = {"on": on, "reference": reference, "channel": channel}
    try:
        day = _date(on)
        if confirm != "yes":
            quote = foreclosure_quote(uow, loan_id=loan_id, on=day)
            return drawn(request, uow, loan_id, foreclosure_form=form, quote=quote)
        if not reference.strip() or channel not in CHANNELS:
            raise InvalidError([("reference", "the payment's UTR or receipt number is needed")])
        foreclose_loan(uow, loan_id=loan_id, on=day, reference=reference.strip(),
                       channel=channel, posting_date=today(uow))  # fmt: skip
        uow.commit()
    except (InvalidError, ConflictError, NotFoundError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, foreclosure_form=form,
                     foreclosure_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?foreclosed={on}", status_code=303)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError([("on", "must be a date, YYYY-MM-DD")]) from None


@router.post(f"{ROOT}/loans/{{loan_id}}/rate-changes", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def rate_change(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    day: Annotated[str, Form(max_length=10)],
    annual_rate: Annotated[str, Form(max_length=12)],
    reschedule: Annotated[str, Form(max_length=16)],
    reference: Annotated[str, Form(max_length=64)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the new rate's effect (the first press), make the change (the second)."""
    form = {"day": day, "annual_rate": annual_rate, "reschedule": reschedule,
            "reference": reference}  # fmt: skip
    try:
        asked = RateChangeIn.model_validate(form)
    except ValidationError as exc:
        problems = reasons(exc)
        return drawn(request, uow, loan_id, 422, rate_form=form, rate_problems=problems)

    def act() -> object:
        return change_rate(uow, loan_id=loan_id, **asked.model_dump(), posting_date=today(uow))

    try:
        if confirm != "yes":
            return drawn(request, uow, loan_id, rate_form=form,
                         rate_preview=preview_of(uow, loan_id, act))  # fmt: skip
        act()
        uow.commit()
    except (InvalidError, ConflictError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, rate_form=form, rate_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?rate={asked.annual_rate}", status_code=303)
