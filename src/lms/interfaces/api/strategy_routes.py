"""Collections strategies, tasks and agents under /api/v1: the steps (per bucket and product, a
message or a task on a day into the bucket), added and retired by managers; the open tasks
they set (today's calls and visits), within the caller's branches; the agents with their
territories (the PIN codes they cover), set by managers.

Guarantees: a step that could not act is 422 naming the field; steps are never edited (a
change is a new step and the old one retired); tasks show only cases the caller may see.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from lms.collections import strategies
from lms.collections.allocation import (
    active_agents,
    cases_held,
    set_team,
    set_territory,
    teams,
    territories,
)
from lms.collections.models import CaseTask, CollectionCase, Strategy
from lms.collections.work import bucket_label
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RequestBody
from lms.interfaces.api.security import principal_of
from lms.platform.db import UnitOfWork
from lms.platform.errors import NotFoundError

router = APIRouter()


class StepIn(RequestBody):
    bucket: str = Field(min_length=1, max_length=16)  # a label of LMS_COLLECTION_BUCKETS
    day: int = Field(ge=0, le=365)
    # message, call, visit, sarfaesi_notice, cheque_notice (lms.collections.strategies)
    action: str = Field(min_length=1, max_length=16)
    event: str | None = Field(default=None, max_length=40)  # a message's template
    product_code: str | None = Field(default=None, max_length=32)
    min_band: str | None = Field(default=None, max_length=1)  # only cases of this band or worse


class StepOut(BaseModel):
    id: int
    bucket: str
    day: int
    action: str
    event: str | None
    product_code: str | None
    min_band: str | None
    active: bool
    made_by: str | None


def step_out(step: Strategy) -> StepOut:
    return StepOut(id=step.id, bucket=bucket_label(step.bucket), day=step.day,
                   action=step.action, event=step.event, product_code=step.product_code,
                   min_band=step.min_band, active=step.active, made_by=step.made_by)  # fmt: skip


@router.get("/collections/strategies")
def steps(uow: UnitOfWorkDep) -> list[StepOut]:
    """Every step, the active ones first, by bucket and day."""
    s = Strategy
    rows = uow.session.scalars(select(s).order_by(s.active.desc(), s.bucket, s.day, s.id))
    return [step_out(r) for r in rows]


@router.post("/collections/strategies", status_code=status.HTTP_201_CREATED)
def add(body: StepIn, uow: UnitOfWorkDep) -> StepOut:
    step = strategies.add_step(uow, bucket=body.bucket, day=body.day, action=body.action,
                               event=body.event, product_code=body.product_code,
                               min_band=body.min_band)  # fmt: skip
    uow.commit()
    return step_out(step)


@router.post("/collections/strategies/{step_id}/retirement")
def retire(step_id: int, uow: UnitOfWorkDep) -> StepOut:
    strategies.retire_step(uow, step_id)
    uow.commit()
    step = uow.session.get(Strategy, step_id)
    assert step is not None
    return step_out(step)


class TaskOut(BaseModel):
    id: int
    case_id: int
    kind: str
    due_on: date
    status: str
    agent: str | None


@router.get("/collections/tasks")
def tasks(
    request: Request,
    uow: UnitOfWorkDep,
    agent: Annotated[str | None, Query(max_length=80)] = None,
) -> list[TaskOut]:
    """The open tasks due by the business date (today's calls, visits and notices), of one
    agent's cases if named, within the caller's branches."""
    return [TaskOut(id=t.id, case_id=t.case_id, kind=t.kind, due_on=t.due_on, status=t.status,
                    agent=a) for t, a in open_tasks(uow, principal_of(request).branches,
                                                    today(uow), agent)]  # fmt: skip


def open_tasks(
    uow: UnitOfWorkDep, branches: frozenset[str] | None, day: date, agent: str | None = None
) -> list[tuple[CaseTask, str | None]]:
    t, c = CaseTask, CollectionCase
    query = (
        select(t, c.agent).join(c, c.id == t.case_id)
        .where(t.status == "open", t.due_on <= day, c.closed_on.is_(None))
        .order_by(t.due_on, t.id)
    )  # fmt: skip
    if branches is not None:
        query = query.where(c.branch_code.in_(sorted(branches)))
    if agent is not None:
        query = query.where(c.agent == agent)
    return [(task, who) for task, who in uow.session.execute(query.limit(500))]


class TerritoryIn(RequestBody):
    pin_codes: list[str] = Field(max_length=200)  # six digits each; none: the whole branch


class TeamIn(RequestBody):
    team: str = Field(min_length=1, max_length=64)
    agency: str | None = Field(default=None, max_length=120)  # a recovery agency's name


class AgentOut(BaseModel):
    username: str
    branches: list[str] | None
    pin_codes: list[str]  # the territory (none: any case of their branches)
    team: str | None
    agency: str | None  # the recovery agency they work for (None: in-house)
    open_cases: int


@router.get("/collections/agents")
def agents(request: Request, uow: UnitOfWorkDep) -> list[AgentOut]:
    """The active collections agents of the caller's branches, with their territories and the
    open cases they hold."""
    return [AgentOut(**a) for a in agents_of(uow, principal_of(request).branches)]


@router.put("/collections/agents/{username}/territory")
def territory(request: Request, username: str, body: TerritoryIn, uow: UnitOfWorkDep) -> AgentOut:
    """Make the PIN codes the agent's whole territory (the close allocates by it)."""
    shown = _agent_of(request, uow, username)
    kept = set_territory(uow, username, body.pin_codes)
    uow.commit()
    return AgentOut(**{**shown, "pin_codes": kept})


@router.put("/collections/agents/{username}/team")
def team(request: Request, username: str, body: TeamIn, uow: UnitOfWorkDep) -> AgentOut:
    """Put the agent in a team, in-house or of a recovery agency."""
    shown = _agent_of(request, uow, username)
    row = set_team(uow, username, body.team, body.agency)
    uow.commit()
    return AgentOut(**{**shown, "team": row.team, "agency": row.agency})


def _agent_of(request: Request, uow: UnitOfWork, username: str) -> dict[str, Any]:
    """The agent as AgentOut has them, if they share a branch with the caller; else 404."""
    mine = {a["username"]: a for a in agents_of(uow, principal_of(request).branches)}
    if username not in mine:
        raise NotFoundError("agent", username)
    return mine[username]


def agents_of(uow: UnitOfWork, branches: frozenset[str] | None) -> list[dict[str, Any]]:
    """The active agents sharing a branch with `branches` (None: all), as AgentOut has them."""
    areas, held, crews = territories(uow), cases_held(uow), teams(uow)
    found = []
    for user in active_agents(uow):
        if branches is not None and not (user.branches and set(user.branches) & branches):
            continue
        found.append({"username": user.username, "branches": user.branches,
                      "pin_codes": sorted(areas.get(user.username, ())),
                      "team": crews[user.username].team if user.username in crews else None,
                      "agency": crews[user.username].agency if user.username in crews else None,
                      "open_cases": held.get(user.username, 0)})  # fmt: skip
    return found
