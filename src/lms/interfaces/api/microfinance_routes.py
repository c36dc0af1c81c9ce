"""Microfinance under /api/v1: households and their assessed income (with the repayment cap's
headroom), centres and their joint liability groups, loans lent through a group, a meeting's
collection sheet (JSON or PDF) and posting it.

Guarantees: bad input is 422 naming the field and nothing is written; a code or name taken is
409; a household, centre or group of a branch the caller may not see is not there (404);
posting a meeting again with the same lines returns the first meeting, with others is 409.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, PlainSerializer
from sqlalchemy import select

from lms.core.terms import MAX_AMOUNT
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RequestBody, Shown, shown
from lms.interfaces.api.security import principal_of, visible_branches
from lms.microfinance import centres as service
from lms.microfinance.models import GroupLoan, GroupMember, LendingGroup
from lms.microfinance.overview import centre_books, sheet_pdf
from lms.microfinance.sheets import Sheet, Taken, collection_sheet, post_sheet
from lms.platform.db import UnitOfWork
from lms.servicing import households
from lms.servicing.models import Customer

router = APIRouter()
Rupees = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False),
                   PlainSerializer(shown, return_type=str, when_used="json")]  # fmt: skip


class AssessmentIn(RequestBody):
    annual_income: Rupees
    other_obligations: Rupees = Decimal(0)  # a month, to other lenders
    source: str = Field(default="declared", min_length=1, max_length=40)  # bureau, declared


class HouseholdIn(AssessmentIn):
    members: list[int] = Field(min_length=1, max_length=20)  # customer ids


class HouseholdOut(BaseModel):
    id: int
    members: list[int]
    assessed_on: date | None
    annual_income: Shown | None
    monthly_income: Shown | None
    cap: Shown | None  # the most the household may repay a month, on all its loans
    obligations: Shown | None  # what it repays a month now, every lender's loans
    headroom: Shown | None


class CentreIn(RequestBody):
    code: str = Field(min_length=1, max_length=24)
    name: str = Field(min_length=1, max_length=120)
    branch_code: str = Field(min_length=1, max_length=16)
    place: str = Field(min_length=1, max_length=200)
    meeting_time: str = Field(pattern=r"^\d\d:\d\d$")
    frequency: Literal["weekly", "fortnightly", "monthly"]
    first_meeting: date
    field_officer: str = Field(min_length=1, max_length=80)


class GroupIn(RequestBody):
    name: str = Field(min_length=1, max_length=80)
    members: list[int] = Field(min_length=1, max_length=50)  # the first is the leader


class GroupLoanIn(RequestBody):
    loan_id: int = Field(ge=1, le=2**31 - 1)


class GroupOut(BaseModel):
    id: int
    name: str
    formed_on: date
    members: list[int]  # customer ids, the leader first
    loans: list[int]


class CentreOut(BaseModel):
    id: int
    code: str
    name: str
    branch_code: str
    place: str
    meeting_time: str
    frequency: str
    field_officer: str
    next_meetings: list[date]
    groups: list[GroupOut]


class CentreRow(BaseModel):
    id: int
    code: str
    name: str
    branch_code: str
    field_officer: str
    groups: int
    loans: int
    outstanding: Shown
    arrears: Shown
    par_30: Shown  # percent of the outstanding


class LineIn(RequestBody):
    loan_id: int = Field(ge=1, le=2**31 - 1)
    collected: Rupees = Decimal(0)
    cover: Rupees = Decimal(0)  # paid by the group for the member (joint liability)
    attended: bool = True


class MeetingIn(RequestBody):
    on: date
    collector: str | None = Field(default=None, min_length=1, max_length=80)  # default: caller
    lines: list[LineIn] = Field(max_length=500)


class LineOut(BaseModel):
    loan_id: int
    group: str
    member: str
    installment: Shown
    arrears: Shown
    due: Shown
    joint_liability: bool
    attended: bool | None
    collected: Shown | None
    cover: Shown | None


class SheetOut(BaseModel):
    centre_id: int
    on: date
    posted: bool
    lines: list[LineOut]


@router.post("/households", status_code=status.HTTP_201_CREATED)
def new_household(body: HouseholdIn, request: Request, uow: UnitOfWorkDep) -> HouseholdOut:
    """A household of customers and its first assessment."""
    for customer_id in body.members:
        _visible_customer(uow, request, customer_id)
    household = households.form_household(uow, body.members, today(uow))
    households.assess(uow, household.id, day=today(uow), annual_income=body.annual_income,
                      other_obligations=body.other_obligations, source=body.source)  # fmt: skip
    uow.commit()
    return household_of(uow, household.id)


@router.post("/households/{household_id}/assessments", status_code=status.HTTP_201_CREATED)
def reassess(
    household_id: int, body: AssessmentIn, request: Request, uow: UnitOfWorkDep
) -> HouseholdOut:
    """A new assessment of the household's income (the earlier ones are kept)."""
    _visible_household(uow, request, household_id)
    households.assess(uow, household_id, day=today(uow), annual_income=body.annual_income,
                      other_obligations=body.other_obligations, source=body.source)  # fmt: skip
    uow.commit()
    return household_of(uow, household_id)


