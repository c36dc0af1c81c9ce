"""Closing a loan early from its page: the foreclosure quote for a date (principal, interest
to that date, charges, the product's foreclosure charge and its tax, unapplied funds set off),
then the foreclosure with a payment of exactly what is quoted.

Guarantees: the quote and the foreclosure are the API's services (lms.servicing.foreclosure);
the quote writes nothing; a refusal is shown on the page with nothing written; `loans.change`
is needed, and the form token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.loan_pages import CHANNELS, drawn
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote

router = APIRouter()


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
        problems = ([f"{f}: {r}" for f, r in exc.problems] if isinstance(exc, InvalidError)
                    else [str(exc)])  # fmt: skip
        return drawn(request, uow, loan_id, 422, foreclosure_form=form,
                     foreclosure_problems=problems)  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?foreclosed={on}", status_code=303)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError([("on", "must be a date, YYYY-MM-DD")]) from None
