"""Step: one-time settlements (lms.collections.settlements) followed at the day-end: what was
received towards each open one; completed (the rest waived, the loan settled) or broken (a plan
instalment unpaid past the grace days). After the provisions, before the reminders: a loan
settled today gets none."""

from __future__ import annotations

from datetime import date

from lms.collections.settlements import follow
from lms.platform.db import UnitOfWork

NAME = "settle"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    return follow(uow, day, low, high)