@router.get("/households/{household_id}")
def household(household_id: int, request: Request, uow: UnitOfWorkDep) -> HouseholdOut:
    _visible_household(uow, request, household_id)
    return household_of(uow, household_id)


def household_of(uow: UnitOfWork, household_id: int) -> HouseholdOut:
    assessed = households.latest_assessment(uow, household_id)
    found = households.obligations(uow, household_id)
    return HouseholdOut(
        id=household_id, members=households.members_of(uow, household_id),
        assessed_on=assessed.assessed_on if assessed else None,
        annual_income=assessed.annual_income if assessed else None,
        monthly_income=found.monthly_income if found else None,
        cap=found.limit if found else None, obligations=found.obligations if found else None,
        headroom=found.headroom if found else None,
    )  # fmt: skip


def _visible_customer(uow: UnitOfWork, request: Request, customer_id: int) -> None:
    branches = principal_of(request).branches
    branch = uow.session.scalar(select(Customer.branch_code).where(Customer.id == customer_id))
    if branches is not None and branch is not None and branch not in branches:
        raise HTTPException(404, f"no customer {customer_id}")


def _visible_household(uow: UnitOfWork, request: Request, household_id: int) -> None:
    members = households.members_of(uow, household_id)
    branches = principal_of(request).branches
    seen = {uow.session.scalar(select(Customer.branch_code).where(Customer.id == m))
            for m in members}  # fmt: skip
    if not members or (branches is not None and not seen & set(branches)):
        raise HTTPException(404, f"no household {household_id}")


@router.post("/centres", status_code=status.HTTP_201_CREATED)
def new_centre(body: CentreIn, request: Request, uow: UnitOfWorkDep) -> CentreOut:
    if visible_branches(request, body.branch_code) == frozenset():
        raise HTTPException(404, f"no branch {body.branch_code}")
    centre = service.open_centre(uow, service.CentreRequest(**body.model_dump()))
    uow.commit()
    return centre_of(uow, centre.id)


@router.get("/centres")
def centres(request: Request, uow: UnitOfWorkDep, branch: str | None = None) -> list[CentreRow]:
    """Every centre the caller may see (or of `branch`), with its book and arrears."""
    books = centre_books(uow, today(uow), visible_branches(request, branch))
    return [CentreRow(id=b.centre_id, code=b.code, name=b.name, branch_code=b.branch_code,
                      field_officer=b.field_officer, groups=b.groups, loans=b.loans,
                      outstanding=b.outstanding, arrears=b.arrears, par_30=b.par)
            for b in books]  # fmt: skip


