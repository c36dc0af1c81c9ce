"""Cases given to agents by the close: each open case without an agent goes, in priority order,
to an active agent of its branch (round-robin, the one with the fewest open cases first), as
long as the agent has room (LMS_AGENT_CAPACITY open cases); a case whose branch has no agent
with room waits unallocated (the work queue shows it) for a manager or the next close.

By area: an agent given PIN codes (their territory) takes only cases whose borrower lives in
one of them, and before any agent without a territory; an agent with none takes any case of
their branches. A case with no PIN code goes to agents without a territory.

Guarantees: an agent never holds more than the capacity through this (a manager may allocate
beyond it by hand); every allocation is in the case's history; the same book and the same
agents give the same allocation (ties broken by name).
"""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import delete, func, select

from lms.collections.cases import CLAIMED, History
from lms.collections.models import AgentTeam, AgentTerritory, CollectionCase
from lms.identity.models import User
from lms.notices.outbox import Message, queue_messages
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, update_rows
from lms.platform.errors import InvalidError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan

AGENTS = ("collections_agent",)


def allocate_waiting(uow: UnitOfWork, day: date) -> int:
    """Give every open case without an agent to an agent of its branch with room; how many."""
    c = CollectionCase
    waiting = uow.session.execute(
        select(c.id, c.branch_code, c.pin_code, c.customer_id)
        .where(c.closed_on.is_(None), c.agent.is_(None))
        .order_by(c.broken_promises.desc(), c.dpd.desc(), c.overdue.desc(), c.id)
    ).all()  # fmt: skip
    if not waiting:
        return 0
    pick = _Picker(uow)
    chosen = [(case_id, pick(branch, pin)) for case_id, branch, pin, _ in waiting]
    rows = [{"id": case_id, "agent": agent, "was": None} for case_id, agent in chosen if agent]
    table = CollectionCase.metadata.tables["collection_cases"]
    won = set(update_rows(uow, table, ["id"], rows, guard={"agent": "was"}))
    history = History()  # a case a manager allocated meanwhile keeps theirs, unrecorded here
    for case_id, agent in chosen:
        if agent and case_id in won:
            history.add(case_id, day, "allocated", agent=agent, was=None)
    history.write(uow)
    whose = {case_id: customer for case_id, _, _, customer in waiting}
    tell_of_agencies(uow, day, [(whose[k], a) for k, a in chosen if a and k in won], pick.crews)
    return len(won)


def tell_of_agencies(
    uow: UnitOfWork, day: date, given: list[tuple[int, str]], crews: dict[str, AgentTeam]
) -> None:
    """RBI's fair practices: a borrower whose case goes to an agent of a recovery agency is
    told the agency's name (`given`: the borrowers and their new agents), the next morning."""
    told = {customer: crews[agent].agency for customer, agent in given
            if agent in crews and crews[agent].agency}  # fmt: skip
    if not told:
        return
    loans = dict(uow.session.execute(  # each borrower's first loan they still owe on
        select(Loan.customer_id, func.min(Loan.id))
        .where(among(uow, Loan.customer_id, sorted(told)), Loan.status.in_(CLAIMED))
        .group_by(Loan.customer_id)
    ).all())  # fmt: skip
    messages = [Message(loans[c], "agency_assigned", {"agency": agency})
                for c, agency in sorted(told.items()) if c in loans]  # fmt: skip
    queue_messages(uow, messages, day + timedelta(days=1))


