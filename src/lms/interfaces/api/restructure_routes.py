"""Restructures and moratoria under /api/v1: a restructure previewed (the plan before and
after: EMI, tenure, interest still to pay, APR, what is capitalised and how the classification
will treat it), a moratorium previewed likewise (and until when it defers); each asked for,
which waits for a second person (maker-checker) and is applied when approved; a top-up loan
paid out, its payout first closing the borrower's older loan.

Guarantees: the preview writes nothing; a request is checked as it would be applied today
before it waits (422 naming the field, 409 for a loan that cannot take it); nothing is written
but the pending request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lms.core.frequency import LAST_DAY
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import ApprovalOut, accepted, queue
from lms.interfaces.api.schemas import Amount, RequestBody, Shown, shown
from lms.platform.db import UnitOfWork
from lms.servicing import moratoria, restructures, top_ups
from lms.servicing.moratoria import MoratoriumAsk
from lms.servicing.plans import Plan
from lms.servicing.restructures import RestructureAsk

router = APIRouter()


class RestructureIn(RequestBody):
    day: date  # the value date, not after the business date when applied
    reason: str = Field(min_length=1, max_length=24)  # lms.servicing.restructures.REASONS
    reference: str = Field(min_length=1, max_length=64)
    installments: int | None = Field(None, ge=1, le=1200)  # the new tenure, from the next due
    emi: Amount | None = None  # or the new EMI
    annual_rate: Decimal | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    capitalise: bool = True  # the arrears join the principal (the loan re-aged to current)
    # the installments move to this day of the month ("last": the month's end)
    due_day: Annotated[int, Field(ge=1, le=31)] | Literal["last"] | None = None
    # the arrears, not capitalised, move to the end (installments of their own)
    to_end: bool = False
    down_payment: Amount | None = None  # paid on the day before it (needed before it is applied)
    frequency: Literal["monthly", "quarterly", "half_yearly", "yearly"] | None = None

    def ask(self) -> RestructureAsk:
        moved = LAST_DAY if self.due_day == "last" else self.due_day
        return RestructureAsk(
            self.day, self.reason, self.reference, self.installments, self.emi,
            self.annual_rate, self.capitalise, moved, self.to_end, self.down_payment,
            self.frequency,
        )  # fmt: skip


class InstallmentOut(BaseModel):
    number: int
    due_date: date
    principal: Shown
    interest: Shown
    total: Shown


class PlanOut(BaseModel):
    principal: Shown  # principal outstanding after the day
    overdue: Shown  # principal and interest due and unpaid
    tenure: int  # installments after the day
    emi: Shown
    interest: Shown  # interest of those installments
    apr: Shown | None
    last_due: date | None
    installments: list[InstallmentOut]


class RestructurePreviewOut(BaseModel):
    before: PlanOut
    after: PlanOut
    capitalised: Shown
    downgraded: bool  # a standard loan made NPA from the day (financial stress)
    specified_until: date | None
    npa_held_until: date | None


def _plan(plan: Plan) -> PlanOut:
    rows = [
        InstallmentOut(number=i.number, due_date=i.due_date, principal=i.principal,
                       interest=i.interest, total=i.principal + i.interest)
        for i in plan.installments
    ]  # fmt: skip
    return PlanOut(
        principal=plan.principal, overdue=plan.overdue, tenure=plan.tenure, emi=plan.emi,
        interest=plan.interest, apr=plan.apr, last_due=plan.last_due, installments=rows,
    )  # fmt: skip


@router.post("/loans/{loan_id}/restructure-preview")
def preview(loan_id: int, body: RestructureIn, uow: UnitOfWorkDep) -> RestructurePreviewOut:
    """What the restructure would do, as it would be applied today (nothing is written)."""
    seen = restructures.preview(uow, loan_id=loan_id, ask=body.ask(), today=today(uow))
    return RestructurePreviewOut(
        before=_plan(seen.before), after=_plan(seen.after), capitalised=seen.capitalised,
        downgraded=seen.downgraded, specified_until=seen.specified_until,
        npa_held_until=seen.npa_held_until,
    )  # fmt: skip


@router.post("/loans/{loan_id}/restructures", status_code=status.HTTP_202_ACCEPTED)
def ask(loan_id: int, body: RestructureIn, uow: UnitOfWorkDep) -> JSONResponse:
    """Ask for the loan to be restructured: checked, then queued for approval (202)."""
    return accepted(request_restructure(uow, loan_id, body))


def request_restructure(uow: UnitOfWork, loan_id: int, body: RestructureIn) -> ApprovalOut:
    """Check the restructure as it would be applied today, then queue it (committed)."""
    seen = restructures.preview(uow, loan_id=loan_id, ask=body.ask(), today=today(uow))
    after = seen.after
    subject = (
        f"Restructure loan {loan_id} ({body.reason}): {after.tenure} installments of"
        f" {shown(after.emi)} (was {seen.before.tenure} of {shown(seen.before.emi)}),"
        f" {shown(seen.capitalised)} capitalised"
    )
    asked = {"loan_id": loan_id, **body.model_dump(mode="json")}
    return queue(uow, kind="restructure", subject=subject, request=asked)


class MoratoriumIn(RequestBody):
    day: date  # from the day: the installments falling due after it are deferred
    periods: int = Field(ge=1, le=moratoria.LONGEST)
    interest: str = Field(min_length=1, max_length=12)  # collected, capitalised, deferred, waived
    reference: str = Field(min_length=1, max_length=64)

    def ask(self) -> MoratoriumAsk:
        return MoratoriumAsk(self.day, self.periods, self.interest, self.reference)


class MoratoriumPreviewOut(BaseModel):
    before: PlanOut
    after: PlanOut
    deferred_until: date


@router.post("/loans/{loan_id}/moratorium-preview")
def preview_moratorium(
    loan_id: int, body: MoratoriumIn, uow: UnitOfWorkDep
) -> MoratoriumPreviewOut:
    """What the moratorium would do, as it would be granted today (nothing is written)."""
    seen = moratoria.preview(uow, loan_id=loan_id, ask=body.ask(), today=today(uow))
    return MoratoriumPreviewOut(
        before=_plan(seen.before), after=_plan(seen.after), deferred_until=seen.deferred_until
    )


@router.post("/loans/{loan_id}/moratoria", status_code=status.HTTP_202_ACCEPTED)
def ask_moratorium(loan_id: int, body: MoratoriumIn, uow: UnitOfWorkDep) -> JSONResponse:
    """Ask for a moratorium on the loan: checked, then queued for approval (202)."""
    return accepted(request_moratorium(uow, loan_id, body))


def request_moratorium(uow: UnitOfWork, loan_id: int, body: MoratoriumIn) -> ApprovalOut:
    """Check the moratorium as it would be granted today, then queue it (committed)."""
    seen = moratoria.preview(uow, loan_id=loan_id, ask=body.ask(), today=today(uow))
    subject = (
        f"Moratorium on loan {loan_id}: {body.periods} installment(s) deferred to"
        f" {seen.deferred_until}, interest {body.interest}"
    )
    asked = {"loan_id": loan_id, **body.model_dump(mode="json")}
    return queue(uow, kind="moratorium", subject=subject, request=asked)


class TopUpIn(RequestBody):
    old_loan_id: int = Field(ge=1, lt=2**31)  # the borrower's active loan the payout pays off


class TopUpOut(BaseModel):
    loan_id: int
    paid_off: int
    payoff: Shown
    paid_out: Shown


@router.post("/loans/{loan_id}/top-up", status_code=status.HTTP_201_CREATED)
def top_up(loan_id: int, body: TopUpIn, uow: UnitOfWorkDep) -> TopUpOut:
    """Pay out approved loan `loan_id` as a top-up: its payout first closes the borrower's
    loan `old_loan_id` (foreclosed on the new loan's disbursement date), the rest is paid out."""
    done = top_ups.disburse_top_up(
        uow, loan_id=loan_id, old_loan_id=body.old_loan_id, posting_date=today(uow)
    )
    uow.commit()
    return TopUpOut(
        loan_id=done.loan_id, paid_off=done.paid_off, payoff=done.payoff, paid_out=done.paid_out
    )