@router.get("/centres/{centre_id}")
def centre(centre_id: int, uow: UnitOfWorkDep) -> CentreOut:
    return centre_of(uow, centre_id)


def centre_of(uow: UnitOfWork, centre_id: int) -> CentreOut:
    """The centre, its groups with their members and loans, and its next meetings."""
    c = service.existing_centre(uow, centre_id)
    groups = []
    for g in uow.session.scalars(select(LendingGroup).where(LendingGroup.centre_id == c.id)
                                 .order_by(LendingGroup.name)):  # fmt: skip
        members = uow.session.scalars(
            select(GroupMember.customer_id)
            .where(GroupMember.group_id == g.id, GroupMember.left_on.is_(None))
            .order_by(GroupMember.leader.desc(), GroupMember.id)
        ).all()
        loans = uow.session.scalars(select(GroupLoan.loan_id).where(GroupLoan.group_id == g.id)
                                    .order_by(GroupLoan.loan_id)).all()  # fmt: skip
        groups.append(GroupOut(id=g.id, name=g.name, formed_on=g.formed_on,
                               members=list(members), loans=list(loans)))  # fmt: skip
    return CentreOut(id=c.id, code=c.code, name=c.name, branch_code=c.branch_code,
                     place=c.place, meeting_time=c.meeting_time, frequency=c.frequency,
                     field_officer=c.field_officer,
                     next_meetings=service.next_meetings(c, today(uow)), groups=groups)  # fmt: skip


@router.post("/centres/{centre_id}/groups", status_code=status.HTTP_201_CREATED)
def new_group(centre_id: int, body: GroupIn, uow: UnitOfWorkDep) -> CentreOut:
    service.form_group(uow, centre_id, body.name, body.members, today(uow))
    uow.commit()
    return centre_of(uow, centre_id)


@router.post("/groups/{group_id}/loans", status_code=status.HTTP_201_CREATED)
def lend_through(group_id: int, body: GroupLoanIn, uow: UnitOfWorkDep) -> CentreOut:
    """Record that a member's loan was lent through the group."""
    row = service.lend_through(uow, group_id, body.loan_id)
    uow.commit()
    return centre_of(uow, row.centre_id)


@router.get("/centres/{centre_id}/sheet")
def sheet(centre_id: int, uow: UnitOfWorkDep, on: date | None = None) -> SheetOut:
    """The collection sheet of the meeting on `on` (default: the business date)."""
    return sheet_of(collection_sheet(uow, centre_id, on or today(uow)))


@router.get("/centres/{centre_id}/sheet.pdf")
def sheet_file(centre_id: int, uow: UnitOfWorkDep, on: date | None = None) -> Response:
    found = collection_sheet(uow, centre_id, on or today(uow))
    name = f"sheet-{found.centre.code}-{found.on}.pdf"
    return Response(sheet_pdf(found), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.post("/centres/{centre_id}/meetings", status_code=status.HTTP_201_CREATED)
def post_meeting(centre_id: int, body: MeetingIn, request: Request, uow: UnitOfWorkDep) -> SheetOut:
    """Post the meeting's sheet: each member's payment and the group's covers as receipts."""
    taken = [Taken(x.loan_id, x.collected, x.cover, x.attended) for x in body.lines]
    collector = body.collector or principal_of(request).actor
    post_sheet(uow, centre_id, body.on, taken=taken, collector=collector, posted=today(uow))
    uow.commit()
    return sheet_of(collection_sheet(uow, centre_id, body.on))


def sheet_of(found: Sheet) -> SheetOut:
    return SheetOut(
        centre_id=found.centre.id, on=found.on, posted=found.meeting is not None,
        lines=[LineOut(loan_id=r.loan_id, group=r.group, member=r.member,
                       installment=r.installment, arrears=r.arrears, due=r.due,
                       joint_liability=r.joint, attended=r.attended, collected=r.collected,
                       cover=r.cover) for r in found.rows],
    )  # fmt: skip
