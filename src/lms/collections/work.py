"""What collections staff do with a case: see the work queue in priority order, allocate a case
to an agent, record a promise to pay, log the outcome of a call or visit.

Guarantees: each change is in the case's history with its actor; a promise is for a future
date within LMS_PROMISE_DAYS and a positive amount, one open promise per case at a time; a
case is allocated only to an active user whose roles collect and whose branches cover it;
bad input is refused naming the field, with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, select

from lms.collections.allocation import teams, tell_of_agencies
from lms.collections.cases import buckets, note
from lms.collections.models import CaseEvent, CollectionCase, Outcome, Promise
from lms.collections.strategies import tasks_done_by_outcome
from lms.identity.models import User
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings

DISPOSITIONS = (
    "promised_to_pay", "paid", "will_pay_later", "disputes_dues", "not_reachable",
    "wrong_number", "refused_to_pay", "financial_hardship", "deceased", "skip_traced",
)  # fmt: skip
COLLECTOR_ROLES = frozenset({"collections_agent", "collections_manager", "branch_manager"})


def queue(
    branches: frozenset[str] | None, agent: str | None = None, limit: int = 200
) -> Select[CollectionCase]:
    """The open cases, most urgent first: broken promises, then the risk band (the riskiest
    first, unbanded last), then days past due, then the amount overdue; within `branches`
    (None: all), of one agent if named."""
    c = CollectionCase
    query = select(c).where(c.closed_on.is_(None))
    if branches is not None:
        query = query.where(c.branch_code.in_(sorted(branches)))
    if agent is not None:
        query = query.where(c.agent == agent)
    order = (c.broken_promises.desc(), c.risk_band.desc().nulls_last(), c.dpd.desc(),
             c.overdue.desc(), c.id)  # fmt: skip
    return query.order_by(*order).limit(limit)


def open_case(uow: UnitOfWork, case_id: int, branches: frozenset[str] | None) -> CollectionCase:
    """An open case the caller may see (404 otherwise, closed ones included for actions)."""
    case = uow.session.get(CollectionCase, case_id)
    if case is None or (branches is not None and case.branch_code not in branches):
        raise NotFoundError("collection case", case_id)
    if case.closed_on is not None:
        raise ConflictError(f"case {case_id} closed on {case.closed_on} ({case.outcome})")
    return case


def allocate(uow: UnitOfWork, case: CollectionCase, *, agent: str, day: date) -> None:
    user = uow.session.scalar(select(User).where(User.username == agent, User.active))
    if user is None or not COLLECTOR_ROLES & set(user.roles):
        raise InvalidError([("agent", "must be an active user who collects (an agent or manager)")])
    if user.branches is not None and case.branch_code not in user.branches:
        raise InvalidError([("agent", f"does not work in branch {case.branch_code}")])
    if case.agent != agent:
        note(uow, case, day, "allocated", uow.actor, agent=agent, was=case.agent)
        case.agent = agent
        tell_of_agencies(uow, day, [(case.customer_id, agent)], teams(uow))


@dataclass(frozen=True, slots=True)
class PromiseAsked:
    amount: Decimal
    promised_for: date


def promise(uow: UnitOfWork, case: CollectionCase, asked: PromiseAsked, *, day: date) -> Promise:
    days = get_settings().promise_days
    problems = []
    if asked.amount <= 0 or asked.amount != asked.amount.quantize(Decimal("0.01")):
        problems.append(("amount", "must be more than 0, to the paisa"))
    if not day < asked.promised_for <= day + timedelta(days=days):
        problems.append(("promised_for", f"must be after today and within {days} days"))
    if problems:
        raise InvalidError(problems)
    waiting = uow.session.scalar(
        select(Promise.id).where(Promise.case_id == case.id, Promise.status == "open")
    )
    if waiting is not None:
        raise ConflictError(f"case {case.id} has promise {waiting} open until its date")
    made = Promise(case_id=case.id, amount=asked.amount, promised_for=asked.promised_for,
                   made_on=day, made_by=uow.actor or "", status="open",
                   created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(made)
    uow.session.flush()
    note(uow, case, day, "promise_made", uow.actor, promise=made.id, amount=str(asked.amount),
         promised_for=asked.promised_for.isoformat())  # fmt: skip
    return made


def log_outcome(
    uow: UnitOfWork, case: CollectionCase, *, kind: str, disposition: str, note_text: str | None,
    where: tuple[str, str] | None, day: date,
) -> Outcome:  # fmt: skip
    problems = []
    if kind not in ("call", "visit"):
        problems.append(("kind", "must be call or visit"))
    if disposition not in DISPOSITIONS:
        problems.append(("disposition", f"must be one of {', '.join(DISPOSITIONS)}"))
    if where is not None and not _coordinates(*where):
        problems.append(("latitude", "latitude and longitude must be decimal degrees"))
    if problems:
        raise InvalidError(problems)
    outcome = Outcome(case_id=case.id, kind=kind, disposition=disposition, note=note_text,
                      latitude=where[0] if where else None, longitude=where[1] if where else None,
                      actor=uow.actor or "", created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(outcome)
    note(uow, case, day, f"{kind}_logged", uow.actor, disposition=disposition)
    tasks_done_by_outcome(uow, case.id, kind, uow.actor)
    return outcome


def _coordinates(latitude: str, longitude: str) -> bool:
    try:
        lat, lon = Decimal(latitude), Decimal(longitude)
    except ArithmeticError:
        return False
    return lat.is_finite() and lon.is_finite() and abs(lat) <= 90 and abs(lon) <= 180


def history(uow: UnitOfWork, case_id: int) -> list[CaseEvent]:
    return list(uow.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ))  # fmt: skip


def bucket_label(index: int) -> str:
    among = buckets()
    return among[index].label if 0 <= index < len(among) else str(index)
