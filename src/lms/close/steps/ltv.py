"""Step: each gold loan's loan-to-value ratio at the day-end against its ceiling, and each loan
against securities' position against its drawing power; a margin call raised when it is above
and met when it is back within, and an open call closed with its loan (`lms.collateral.watch`,
`lms.collateral.securities`).

Each loan in its own savepoint: one that cannot be checked (no gold price in the days before,
or no recent price of a pledged security: keep the prices, then close again) is a close failure of that loan, keeping the date from
advancing, and the others go on. Guarantee: one check per loan and day (a partition run again
checks only the loans it has not); at most one open margin call per loan.
"""

from __future__ import annotations

from datetime import date

from lms.close.failures import per_loan
from lms.collateral import securities, watch
from lms.collateral.service import price_or_none
from lms.platform.db import UnitOfWork

NAME = "ltv"
KEY = "loan"
RETRY = True  # a partition with failed loans is run again (the loans checked are left out)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    found = watch.batch(uow, day, low, high)
    price = price_or_none(uow, day) if found.loans else None
    for loan_id in sorted(found.loans):
        with per_loan(uow, day, NAME, loan_id):
            watch.judge(uow, found, loan_id, price)
    pledged = securities.check_loans(uow, day, low, high)
    for loan_id in pledged:
        with per_loan(uow, day, NAME, loan_id):
            securities.judge(uow, loan_id, day)
    return len(found.loans) + len(pledged)
