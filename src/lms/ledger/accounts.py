"""The chart of accounts for lending, as data.

Guarantee: every account has a stable stored code and a type; a debit raises an asset or
expense account and lowers a liability or income account (and the reverse for a credit).
"""

from __future__ import annotations

from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    INCOME = "income"
    EXPENSE = "expense"


class Account(StrEnum):
    """Ledger accounts; values are the stored codes."""

    LOAN_PRINCIPAL = "loan_principal"  # principal lent and not yet repaid
    INTEREST_RECEIVABLE = "interest_receivable"  # interest due and not yet paid
    INTEREST_ACCRUED = "interest_accrued"  # interest earned day by day, not yet due
    FEE_RECEIVABLE = "fee_receivable"
    PENAL_RECEIVABLE = "penal_receivable"
    DISBURSEMENT_BANK = "disbursement_bank"  # the lender's account money is paid out from
    COLLECTION_BANK = "collection_bank"  # the lender's account repayments arrive in
    INTEREST_INCOME = "interest_income"
    FEE_INCOME = "fee_income"
    PENAL_INCOME = "penal_income"
    RECOVERY_INCOME = "recovery_income"  # money received on loans written off (bad debts recovered)
    INTEREST_SUSPENSE = "interest_suspense"  # interest on NPA loans, not yet recognised
    PENAL_SUSPENSE = "penal_suspense"  # penal charges on NPA loans, not yet recognised
    RECEIPTS_SUSPENSE = "receipts_suspense"  # money received, not yet matched to a loan
    UNAPPLIED_FUNDS = "unapplied_funds"  # excess received, owed back to or held for the borrower
    TAX_PAYABLE = "tax_payable"  # GST collected on fees
    THIRD_PARTY_PAYABLE = "third_party_payable"  # insurance, stamp duty collected for others
    WRITE_OFF_EXPENSE = "write_off_expense"
    PROVISION_EXPENSE = "provision_expense"
    PROVISIONS = "provisions"  # allowance for expected loss (a contra-asset, credit balance)
    GATEWAY_FEES = "gateway_fees"  # what payment gateways keep of the money they collect
    INPUT_TAX = "input_tax"  # GST paid on such fees, claimable (input tax credit)
    AUCTION_SURPLUS = "auction_surplus"  # what a pledge's auction fetched beyond the loan's dues


ACCOUNT_TYPES: dict[Account, AccountType] = {
    Account.LOAN_PRINCIPAL: AccountType.ASSET,
    Account.INTEREST_RECEIVABLE: AccountType.ASSET,
    Account.INTEREST_ACCRUED: AccountType.ASSET,
    Account.FEE_RECEIVABLE: AccountType.ASSET,
    Account.PENAL_RECEIVABLE: AccountType.ASSET,
    Account.DISBURSEMENT_BANK: AccountType.ASSET,
    Account.COLLECTION_BANK: AccountType.ASSET,
    Account.INTEREST_INCOME: AccountType.INCOME,
    Account.FEE_INCOME: AccountType.INCOME,
    Account.PENAL_INCOME: AccountType.INCOME,
    Account.RECOVERY_INCOME: AccountType.INCOME,
    Account.INTEREST_SUSPENSE: AccountType.LIABILITY,
    Account.PENAL_SUSPENSE: AccountType.LIABILITY,
    Account.RECEIPTS_SUSPENSE: AccountType.LIABILITY,
    Account.UNAPPLIED_FUNDS: AccountType.LIABILITY,
    Account.TAX_PAYABLE: AccountType.LIABILITY,
    Account.THIRD_PARTY_PAYABLE: AccountType.LIABILITY,
    Account.WRITE_OFF_EXPENSE: AccountType.EXPENSE,
    Account.PROVISION_EXPENSE: AccountType.EXPENSE,
    Account.PROVISIONS: AccountType.ASSET,
    Account.GATEWAY_FEES: AccountType.EXPENSE,
    Account.INPUT_TAX: AccountType.ASSET,
    Account.AUCTION_SURPLUS: AccountType.LIABILITY,
}
