"""Collections under /api/v1: the work queue of open cases in priority order, a case with its
loans, history, promises and outcomes, and what staff do with it (allocate, promise, log).

Guarantees: a caller sees and acts on the cases of their branches only (404 otherwise); each
action records its actor in the case's history; bad input is 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from lms.collections import work
from lms.collections.models import CollectionCase, Outcome, Promise
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import Amount, RequestBody, Shown
from lms.interfaces.api.security import principal_of
from lms.platform.errors import NotFoundError
from lms.servicing.models import Customer, Loan

router = APIRouter()


class CaseOut(BaseModel):
    id: int
    customer_id: int
    borrower: str
    branch_code: str
    bucket: str
    worst_bucket: str
    dpd: int
    overdue: Shown
    broken_promises: int
    agent: str | None
    opened_on: date
    closed_on: date | None
    outcome: str | None


def _case(row: CollectionCase, borrower: str) -> CaseOut:
    return CaseOut(id=row.id, customer_id=row.customer_id, borrower=borrower,
                   branch_code=row.branch_code, bucket=work.bucket_label(row.bucket),
                   worst_bucket=work.bucket_label(row.worst_bucket), dpd=row.dpd,
                   overdue=row.overdue, broken_promises=row.broken_promises, agent=row.agent,
                   opened_on=row.opened_on, closed_on=row.closed_on, outcome=row.outcome)  # fmt: skip


@router.get("/collections/cases")
def cases(
    request: Request,
    uow: UnitOfWorkDep,
    agent: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CaseOut]:
    """The open cases of the caller's branches, most urgent first (of one agent if named)."""
    rows = list(uow.session.scalars(work.queue(principal_of(request).branches, agent, limit)))
    names = dict(uow.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_({r.customer_id for r in rows}))
    ).all())  # fmt: skip
    return [_case(r, names.get(r.customer_id, "")) for r in rows]


class EventOut(BaseModel):
    day: date
    kind: str
    detail: dict[str, object]
    actor: str | None


class PromiseOut(BaseModel):
    id: int
    amount: Shown
    promised_for: date
    made_on: date
    made_by: str
    status: str
    paid: Shown | None


class OutcomeOut(BaseModel):
    kind: str
    disposition: str
    note: str | None
    latitude: str | None
    longitude: str | None
    actor: str
    created_at: datetime


class CaseDetail(BaseModel):
    case: CaseOut
    loans: list[int]
    history: list[EventOut]
    promises: list[PromiseOut]
    outcomes: list[OutcomeOut]


@router.get("/collections/cases/{case_id}")
def case(case_id: int, request: Request, uow: UnitOfWorkDep) -> CaseDetail:
    row = uow.session.get(CollectionCase, case_id)
    branches = principal_of(request).branches
    if row is None or (branches is not None and row.branch_code not in branches):
        raise NotFoundError("collection case", case_id)
    customer = uow.session.get(Customer, row.customer_id)
    loans = uow.session.scalars(select(Loan.id).where(Loan.customer_id == row.customer_id,
                                                      Loan.status == "active").order_by(Loan.id))  # fmt: skip
    promises = uow.session.scalars(select(Promise).where(Promise.case_id == case_id)
                                   .order_by(Promise.id))  # fmt: skip
    outcomes = uow.session.scalars(select(Outcome).where(Outcome.case_id == case_id)
                                   .order_by(Outcome.id))  # fmt: skip
    return CaseDetail(
        case=_case(row, customer.name if customer else ""), loans=list(loans),
        history=[EventOut.model_validate(e, from_attributes=True)
                 for e in work.history(uow, case_id)],
        promises=[PromiseOut.model_validate(p, from_attributes=True) for p in promises],
        outcomes=[OutcomeOut.model_validate(o, from_attributes=True) for o in outcomes],
    )  # fmt: skip


class AllocationIn(RequestBody):
    agent: str = Field(min_length=1, max_length=80)  # a user name


@router.post("/collections/cases/{case_id}/allocation")
def allocation(case_id: int, body: AllocationIn, request: Request, uow: UnitOfWorkDep) -> CaseOut:
    row = work.open_case(uow, case_id, principal_of(request).branches)
    work.allocate(uow, row, agent=body.agent, day=today(uow))
    uow.commit()
    customer = uow.session.get(Customer, row.customer_id)
    return _case(row, customer.name if customer else "")


class PromiseIn(RequestBody):
    amount: Amount
    promised_for: date


@router.post("/collections/cases/{case_id}/promises", status_code=status.HTTP_201_CREATED)
def new_promise(case_id: int, body: PromiseIn, request: Request, uow: UnitOfWorkDep) -> PromiseOut:
    """A promise to pay `amount` by `promised_for`; the close judges it on that day."""
    row = work.open_case(uow, case_id, principal_of(request).branches)
    made = work.promise(uow, row, work.PromiseAsked(Decimal(body.amount), body.promised_for),
                        day=today(uow))  # fmt: skip
    uow.commit()
    return PromiseOut.model_validate(made, from_attributes=True)


class OutcomeIn(RequestBody):
    kind: Literal["call", "visit"]
    disposition: str = Field(min_length=1, max_length=24)
    note: str | None = Field(default=None, max_length=2000)
    latitude: str | None = Field(default=None, max_length=16)
    longitude: str | None = Field(default=None, max_length=16)


@router.post("/collections/cases/{case_id}/outcomes", status_code=status.HTTP_201_CREATED)
def outcome(case_id: int, body: OutcomeIn, request: Request, uow: UnitOfWorkDep) -> OutcomeOut:
    """What a call or visit came to: a disposition, a note, where (for a visit)."""
    row = work.open_case(uow, case_id, principal_of(request).branches)
    where = (body.latitude, body.longitude) if body.latitude or body.longitude else None
    logged = work.log_outcome(uow, row, kind=body.kind, disposition=body.disposition,
                              note_text=body.note, where=(where[0] or "", where[1] or "")
                              if where else None, day=today(uow))  # fmt: skip
    uow.commit()
    return OutcomeOut.model_validate(logged, from_attributes=True)
