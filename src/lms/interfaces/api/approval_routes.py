"""The approvals queue under /api/v1: the changes waiting for a second person, and their
approval or rejection (lms.interfaces.api.changes says what each kind does).

Guarantees: a caller sees and decides only the kinds whose permission they hold, and of a
request naming a loan, only those of their branches; the maker
never decides their own request (409); an approved change that its service refuses answers
that refusal and stays pending, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from lms.identity.approvals import pending
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.changes import ApprovalOut, decidable, decide_request, in_reach, shown
from lms.interfaces.api.schemas import RequestBody
from lms.interfaces.api.security import principal_of

router = APIRouter()


class DecisionIn(RequestBody):
    note: str | None = Field(default=None, max_length=500)


@router.get("/approvals")
def waiting(
    request: Request,
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ApprovalOut]:
    """The changes waiting for a second person, of the kinds the caller may decide."""
    who = principal_of(request)
    rows = pending(uow, kinds=decidable(who), limit=limit, offset=offset)
    return [shown(row) for row in in_reach(uow, who, rows)]


@router.post("/approvals/{approval_id}/{decision}")
def decided(
    approval_id: int,
    decision: Literal["approval", "rejection"],
    body: DecisionIn,
    request: Request,
    uow: UnitOfWorkDep,
) -> ApprovalOut:
    """Approve (the change is made now, on today's business date) or reject a request."""
    row = decide_request(
        uow, principal_of(request), approval_id=approval_id, approve=decision == "approval",
        note=body.note, day=today(uow),
    )  # fmt: skip
    uow.commit()
    return shown(row)
