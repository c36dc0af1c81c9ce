"""Cases given to agents by the close: each open case without an agent goes, in priority order,
to an active agent of its branch (round-robin, the one with the fewest open cases first), as
long as the agent has room (LMS_AGENT_CAPACITY open cases); a case whose branch has no agent
with room waits unallocated (the work queue shows it) for a manager or the next close.

Guarantees: an agent never holds more than the capacity through this (a manager may allocate
beyond it by hand); every allocation is in the case's history; the same book and the same
agents give the same allocation (ties broken by name).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from lms.collections.cases import note
from lms.collections.models import CollectionCase
from lms.identity.models import User
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

AGENTS = ("collections_agent",)


def allocate_waiting(uow: UnitOfWork, day: date) -> int:
    """Give every open case without an agent to an agent of its branch with room; how many."""
    capacity = get_settings().agent_capacity
    c = CollectionCase
    held = Counter(dict(uow.session.execute(
        select(c.agent, func.count()).where(c.closed_on.is_(None), c.agent.is_not(None))
        .group_by(c.agent)
    ).all()))  # fmt: skip
    agents = [u for u in uow.session.scalars(select(User).where(User.active).order_by(User.username))
              if set(AGENTS) & set(u.roles)]  # fmt: skip
    waiting = uow.session.scalars(
        select(c).where(c.closed_on.is_(None), c.agent.is_(None))
        .order_by(c.broken_promises.desc(), c.dpd.desc(), c.overdue.desc(), c.id)
    )  # fmt: skip
    given = 0
    for case in waiting:
        able = [u.username for u in agents
                if (u.branches is None or case.branch_code in u.branches)
                and held[u.username] < capacity]  # fmt: skip
        if not able:
            continue
        chosen = min(able, key=lambda name: (held[name], name))
        case.agent = chosen
        held[chosen] += 1
        note(uow, case, day, "allocated", agent=chosen, was=None)
        given += 1
    return given
