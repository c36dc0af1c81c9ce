"""Settlements and write-offs from a loan's page: a one-time settlement asked for with its plan
(previewed: what the loan owes, what would be waived if the plan is kept), and a write-off
asked for (previewed: what the books hold that would go to the write-off expense); each goes
into the approvals queue for a second person with the permission to agree it.

Guarantees: the API's checks and queue (lms.interfaces.api.recovery_routes); a preview writes
nothing; a refusal is shown on the form with nothing written; the form token is needed, and
the permission of each action.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from lms.collections import settlements
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.recovery_routes import (
    SettlementIn,
    WriteOffIn,
    request_settlement,
    request_write_off,
)
from lms.interfaces.web.loan_pages import drawn, reasons
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing import write_offs

router = APIRouter()
REFUSED = (InvalidError, ConflictError, NotFoundError, ValidationError)


@router.post(f"{ROOT}/loans/{{loan_id}}/write-off", dependencies=[FormChecked], response_model=None)
def write_off(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    kind: Annotated[str, Form(max_length=12)],
    reason: Annotated[str, Form(max_length=32)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the write-off (the first press), ask for it (the second)."""
    form = {"kind": kind, "reason": reason}
    try:
        asked = WriteOffIn.model_validate(form)
        if confirm != "yes":
            loan, loss = settlements.checked_write_off(
                uow, loan_id=loan_id, kind=asked.kind, reason=asked.reason, day=today(uow)
            )
            held = write_offs.held_on_books(uow, loan)
            uow.session.rollback()  # the check's row lock let go
            preview = {"loss": loss, "held": {a.value: v for a, v in held.items()}}
            return drawn(request, uow, loan_id, write_off_form=form, write_off_preview=preview)
        pending = request_write_off(uow, loan_id, asked)
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, write_off_form=form,
                     write_off_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?asked={pending.id}#recovery", status_code=303)


@router.post(f"{ROOT}/loans/{{loan_id}}/settlements", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def settlement(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    amount: Annotated[str, Form(max_length=20)],
    plan: Annotated[str, Form(max_length=2000)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Preview the settlement (the first press), ask for it (the second). The plan is one
    instalment a line: its date and amount ("2026-12-31 25000")."""
    form = {"amount": amount, "plan": plan}
    try:
        asked = SettlementIn.model_validate({"amount": amount, "plan": plan_lines(plan)})
        if confirm != "yes":
            steps = [settlements.PlanStep(p.due_on, p.amount) for p in asked.plan]
            _, owed = settlements.checked_offer(uow, loan_id=loan_id, amount=asked.amount,
                                                plan=steps, day=today(uow))  # fmt: skip
            preview = {"owed": owed, "amount": asked.amount, "waived": owed - asked.amount,
                       "steps": steps}  # fmt: skip
            return drawn(request, uow, loan_id, settlement_form=form, settlement_preview=preview)
        pending = request_settlement(uow, loan_id, asked)
    except REFUSED as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, settlement_form=form,
                     settlement_problems=reasons(exc))  # fmt: skip
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?asked={pending.id}#recovery", status_code=303)


def plan_lines(text: str) -> list[dict[str, str]]:
    """The plan typed on the form, a line per instalment ("date amount"); a line that does
    not read is refused naming it."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace(",", "").split()
        if not parts:
            continue
        try:
            day, money = date.fromisoformat(parts[0]), Decimal(parts[1])
        except (ValueError, IndexError, InvalidOperation):
            raise InvalidError([("plan", f"line {number} is not a date and an amount")]) from None
        steps.append({"due_on": day.isoformat(), "amount": str(money)})
    return steps
