"""Step: provisions at each month end. Each loan's required provision (lms.core.provisioning:
the rate of its asset category, secured or not, for the lender type) on its principal
outstanding is written into its snapshot of the day, and the change in the partition's total
since the last month end is posted as one entry: provision expense against the provisions
account (a release when it fell).

Settings: $LMS_LENDER_TYPE (bank, nbfc, nbfc_mfi; default nbfc) and $LMS_PROVISION_RATES, a
JSON object overriding any rate (for example {"standard": "0.25"}).
Guarantee: provisions follow the stamps of the same close; the ledger's provisions account
always equals the sum of the latest month end's required provisions.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update

from lms.batch.models import LoanSnapshot
from lms.core.classification import AssetCategory
from lms.core.provisioning import provision, rates_for
from lms.db import UnitOfWork
from lms.ledger.accounts import Account
from lms.ledger.rules import JournalEntry, credit, debit
from lms.ledger.service import post_entry
from lms.loans.models import Loan, Product

NAME = "provision"
KEY = "loan"
_SNAPSHOTS = LoanSnapshot.metadata.tables["loan_snapshots"]
_WRITE = (
    update(_SNAPSHOTS)
    .where(_SNAPSHOTS.c.day == bindparam("d"), _SNAPSHOTS.c.loan_id == bindparam("loan"))
    .values(provision=bindparam("amount"))
)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if (day + timedelta(days=1)).month == day.month:
        return 0  # only at a month end
    rates = rates_for(
        os.environ.get("LMS_LENDER_TYPE", "nbfc"),
        json.loads(os.environ.get("LMS_PROVISION_RATES", "{}")),
    )
    rows = uow.session.execute(
        select(
            LoanSnapshot.loan_id,
            LoanSnapshot.principal_outstanding,
            LoanSnapshot.category,
            LoanSnapshot.dpd,
            Product.secured,
        )
        .join(Loan, Loan.id == LoanSnapshot.loan_id)
        .join(Product, Product.id == Loan.product_id)
        .where(LoanSnapshot.day == day, LoanSnapshot.loan_id.between(low, high))
    ).all()
    required = {
        loan: provision(rates, AssetCategory(category), principal, secured=bool(secured), dpd=dpd)
        for loan, principal, category, dpd, secured in rows
    }
    if required:
        uow.session.execute(
            _WRITE, [{"d": day, "loan": k, "amount": v} for k, v in required.items()]
        )
    change = sum(required.values(), Decimal(0)) - _held_before(uow, day, low, high)
    if change:
        lines = (
            [debit(Account.PROVISION_EXPENSE, change), credit(Account.PROVISIONS, change)]
            if change > 0
            else [debit(Account.PROVISIONS, -change), credit(Account.PROVISION_EXPENSE, -change)]
        )
        entry = JournalEntry("provision", day, None, tuple(lines))
        post_entry(uow, entry, posting_date=day)
    return len(required)


def _held_before(uow: UnitOfWork, day: date, low: int, high: int) -> Decimal:
    """The partition's provisions at the previous month end (0 if none were booked then: a
    new book, or a partition whose loans had all closed)."""
    previous = day.replace(day=1) - timedelta(days=1)
    held = uow.session.scalar(
        select(func.sum(LoanSnapshot.provision)).where(
            LoanSnapshot.day == previous, LoanSnapshot.loan_id.between(low, high)
        )
    )
    return Decimal(held or 0)
