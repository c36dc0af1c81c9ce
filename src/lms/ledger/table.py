"""The posting table: each kind of journal entry, the event that causes it, and the accounts it
may debit and credit (a negative amount of a signed rule moves the same pair the other way).

Guarantee: every rule of lms.ledger.rules builds exactly one kind of this table, and moves only
the accounts its row names (tests/unit/test_posting_table.py holds each rule to its row). A
reversal mirrors the entry it reverses.
"""

from __future__ import annotations

from lms.ledger.accounts import Account

_A = Account
# a write-off (or a settlement's waiver) clears what the loan holds: its receivables are
# credited, the income held for it (suspense) and the money held for it (unapplied funds)
# debited, the rest a loss; a balance on the other side (interest paid ahead) nets the other way
_WRITTEN_OFF_DEBITS = [_A.WRITE_OFF_EXPENSE, _A.INTEREST_SUSPENSE, _A.PENAL_SUSPENSE,
                       _A.UNAPPLIED_FUNDS]  # fmt: skip
_WRITTEN_OFF_CREDITS = [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE, _A.INTEREST_ACCRUED,
                        _A.FEE_RECEIVABLE, _A.PENAL_RECEIVABLE]  # fmt: skip
POSTING_RULES: dict[str, tuple[str, frozenset[Account], frozenset[Account]]] = {
    kind: (cause, frozenset(debits), frozenset(credits))
    for kind, cause, debits, credits in [
        ("disbursement", "disbursement", [_A.LOAN_PRINCIPAL, _A.FEE_RECEIVABLE],
         [_A.DISBURSEMENT_BANK, _A.FEE_INCOME, _A.THIRD_PARTY_PAYABLE, _A.TAX_PAYABLE,
          _A.INTEREST_INCOME]),
        ("advance_emi", "disbursement with advance EMIs", [_A.DISBURSEMENT_BANK],
         [_A.LOAN_PRINCIPAL]),
        ("tranche", "tranche", [_A.LOAN_PRINCIPAL], [_A.DISBURSEMENT_BANK]),
        ("interest_due", "an installment falling due", [_A.INTEREST_RECEIVABLE, _A.INTEREST_INCOME],
         [_A.INTEREST_ACCRUED, _A.INTEREST_INCOME, _A.INTEREST_SUSPENSE]),
        ("repayment", "payment", [_A.COLLECTION_BANK],
         [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE, _A.FEE_RECEIVABLE, _A.PENAL_RECEIVABLE,
          _A.UNAPPLIED_FUNDS]),
        ("prepayment", "prepayment", [_A.COLLECTION_BANK],
         [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE, _A.FEE_RECEIVABLE, _A.PENAL_RECEIVABLE,
          _A.UNAPPLIED_FUNDS]),
        ("excess_applied", "unapplied funds meeting a due", [_A.UNAPPLIED_FUNDS],
         [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE, _A.FEE_RECEIVABLE, _A.PENAL_RECEIVABLE]),
        ("capitalisation", "restructure or moratorium", [_A.LOAN_PRINCIPAL],
         [_A.INTEREST_RECEIVABLE]),
        ("advance_released", "rate_change, tranche, prepayment, restructure, moratorium or"
         " foreclosure",
         [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE], [_A.UNAPPLIED_FUNDS]),
        ("small_balance", "small_balance", [_A.WRITE_OFF_EXPENSE],
         [_A.LOAN_PRINCIPAL, _A.INTEREST_RECEIVABLE]),
        ("charge", "charge", [_A.FEE_RECEIVABLE], [_A.FEE_INCOME, _A.TAX_PAYABLE]),
        ("penal_charge", "penal", [_A.PENAL_RECEIVABLE],
         [_A.PENAL_INCOME, _A.PENAL_SUSPENSE, _A.TAX_PAYABLE]),
        ("charge_waiver", "charge_waiver", [_A.FEE_INCOME, _A.PENAL_INCOME, _A.TAX_PAYABLE],
         [_A.FEE_RECEIVABLE, _A.PENAL_RECEIVABLE]),
        ("recovery", "reversal of a refunded payment", [_A.FEE_RECEIVABLE], [_A.UNAPPLIED_FUNDS]),
        ("refund", "refund", [_A.UNAPPLIED_FUNDS], [_A.COLLECTION_BANK]),
        ("npa_suspense", "any event on an NPA", [_A.INTEREST_INCOME, _A.PENAL_INCOME],
         [_A.INTEREST_SUSPENSE, _A.PENAL_SUSPENSE]),
        ("npa_income_reversal", "the close: a loan turning NPA",
         [_A.INTEREST_INCOME, _A.PENAL_INCOME], [_A.INTEREST_SUSPENSE, _A.PENAL_SUSPENSE]),
        ("npa_upgrade", "the close: an NPA upgraded", [_A.INTEREST_SUSPENSE, _A.PENAL_SUSPENSE],
         [_A.INTEREST_INCOME, _A.PENAL_INCOME]),
        ("accrual", "the close: interest accrued", [_A.INTEREST_ACCRUED], [_A.INTEREST_INCOME]),
        ("provision", "the close: a month end", [_A.PROVISION_EXPENSE, _A.PROVISIONS],
         [_A.PROVISIONS, _A.PROVISION_EXPENSE]),
        ("receipt_to_suspense", "a payment no loan is known for", [_A.COLLECTION_BANK],
         [_A.RECEIPTS_SUSPENSE]),
        ("suspense_to_loan", "a held payment matched", [_A.RECEIPTS_SUSPENSE],
         [_A.COLLECTION_BANK]),
        ("top_up_transfer", "a top-up paying off an old loan", [_A.DISBURSEMENT_BANK],
         [_A.COLLECTION_BANK]),
        ("gateway_fees", "a gateway settlement", [_A.GATEWAY_FEES, _A.INPUT_TAX],
         [_A.COLLECTION_BANK]),
        ("auction_surplus", "a gold auction fetching more than the loan owed",
         [_A.COLLECTION_BANK], [_A.AUCTION_SURPLUS]),
        ("surplus_refund", "an auction's surplus paid to the borrower", [_A.AUCTION_SURPLUS],
         [_A.COLLECTION_BANK]),
        ("write_off", "write_off", _WRITTEN_OFF_DEBITS, _WRITTEN_OFF_CREDITS),
        ("settlement_waiver", "settlement", _WRITTEN_OFF_DEBITS, _WRITTEN_OFF_CREDITS),
        ("write_off_recovery", "payment on a written-off or settled loan", [_A.COLLECTION_BANK],
         [_A.RECOVERY_INCOME]),
    ]
}  # fmt: skip
