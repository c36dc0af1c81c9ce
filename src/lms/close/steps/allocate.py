"""Step: open collection cases without an agent given to the agents of their branches
(lms.collections.allocation): once for the whole book, after the cases are kept (collect)."""

from __future__ import annotations

from datetime import date

from lms.collections.allocation import allocate_waiting
from lms.platform.db import UnitOfWork

NAME = "allocate"
KEY = "book"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    return allocate_waiting(uow, day)
