"""Step: at a month end, the book scored by the active delinquency models (`lms.risk.scoring`)
from the months of behaviour the previous step wrote: each eligible loan's probability of
going bad within three months, its risk band and its reason codes.

Nothing when no model is active, or when the month's behaviour was not written (a month the
close did not see whole: `lms risk backfill`, then `lms risk score`). Guarantee: a loan is
scored once per month end and model target.
"""

from __future__ import annotations

from datetime import date

from lms.close.steps.provision import month_end
from lms.platform.db import UnitOfWork
from lms.risk.scoring import score

NAME = "score"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if not month_end(day):
        return 0
    return score(uow, day, low=low, high=high)
