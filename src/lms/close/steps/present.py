"""Step: NACH / eNACH debits presented for what falls due today, and returned debits presented
again by the product's rule (lms.payments.nach.present_due); each is posted at once as the
loan's repayment on today's date, so the day's DPD already counts it. Runs after the dues are
raised. Set-based: one query finds the partition's dues under active mandates; the payments
go through the bulk repayment path.
"""

from __future__ import annotations

from datetime import date

from lms.payments.nach import present_due
from lms.platform.db import UnitOfWork

NAME = "present"
KEY = "loan"
SYNCHRONOUS = True  # presentations go to the bank: committed durably (lms.close.runner)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    return present_due(uow, day, low, high)
