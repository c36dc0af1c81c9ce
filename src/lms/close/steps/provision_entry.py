"""Step: the month end's provisions booked for the whole book, after the per-loan figures.

The book's required provision is the sum of the loans' figures of the day (banks, NBFCs) or,
for an NBFC-MFI, the higher of the floor rate of all principal outstanding and the sum of the
loans' aged parts (lms.core.provisioning.mfi_book). One entry moves the ledger's provisions
account to it: provision expense against provisions (a release when it fell).

One partition (the book). Guarantee: after each month end's close the provisions account holds
exactly the book's required provision of that day, whatever was booked before.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.close.models import LoanSnapshot
from lms.close.steps.provision import month_end
from lms.core.provisioning import mfi_book
from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.ledger.rules import JournalEntry, credit, debit
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.settings import lender_rates

NAME = "provision_entry"
KEY = "book"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if not month_end(day):
        return 0
    rates = lender_rates()
    loans, outstanding, figures = uow.session.execute(
        select(
            func.count(),
            func.sum(LoanSnapshot.principal_outstanding),
            func.sum(LoanSnapshot.provision),
        ).where(LoanSnapshot.day == day)
    ).one()
    aged = Decimal(figures or 0)
    required = mfi_book(rates, Decimal(outstanding or 0), aged) if rates.mfi else aged
    change = required - held(uow)
    if change:
        lines = (
            [debit(Account.PROVISION_EXPENSE, change), credit(Account.PROVISIONS, change)]
            if change > 0
            else [debit(Account.PROVISIONS, -change), credit(Account.PROVISION_EXPENSE, -change)]
        )
        post_entry(uow, JournalEntry("provision", day, None, tuple(lines)), posting_date=day)
    return int(loans)


def held(uow: UnitOfWork) -> Decimal:
    """The provisions the ledger holds (a credit balance, as a positive amount)."""
    debits, credits = uow.session.execute(
        select(func.sum(JournalLineRow.debit), func.sum(JournalLineRow.credit))
        .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
        .where(  # the book-level entries (no loan), by the entries' loan index
            JournalEntryRow.loan_id.is_(None), JournalLineRow.account == Account.PROVISIONS.value
        )
    ).one()
    return Decimal(credits or 0) - Decimal(debits or 0)
