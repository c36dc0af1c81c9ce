"""Step: each gold loan's loan-to-value ratio at the day-end against its ceiling, a margin call
raised when it is above and met when it is back within, and an open call closed with its loan
(`lms.collateral.watch`).

Nothing for a partition with no gold pledged; a partition with gold loans and no gold price
recorded before the day stops with that problem (record the price, then close again).
Guarantee: one check per loan and day; at most one open margin call per loan.
"""

from __future__ import annotations

from datetime import date

from lms.collateral import watch
from lms.platform.db import UnitOfWork

NAME = "ltv"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    return watch.check(uow, day, low, high)