class _Picker:
    """The agent a case of a branch (and PIN code) goes to: among those covering the PIN code,
    else among those of the branch without a territory, the one with the fewest open cases
    (then by name) who still has room. Each group is a heap; an entry whose count is stale
    (the agent took a case through another group) is put back with the right count."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.capacity = get_settings().agent_capacity
        self.held = cases_held(uow)
        self.agents = active_agents(uow)
        self.areas = territories(uow)
        self.crews = teams(uow)
        self.groups: dict[tuple[str, str | None], list[tuple[int, str]]] = {}

    def __call__(self, branch: str, pin: str | None) -> str | None:
        if pin is not None:
            found = self._take((branch, pin))
            if found is not None:
                return found
        return self._take((branch, None))

    def _take(self, key: tuple[str, str | None]) -> str | None:
        heap = self.groups.get(key)
        if heap is None:
            heap = self.groups[key] = self._group(*key)
        while heap:
            count, name = heap[0]
            if count != self.held[name]:  # stale: taken elsewhere since
                heapq.heapreplace(heap, (self.held[name], name))
                continue
            if count >= self.capacity:
                return None  # the fewest held is full: all are
            self.held[name] += 1
            heapq.heapreplace(heap, (count + 1, name))
            return name
        return None

    def _group(self, branch: str, pin: str | None) -> list[tuple[int, str]]:
        members = [
            (self.held[u.username], u.username) for u in self.agents
            if (u.branches is None or branch in u.branches)
            and (pin in self.areas.get(u.username, ()) if pin is not None
                 else u.username not in self.areas)
        ]  # fmt: skip
        heapq.heapify(members)
        return members


def territories(uow: UnitOfWork) -> dict[str, set[str]]:
    """Each agent with a territory: the PIN codes they cover."""
    found: dict[str, set[str]] = {}
    for username, pin in uow.session.execute(
        select(AgentTerritory.username, AgentTerritory.pin_code)
    ):
        found.setdefault(username, set()).add(pin)
    return found


def teams(uow: UnitOfWork) -> dict[str, AgentTeam]:
    """Each agent given a team: their team and agency."""
    return {t.username: t for t in uow.session.scalars(select(AgentTeam))}


def set_team(uow: UnitOfWork, username: str, team: str, agency: str | None) -> AgentTeam:
    """Put the agent in `team`, of the recovery agency `agency` (None: in-house)."""
    _agent(uow, username)
    team, agency = team.strip(), (agency or "").strip() or None
    problems = []
    if not 0 < len(team) <= 64:
        problems.append(("team", "must be 1 to 64 characters"))
    if agency is not None and len(agency) > 120:
        problems.append(("agency", "must be at most 120 characters"))
    if problems:
        raise InvalidError(problems)
    row = uow.session.scalar(select(AgentTeam).where(AgentTeam.username == username))
    if row is None:
        row = AgentTeam(username=username, team=team, agency=agency)
        uow.session.add(row)
    row.team, row.agency = team, agency
    uow.session.flush()
    return row


def _agent(uow: UnitOfWork, username: str) -> User:
    agent = uow.session.scalar(select(User).where(User.username == username, User.active))
    if agent is None or not set(AGENTS) & set(agent.roles):
        raise InvalidError([("username", f"{username!r} is not an active collections agent")])
    return agent


def set_territory(uow: UnitOfWork, username: str, pin_codes: list[str]) -> list[str]:
    """Make `pin_codes` the agent's whole territory (none: any case of their branches);
    refused, naming the field, for someone who is not an active agent or a code that is not
    six digits."""
    _agent(uow, username)
    wrong = [p for p in pin_codes if not (len(p) == 6 and p.isascii() and p.isdigit())]
    if wrong or len(pin_codes) > 200:
        raise InvalidError([("pin_codes", "must be at most 200 PIN codes of six digits")])
    uow.session.execute(delete(AgentTerritory).where(AgentTerritory.username == username))
    kept = sorted(set(pin_codes))
    uow.session.add_all(AgentTerritory(username=username, pin_code=p) for p in kept)
    uow.session.flush()
    return kept


def cases_held(uow: UnitOfWork) -> Counter[str]:
    """The open cases each agent holds."""
    c = CollectionCase
    rows = uow.session.execute(
        select(c.agent, func.count()).where(c.closed_on.is_(None), c.agent.is_not(None))
        .group_by(c.agent)
    )  # fmt: skip
    return Counter({agent: count for agent, count in rows if agent is not None})


def active_agents(uow: UnitOfWork) -> list[User]:
    """The active users holding an agent's role, by name."""
    users = uow.session.scalars(select(User).where(User.active).order_by(User.username))
    return [u for u in users if set(AGENTS) & set(u.roles)]
