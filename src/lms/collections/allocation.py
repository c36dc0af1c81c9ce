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

from collections import Counter
from datetime import date

from sqlalchemy import delete, func, select

from lms.collections.cases import note
from lms.collections.models import AgentTerritory, CollectionCase
from lms.identity.models import User
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.platform.settings import get_settings

AGENTS = ("collections_agent",)


def allocate_waiting(uow: UnitOfWork, day: date) -> int:
    """Give every open case without an agent to an agent of its branch with room; how many."""
    capacity = get_settings().agent_capacity
    c = CollectionCase
    held, agents = cases_held(uow), active_agents(uow)
    waiting = uow.session.scalars(
        select(c).where(c.closed_on.is_(None), c.agent.is_(None))
        .order_by(c.broken_promises.desc(), c.dpd.desc(), c.overdue.desc(), c.id)
    )  # fmt: skip
    areas = territories(uow)
    given = 0
    for case in waiting:
        able = [u.username for u in agents
                if (u.branches is None or case.branch_code in u.branches)
                and held[u.username] < capacity
                and (u.username not in areas or case.pin_code in areas[u.username])]  # fmt: skip
        if not able:
            continue
        chosen = min(able, key=lambda name: (name not in areas, held[name], name))
        case.agent = chosen
        held[chosen] += 1
        note(uow, case, day, "allocated", agent=chosen, was=None)
        given += 1
    return given


def territories(uow: UnitOfWork) -> dict[str, set[str]]:
    """Each agent with a territory: the PIN codes they cover."""
    found: dict[str, set[str]] = {}
    for username, pin in uow.session.execute(
        select(AgentTerritory.username, AgentTerritory.pin_code)
    ):
        found.setdefault(username, set()).add(pin)
    return found


def set_territory(uow: UnitOfWork, username: str, pin_codes: list[str]) -> list[str]:
    """Make `pin_codes` the agent's whole territory (none: any case of their branches);
    refused, naming the field, for someone who is not an active agent or a code that is not
    six digits."""
    agent = uow.session.scalar(select(User).where(User.username == username, User.active))
    if agent is None or not set(AGENTS) & set(agent.roles):
        raise InvalidError([("username", f"{username!r} is not an active collections agent")])
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
