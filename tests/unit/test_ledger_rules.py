"""Posting rules: every business event becomes one balanced journal entry."""

from datetime import date
from decimal import Decimal as D

import pytest

from lms.core.allocation import Component, Part
from lms.core.kfs import FeeCharge
from lms.core.terms import FeePayee
from lms.ledger.accounts import ACCOUNT_TYPES, Account
from lms.ledger.rules import (
    JournalEntry,
    LedgerError,
    Line,
    credit,
    debit,
    disbursement,
    interest_due,
    repayment,
    reversal_of,
)

DAY = date(2026, 11, 12)


def _net(entry: JournalEntry) -> dict[Account, D]:
    net: dict[Account, D] = {}
    for line in entry.lines:
        net[line.account] = net.get(line.account, D(0)) + line.debit - line.credit
    return net


def test_disbursement_with_fees_tax_and_bpi_deducted() -> None:
    fees = (
        FeeCharge("processing", FeePayee.LENDER, D("12500.00"), D("2250.00")),
        FeeCharge("stamp duty", FeePayee.THIRD_PARTY, D("500.00"), D("0.00")),
    )
    entry = disbursement("L1", DAY, D("2500000.00"), fees, bpi_deducted=D("13784.25"))
    assert _net(entry) == {
        Account.LOAN_PRINCIPAL: D("2500000.00"),
        Account.DISBURSEMENT_BANK: D("-2470965.75"),  # the net disbursed amount of the KFS
        Account.FEE_INCOME: D("-12500.00"),
        Account.THIRD_PARTY_PAYABLE: D("-500.00"),
        Account.TAX_PAYABLE: D("-2250.00"),
        Account.INTEREST_INCOME: D("-13784.25"),
    }
    assert entry.total == D("2500000.00")


def test_a_repayment_with_an_excess_and_the_excess_applied_later() -> None:
    parts = (Part(1, Component.INTEREST, D("1000.00")), Part(1, Component.PRINCIPAL, D("7884.88")))
    received = repayment("L1", DAY, parts, held=D("1115.12"))
    assert _net(received) == {
        Account.COLLECTION_BANK: D("10000.00"),
        Account.INTEREST_RECEIVABLE: D("-1000.00"),
        Account.LOAN_PRINCIPAL: D("-7884.88"),
        Account.UNAPPLIED_FUNDS: D("-1115.12"),
    }
    later = repayment(
        "L1", DAY, (Part(2, Component.INTEREST, D("921.15")),), D("193.97"), from_excess=True
    )
    assert _net(later) == {
        Account.UNAPPLIED_FUNDS: D("921.15"),
        Account.INTEREST_RECEIVABLE: D("-921.15"),
    }
    assert received.event == "repayment" and later.event == "excess_applied"


def test_interest_due_and_reversal_mirror() -> None:
    entry = interest_due("L1", DAY, D("1000.00"))
    mirror = reversal_of(entry, date(2026, 11, 20))
    assert _net(mirror) == {account: -amount for account, amount in _net(entry).items()}
    assert (mirror.event, mirror.loan_id, mirror.value_date) == (
        "reversal",
        "L1",
        date(2026, 11, 20),
    )


def test_unbalanced_or_odd_lines_are_refused() -> None:
    with pytest.raises(LedgerError, match="debits 100 do not equal credits 90"):
        JournalEntry(
            "x",
            DAY,
            None,
            (debit(Account.COLLECTION_BANK, D(100)), credit(Account.FEE_INCOME, D(90))),
        )
    with pytest.raises(LedgerError, match="either a debit or a credit"):
        JournalEntry("x", DAY, None, (Line(Account.COLLECTION_BANK, D(5), D(5)),))
    with pytest.raises(LedgerError, match="negative amount"):
        JournalEntry(
            "x",
            DAY,
            None,
            (Line(Account.COLLECTION_BANK, D(-5), D(0)), Line(Account.FEE_INCOME, D(0), D(-5))),
        )
    with pytest.raises(LedgerError, match="needs lines"):
        JournalEntry("x", DAY, None, ())


def test_every_account_has_a_type() -> None:
    assert set(ACCOUNT_TYPES) == set(Account)
