"""A loan's charges under /api/v1: each live charge with what is paid, waived and unpaid; a
charge added by hand; a waiver asked for, which waits for a second person (maker-checker,
lms.interfaces.api.changes) and takes effect on the business date it is approved.

Guarantees: a waiver is checked in full before it waits (the loan, the charge, the amount
against what is unpaid, the reason), and again when approved; bad input is a problem naming
the field; nothing is written by a refused request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lms.core.charge_positions import ChargePosition
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import ApprovalOut, accepted, queue
from lms.interfaces.api.schemas import Amount, RequestBody, Shown, shown
from lms.platform.db import UnitOfWork
from lms.servicing import charges

router = APIRouter()


class ChargeOut(BaseModel):
    reference: str
    day: date
    kind: str  # fee or penal
    amount: Shown
    tax: Shown  # GST
    paid: Shown
    waived: Shown
    unpaid: Shown

    @classmethod
    def of(cls, position: ChargePosition) -> ChargeOut:
        c = position.charge
        return cls(reference=c.reference, day=c.day, kind=c.component.value, amount=c.amount,
                   tax=c.tax, paid=position.paid, waived=position.waived,
                   unpaid=position.unpaid)  # fmt: skip


class ChargeIn(RequestBody):
    amount: Amount  # before GST
    tax_rate: Annotated[Decimal, Field(ge=0, le=28)] = Decimal(18)  # GST, percent
    reference: str = Field(min_length=1, max_length=64)


class EventChargeIn(RequestBody):
    rule: str = Field(min_length=1, max_length=40)  # the product's event charge, by name


class WaiverIn(RequestBody):
    charge: str = Field(min_length=1, max_length=64)  # the charge's reference
    amount: Amount  # with its GST share
    reason: str = Field(min_length=1, max_length=32)  # one of lms.servicing.charges.WAIVER_REASONS


@router.get("/loans/{loan_id}/charges")
def loan_charges(loan_id: int, uow: UnitOfWorkDep) -> list[ChargeOut]:
    """Every live charge of the loan as of the business date: fees and penal charges levied,
    with GST, and what is paid, waived and unpaid of each."""
    return [ChargeOut.of(p) for p in charges.positions(uow, loan_id, today(uow))]


@router.post("/loans/{loan_id}/event-charges", status_code=status.HTTP_201_CREATED)
def add_event_charge(loan_id: int, body: EventChargeIn, uow: UnitOfWorkDep) -> ChargeOut:
    """Levy the product's charge for an event (a statement copy, a mandate swap), by name."""
    day = today(uow)
    event = charges.levy_by_rule(uow, loan_id=loan_id, rule=body.rule, posting_date=day)
    uow.commit()
    levied = charges.positions(uow, loan_id, day)
    return ChargeOut.of(next(p for p in levied if p.charge.reference == event.reference))


@router.post("/loans/{loan_id}/charges", status_code=status.HTTP_201_CREATED)
def add_charge(loan_id: int, body: ChargeIn, uow: UnitOfWorkDep) -> ChargeOut:
    """Levy a charge the loan agreement provides for, owed from the business date."""
    day = today(uow)
    charges.add_charge(uow, loan_id=loan_id, amount=body.amount, tax_rate=body.tax_rate,
                       reference=body.reference, posting_date=day)  # fmt: skip
    uow.commit()
    levied = charges.positions(uow, loan_id, day)
    return ChargeOut.of(next(p for p in levied if p.charge.reference == body.reference))


@router.post("/loans/{loan_id}/waivers", status_code=status.HTTP_202_ACCEPTED)
def ask_waiver(loan_id: int, body: WaiverIn, uow: UnitOfWorkDep) -> JSONResponse:
    """Ask for part or all of a charge's unpaid amount to be forgiven: queued for a second
    person (202 with the pending request)."""
    return accepted(request_waiver(uow, loan_id, body))


def request_waiver(uow: UnitOfWork, loan_id: int, body: WaiverIn) -> ApprovalOut:
    """Check the waiver as it would be made today, then queue it (committed)."""
    charges.checked_waiver(uow, loan_id=loan_id, charge=body.charge, amount=body.amount,
                           reason=body.reason, day=today(uow))  # fmt: skip
    subject = f"Waive {shown(body.amount)} of {body.charge} on loan {loan_id} ({body.reason})"
    asked = {"loan_id": loan_id, **body.model_dump(mode="json")}
    return queue(uow, kind="charge_waiver", subject=subject, request=asked)
