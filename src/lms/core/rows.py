"""One row of a repayment schedule.

Guarantee: an immutable tuple (NamedTuple) of exact Decimal amounts, with
total == principal + interest, and balance the principal outstanding after the row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple


class Installment(NamedTuple):
    """One row of a schedule. `balance` is the principal outstanding after this installment."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance: Decimal
