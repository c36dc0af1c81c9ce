"""The posting table: every rule builds exactly the kind its row names and moves only the
accounts that row allows (on the debit side or the credit side as listed; a signed rule's
negative amount uses the same pair the other way round, so both signs are tried)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lms.core.allocation import Component, Part
from lms.core.kfs import FeeCharge
from lms.core.terms import FeePayee
from lms.ledger import rules
from lms.ledger.accounts import Account
from lms.ledger.rules import POSTING_RULES, JournalEntry

DAY = date(2026, 10, 26)
PARTS = (
    Part(1, Component.INTEREST, D("10")),
    Part(1, Component.PRINCIPAL, D("20")),
    Part(-1, Component.FEE, D("3")),
    Part(-2, Component.PENAL, D("4")),
)
FEES = (
    FeeCharge("processing", FeePayee.LENDER, D("100"), D("18")),
    FeeCharge("insurance", FeePayee.THIRD_PARTY, D("50"), D("0")),
)

# a loan's books at a write-off: interest paid ahead (a credit on the receivable), income held
# in suspense and money held unapplied, each netting to the other side
HELD = {
    Account.LOAN_PRINCIPAL: D("84151.39"), Account.INTEREST_RECEIVABLE: D("-20"),
    Account.INTEREST_ACCRUED: D("112.20"), Account.FEE_RECEIVABLE: D("590"),
    Account.PENAL_RECEIVABLE: D("47.20"), Account.INTEREST_SUSPENSE: D("-1921.15"),
    Account.PENAL_SUSPENSE: D("-40"), Account.UNAPPLIED_FUNDS: D("-300"),
}  # fmt: skip

SAMPLES: list[JournalEntry] = [
    rules.disbursement("1", DAY, D("1000"), FEES, D("5")),
    rules.disbursement("1", DAY, D("1000"), FEES, D("5"), fees_collected=True),
    rules.tranche("1", DAY, D("500"), "T2"),
    rules.interest_due("1", DAY, D("10"), accrued=D("4")),
    rules.interest_due("1", DAY, D("10"), accrued=D("12")),  # revised below the accrual
    rules.interest_due("1", DAY, D("10"), npa=True),
    rules.repayment("1", DAY, PARTS, D("7"), reference="U1"),
    rules.repayment("1", DAY, PARTS, D("0"), reference="P1", kind="prepayment"),
    rules.repayment("1", DAY, PARTS, D("0"), from_excess=True),
    rules.advance_released("1", DAY, PARTS[:2]),
    rules.capitalisation("1", DAY, D("1762.66"), "R-1"),
    rules.small_balance("1", DAY, PARTS[:2], "SB-1"),
    rules.charge("1", DAY, D("500"), D("90"), "bounce:U1"),
    rules.penal_charge("1", DAY, D("40"), D("7.20"), reference="penal:2026-10"),
    rules.penal_charge("1", DAY, D("40"), D("7.20"), npa=True, reference="penal:2026-10"),
    rules.charge_waiver("1", DAY, D("290"), D("44.24"), "waiver-1", penal=False),
    rules.charge_waiver("1", DAY, D("41.36"), D("6.31"), "waiver-2", penal=True),
    rules.recovery("1", DAY, D("30"), "R1"),
    rules.refund("1", DAY, D("30"), "R1"),
    rules.npa_suspense("1", DAY, D("10"), D("-4")),
    rules.npa_suspense("1", DAY, D("-10"), D("4")),
    rules.income_to_suspense("1", DAY, D("10")),
    rules.income_to_suspense("1", DAY, D("-10"), penal=True),
    rules.accrual("1", DAY, D("3")),
    rules.receipt_to_suspense(DAY, D("30")),
    rules.suspense_to_loan(DAY, D("30")),
    rules.top_up_transfer(DAY, D("30"), "top-up:2"),
    rules.gateway_fees(DAY, D("2"), D("0.36")),
    rules.auction_surplus(DAY, D("124000"), "AUCTION-1"),
    rules.surplus_refund(DAY, D("124000"), "AUCTION-1"),
    rules.write_off("1", DAY, HELD, "write-off"),
    rules.write_off("1", DAY, HELD, "settlement-1", settlement=True),
    rules.write_off_recovery("1", DAY, D("500"), "UTR9"),
    rules.advance_emi("1", DAY, D("16000.26")),
]


@pytest.mark.parametrize("entry", SAMPLES, ids=lambda e: e.event)
def test_each_rule_moves_only_the_accounts_of_its_row(entry: JournalEntry) -> None:
    _, debits, credits = POSTING_RULES[entry.event]
    signed = entry.event in {"npa_suspense", "interest_due", "accrual", "write_off",
                             "settlement_waiver"}  # fmt: skip
    for line in entry.lines:
        side = debits if line.debit else credits
        other = credits if line.debit else debits
        assert line.account in side or (signed and line.account in other), (entry.event, line)


def test_every_kind_in_the_table_has_a_sample() -> None:
    assert {e.event for e in SAMPLES} == set(POSTING_RULES) - {"provision"}


def test_entries_a_replay_can_restate_carry_their_source() -> None:
    sources = [e.source for e in SAMPLES]
    assert sources[:4] == ["disbursement", "disbursement", "tranche:T2", "due:2026-10-26"]
    assert sources[6:19] == [
        "repayment:U1", "prepayment:P1", "excess:2026-10-26", "released:2026-10-26",
        "capitalised:R-1", "small_balance:SB-1", "charge:bounce:U1", "penal:penal:2026-10", "penal:penal:2026-10", "waiver:waiver-1",
        "waiver:waiver-2", "recovery:R1", "refund:R1",
    ]  # fmt: skip
    assert rules.accrual("1", DAY, D("3")).source is None


def test_an_interest_due_below_its_accrual_takes_the_difference_back_from_income() -> None:
    entry = rules.interest_due("1", DAY, D("10"), accrued=D("12"))
    assert sorted((line.account.value, line.debit, line.credit) for line in entry.lines) == [
        ("interest_accrued", D(0), D("12")),
        ("interest_income", D("2"), D(0)),
        ("interest_receivable", D("10"), D(0)),
    ]


def test_a_capitalisation_makes_the_overdue_interest_principal() -> None:
    entry = rules.capitalisation("1", DAY, D("1762.66"), "R-1")
    assert sorted((line.account.value, line.debit, line.credit) for line in entry.lines) == [
        ("interest_receivable", D(0), D("1762.66")),
        ("loan_principal", D("1762.66"), D(0)),
    ]


def test_a_reversal_mirrors_and_keeps_the_source() -> None:
    entry = rules.charge("1", DAY, D("500"), D("90"), "bounce:U1")
    mirror = rules.reversal_of(entry, DAY)
    assert mirror.source == "charge:bounce:U1"
    assert {(line.account, line.debit, line.credit) for line in mirror.lines} == {
        (line.account, line.credit, line.debit) for line in entry.lines
    }


def test_a_waiver_takes_its_part_out_of_income_and_its_gst_out_of_the_tax_owed() -> None:
    """290 of a 500 + 90 GST fee forgiven: 44.24 of it is GST (290 x 90 / 590, to the paisa)."""
    fee = rules.charge_waiver("1", DAY, D("290"), D("44.24"), "waiver-1", penal=False)
    penal = rules.charge_waiver("1", DAY, D("41.36"), D("6.31"), "waiver-2", penal=True)
    lines = [sorted((x.account.value, x.debit, x.credit) for x in e.lines) for e in (fee, penal)]
    assert lines == [
        [("fee_income", D("245.76"), D(0)), ("fee_receivable", D(0), D("290")),
         ("tax_payable", D("44.24"), D(0))],
        [("penal_income", D("35.05"), D(0)), ("penal_receivable", D(0), D("41.36")),
         ("tax_payable", D("6.31"), D(0))],
    ]  # fmt: skip


def test_a_write_off_empties_what_the_books_hold_and_the_rest_is_its_loss() -> None:
    entry = rules.write_off("1", DAY, HELD, "write-off")
    moved = {line.account: line.debit - line.credit for line in entry.lines}
    # 84,151.39 - 20 + 112.20 + 590 + 47.20 - 1,921.15 - 40 - 300 = 82,619.64
    assert moved == {**{a: -v for a, v in HELD.items()}, Account.WRITE_OFF_EXPENSE: D("82619.64")}
    assert (entry.event, entry.source) == ("write_off", "write_off:write-off")
    waiver = rules.write_off("1", DAY, HELD, "settlement-1", settlement=True)
    assert (waiver.event, waiver.source) == ("settlement_waiver", "settlement_waiver:settlement-1")
    recovery = rules.write_off_recovery("1", DAY, D("500"), "UTR9")
    assert recovery.source == "recovered:UTR9" and recovery.total == D("500")
