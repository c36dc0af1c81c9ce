"""Settlements and write-offs under /api/v1: a one-time settlement asked for with its plan, a
write-off asked for (technical or full), each agreed by a second person with a permission of
its own (the approvals queue); a loan's recovery standing: off the books since when and how,
what was written off, what has been recovered since, its settlements and its bureau status.

Guarantees: a request is checked as it would be made today before it waits (422 naming the
field, 409 for a loan that cannot take it); nothing is written but the pending request.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lms.collections import settlements
from lms.collections.models import Settlement
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import ApprovalOut, accepted, queue
from lms.interfaces.api.schemas import Amount, RequestBody, Shown, shown
from lms.platform.db import UnitOfWork

router = APIRouter()


class WriteOffIn(RequestBody):
    kind: str = Field(min_length=1, max_length=12)  # technical or full
    reason: str = Field(min_length=1, max_length=32)  # lms.servicing.write_offs.REASONS


class PlanStepIn(RequestBody):
    due_on: date
    amount: Amount


class SettlementIn(RequestBody):
    amount: Amount  # the agreed sum
    plan: list[PlanStepIn] = Field(min_length=1, max_length=60)


class SettlementOut(BaseModel):
    id: int
    loan_id: int
    amount: Shown
    owed: Shown  # what the loan owed when it was agreed
    agreed_on: date
    status: str  # open, completed, broken
    paid: Shown  # received towards it, as of the last close
    waived: Shown | None  # on completion: what the books waived
    closed_on: date | None
    asked_by: str
    approved_by: str
    plan: list[dict[str, str]]


class RecoveryOut(BaseModel):
    loan_id: int
    status: str
    written_off_on: date | None
    write_off_kind: str | None  # technical, full, settlement
    written_off: Shown  # taken off the books (a write-off's or a settlement's waiver)
    recovered: Shown  # received since, as recovery income
    bureau_status: str | None  # written_off, settled, post_write_off_settled
    settlements: list[SettlementOut]


@router.post("/loans/{loan_id}/write-off", status_code=status.HTTP_202_ACCEPTED)
def ask_write_off(loan_id: int, body: WriteOffIn, uow: UnitOfWorkDep) -> JSONResponse:
    """Ask for the loan to be written off on the day it is approved: queued (202)."""
    return accepted(request_write_off(uow, loan_id, body))


def request_write_off(uow: UnitOfWork, loan_id: int, body: WriteOffIn) -> ApprovalOut:
    """Check the write-off as it would be made today, then queue it (committed)."""
    _, loss = settlements.checked_write_off(
        uow, loan_id=loan_id, kind=body.kind, reason=body.reason, day=today(uow)
    )
    subject = f"Write off loan {loan_id} ({body.kind}, {body.reason}): {shown(loss)} on the books"
    asked = {"loan_id": loan_id, **body.model_dump(mode="json")}
    return queue(uow, kind="write_off", subject=subject, request=asked)


@router.post("/loans/{loan_id}/settlements", status_code=status.HTTP_202_ACCEPTED)
def ask_settlement(loan_id: int, body: SettlementIn, uow: UnitOfWorkDep) -> JSONResponse:
    """Ask for a one-time settlement of the loan for `amount`, paid by `plan`: queued (202)."""
    return accepted(request_settlement(uow, loan_id, body))


def request_settlement(uow: UnitOfWork, loan_id: int, body: SettlementIn) -> ApprovalOut:
    """Check the settlement as it would be agreed today, then queue it (committed)."""
    plan = [settlements.PlanStep(p.due_on, p.amount) for p in body.plan]
    _, owed = settlements.checked_offer(
        uow, loan_id=loan_id, amount=body.amount, plan=plan, day=today(uow)
    )
    subject = (f"Settle loan {loan_id} for {shown(body.amount)} of {shown(owed)} owed,"
               f" in {len(plan)} instalment(s)")  # fmt: skip
    asked = {"loan_id": loan_id, **body.model_dump(mode="json")}
    return queue(uow, kind="settlement", subject=subject, request=asked)


@router.get("/loans/{loan_id}/settlements")
def loan_settlements(loan_id: int, uow: UnitOfWorkDep) -> list[SettlementOut]:
    """The loan's settlements, the latest first."""
    return _shown(settlements.standing(uow, loan_id).settlements)


@router.get("/loans/{loan_id}/recovery")
def recovery(loan_id: int, uow: UnitOfWorkDep) -> RecoveryOut:
    """The loan's standing off the books: when and how it left them, what was written off and
    what has been recovered since, its settlements and how the bureaus are told."""
    found = settlements.standing(uow, loan_id)
    return RecoveryOut(
        loan_id=loan_id, status=found.status, written_off_on=found.written_off_on,
        write_off_kind=found.write_off_kind, written_off=found.written_off,
        recovered=found.recovered, bureau_status=found.bureau_status,
        settlements=_shown(found.settlements),
    )  # fmt: skip


def _shown(rows: list[Settlement]) -> list[SettlementOut]:
    return [SettlementOut.model_validate(settlements.shown(r)) for r in rows]
