"""Step: the day's early warning signals raised and cleared, and the risk bands of the loans
whose signals or scores changed (`lms.risk.signals`); the collections step reads the bands the
next day (a case's band is the worst of its borrower's loans).

Guarantee: a signal is open at most once per loan and kind; a band is rewritten only when it
changes.
"""

from __future__ import annotations

from datetime import date

from lms.platform.db import UnitOfWork
from lms.risk import signals

NAME = "signals"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    return signals.run(uow, day, low, high)
