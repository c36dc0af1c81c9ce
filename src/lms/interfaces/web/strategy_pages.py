"""The collections strategy as a page: its steps by bucket and day (a message of an event, a
call, a field visit, a legal notice), each added or retired by a manager; the agents of the
manager's branches with their territories (PIN codes), set here; and today's tasks on the work
queue page (lms.interfaces.web.collection_pages).

Guarantees: the API's service (lms.collections.strategies); a step that could not act is shown
on the form, naming the field, with nothing written; the form token and `collections.manage`
are needed to change it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.collections import strategies
from lms.collections.allocation import set_team, set_territory
from lms.collections.cases import buckets
from lms.collections.models import Strategy
from lms.collections.work import bucket_label
from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.strategy_routes import agents_of
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.notices.templates import TEMPLATES
from lms.platform.errors import InvalidError, NotFoundError

router = APIRouter()


@router.get(f"{ROOT}/collections/strategy")
def strategy(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _drawn(request, uow, who)


def _drawn(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    status: int = 200,
    problems: list[str] | None = None,
    territory_problems: list[str] | None = None,
) -> HTMLResponse:
    s = Strategy
    rows = uow.session.scalars(select(s).order_by(s.active.desc(), s.bucket, s.day, s.id))
    events = sorted(e for e, t in TEMPLATES.items() if set(t.params) <= strategies.FILLED)
    may_change = who.may(Permission.COLLECTIONS_MANAGE)
    return page(request, "collection_strategy.html", status, steps=list(rows),
                label=bucket_label, buckets=[b.label for b in buckets()], events=events,
                actions=strategies.ACTIONS, problems=problems or [], may_change=may_change,
                agents=agents_of(uow, who.branches) if may_change else [],
                territory_problems=territory_problems or [])  # fmt: skip


@router.post(f"{ROOT}/collections/strategy", dependencies=[FormChecked], response_model=None)
def add(
    request: Request, uow: UnitOfWorkDep, who: Staff,
    bucket: Annotated[str, Form(max_length=16)], day: Annotated[str, Form(max_length=4)],
    action: Annotated[str, Form(max_length=16)], event: Annotated[str, Form(max_length=40)] = "",
    product_code: Annotated[str, Form(max_length=32)] = "",
    min_band: Annotated[str, Form(max_length=1)] = "",
) -> Response:  # fmt: skip
    try:
        if not day.isdigit():
            raise InvalidError([("day", "must be a whole number of days")])
        strategies.add_step(uow, bucket=bucket, day=int(day), action=action,
                            event=event or None, product_code=product_code or None,
                            min_band=min_band or None)  # fmt: skip
        uow.commit()
    except InvalidError as exc:
        uow.session.rollback()
        return _drawn(request, uow, who, 422, reasons(exc))
    return RedirectResponse(f"{ROOT}/collections/strategy?added=1", status_code=303)


@router.post(f"{ROOT}/collections/strategy/{{step_id}}/retirement", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def retire(request: Request, uow: UnitOfWorkDep, who: Staff, step_id: int) -> Response:
    strategies.retire_step(uow, step_id)
    uow.commit()
    return RedirectResponse(f"{ROOT}/collections/strategy?retired={step_id}", status_code=303)


@router.post(f"{ROOT}/collections/agents/{{username}}", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def agent(
    request: Request, uow: UnitOfWorkDep, who: Staff, username: str,
    pin_codes: Annotated[str, Form(max_length=2000)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
    agency: Annotated[str, Form(max_length=120)] = "",
) -> Response:  # fmt: skip
    """Make the PIN codes typed (separated by commas or spaces) the agent's territory, and put
    them in the team typed (of the recovery agency typed; none: in-house)."""
    if username not in {a["username"] for a in agents_of(uow, who.branches)}:
        raise NotFoundError("agent", username)
    try:
        set_territory(uow, username, pin_codes.replace(",", " ").split())
        if team.strip() or agency.strip():
            set_team(uow, username, team, agency)
        uow.commit()
    except InvalidError as exc:
        uow.session.rollback()
        return _drawn(request, uow, who, 422, territory_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/collections/strategy?territory={username}#agents-h",
                            status_code=303)  # fmt: skip
