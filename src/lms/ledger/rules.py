"""Posting rules: business events in, balanced journal entries out. Pure: no database.

Guarantees: every `JournalEntry` balances (total debits equal total credits) and has no
negative or empty line, or it cannot be built (`LedgerError`); a reversal is the exact mirror of
its entry, so the two together leave every account as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import Component, Part
from lms.core.kfs import FeeCharge
from lms.core.money import ZERO
from lms.core.terms import FeePayee
from lms.ledger.accounts import Account


class LedgerError(ValueError):
    """An entry that would not balance, or a line that makes no sense."""


@dataclass(frozen=True, slots=True)
class Line:
    account: Account
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One business event's effect on the ledger: balanced lines on a value date."""

    event: str  # e.g. "disbursement", "repayment", "interest_due", "reversal"
    value_date: date
    loan_id: str | None
    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        problems = entry_problems(self)
        if problems:
            raise LedgerError("; ".join(problems))

    @property
    def total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)


def entry_problems(entry: JournalEntry) -> list[str]:
    """What is wrong with an entry (empty when it balances and every line is sound)."""
    problems = []
    if not entry.lines:
        problems.append("an entry needs lines")
    for line in entry.lines:
        if line.debit < 0 or line.credit < 0:
            problems.append(f"{line.account}: negative amount")
        if (line.debit > 0) == (line.credit > 0):
            problems.append(f"{line.account}: a line is either a debit or a credit")
    debits = sum((line.debit for line in entry.lines), ZERO)
    credits = sum((line.credit for line in entry.lines), ZERO)
    if debits != credits:
        problems.append(f"debits {debits} do not equal credits {credits}")
    return problems


def debit(account: Account, amount: Decimal) -> Line:
    return Line(account, amount, ZERO)


def credit(account: Account, amount: Decimal) -> Line:
    return Line(account, ZERO, amount)


def _entry(
    event: str, value_date: date, loan_id: str | None, lines: Iterable[Line]
) -> JournalEntry:
    kept = tuple(line for line in lines if line.debit or line.credit)  # zero lines say nothing
    return JournalEntry(event, value_date, loan_id, kept)


def disbursement(
    loan_id: str,
    value_date: date,
    principal: Decimal,
    fees: Sequence[FeeCharge] = (),
    bpi_deducted: Decimal = ZERO,
    *,
    fees_collected: bool = False,
) -> JournalEntry:
    """The loan is paid out: principal lent, less fees, their tax and BPI deducted from it; or,
    with `fees_collected`, less only the BPI, the fees and tax being owed by the borrower."""
    lender_fees = sum((f.amount for f in fees if f.payee is FeePayee.LENDER), ZERO)
    others = sum((f.amount for f in fees if f.payee is FeePayee.THIRD_PARTY), ZERO)
    tax = sum((f.tax for f in fees), ZERO)
    owed = lender_fees + others + tax if fees_collected else ZERO
    paid_out = principal - lender_fees - others - tax - bpi_deducted + owed
    return _entry(
        "disbursement",
        value_date,
        loan_id,
        [
            debit(Account.LOAN_PRINCIPAL, principal),
            debit(Account.FEE_RECEIVABLE, owed),
            credit(Account.DISBURSEMENT_BANK, paid_out),
            credit(Account.FEE_INCOME, lender_fees),
            credit(Account.THIRD_PARTY_PAYABLE, others),
            credit(Account.TAX_PAYABLE, tax),
            credit(Account.INTEREST_INCOME, bpi_deducted),
        ],
    )


def interest_due(
    loan_id: str,
    due_date: date,
    interest: Decimal,
    *,
    npa: bool = False,
    accrued: Decimal = ZERO,
) -> JournalEntry:
    """An installment's interest falls due: it becomes receivable; what had accrued leaves the
    accrued account, the rest is recognised as income (on an NPA, held in suspense)."""
    held = Account.INTEREST_SUSPENSE if npa else Account.INTEREST_INCOME
    return _entry(
        "interest_due",
        due_date,
        loan_id,
        [
            debit(Account.INTEREST_RECEIVABLE, interest),
            credit(Account.INTEREST_ACCRUED, accrued),
            credit(held, interest - accrued),
        ],
    )


def accrual(loan_id: str, day: date, amount: Decimal) -> JournalEntry:
    """Interest earned and not yet due, recognised as income (a negative amount takes back)."""
    lines = (
        [debit(Account.INTEREST_ACCRUED, amount), credit(Account.INTEREST_INCOME, amount)]
        if amount > 0
        else [debit(Account.INTEREST_INCOME, -amount), credit(Account.INTEREST_ACCRUED, -amount)]
    )
    return _entry("accrual", day, loan_id, lines)


def income_to_suspense(
    loan_id: str, day: date, amount: Decimal, *, penal: bool = False
) -> JournalEntry:
    """A loan becomes NPA: interest (or, with `penal`, penal charges) receivable is taken out
    of income into suspense (a negative amount: an upgrade, from suspense back to income)."""
    income, held = (
        (Account.PENAL_INCOME, Account.PENAL_SUSPENSE)
        if penal
        else (Account.INTEREST_INCOME, Account.INTEREST_SUSPENSE)
    )
    lines = (
        [debit(income, amount), credit(held, amount)]
        if amount > 0
        else [debit(held, -amount), credit(income, -amount)]
    )
    return _entry("npa_income_reversal" if amount > 0 else "npa_upgrade", day, loan_id, lines)


_COMPONENT_ACCOUNT = {
    Component.PRINCIPAL: Account.LOAN_PRINCIPAL,
    Component.INTEREST: Account.INTEREST_RECEIVABLE,
    Component.FEE: Account.FEE_RECEIVABLE,
    Component.PENAL: Account.PENAL_RECEIVABLE,
}


def repayment(
    loan_id: str,
    value_date: date,
    parts: Sequence[Part],
    held: Decimal,
    *,
    from_excess: bool = False,
) -> JournalEntry:
    """Money received (or excess held earlier) applied to what is owed; the rest held."""
    applied = sum((part.amount for part in parts), ZERO)
    totals: dict[Account, Decimal] = {}
    for part in parts:
        account = _COMPONENT_ACCOUNT[part.component]
        totals[account] = totals.get(account, ZERO) + part.amount
    credits = [credit(a, amount) for a, amount in totals.items()]
    if from_excess:  # held money moves from unapplied funds to what it pays; the rest stays
        lines = [debit(Account.UNAPPLIED_FUNDS, applied), *credits]
    else:
        lines = [debit(Account.COLLECTION_BANK, applied + held), *credits]
        lines.append(credit(Account.UNAPPLIED_FUNDS, held))
    return _entry("excess_applied" if from_excess else "repayment", value_date, loan_id, lines)


def penal_charge(
    loan_id: str, day: date, amount: Decimal, tax: Decimal, *, npa: bool = False
) -> JournalEntry:
    """A penal charge levied: receivable with its GST, the charge as penal income (on an NPA,
    held in suspense until received)."""
    return _entry(
        "penal_charge",
        day,
        loan_id,
        [
            debit(Account.PENAL_RECEIVABLE, amount + tax),
            credit(Account.PENAL_SUSPENSE if npa else Account.PENAL_INCOME, amount),
            credit(Account.TAX_PAYABLE, tax),
        ],
    )


def receipt_to_suspense(value_date: date, amount: Decimal) -> JournalEntry:
    """Money received that no loan is known for yet: in the bank, owed to suspense."""
    lines = [debit(Account.COLLECTION_BANK, amount), credit(Account.RECEIPTS_SUSPENSE, amount)]
    return _entry("receipt_to_suspense", value_date, None, lines)


def suspense_to_loan(value_date: date, amount: Decimal) -> JournalEntry:
    """Suspense money found a loan: it leaves suspense (the loan's repayment then takes it
    into the collection account as any repayment does)."""
    lines = [debit(Account.RECEIPTS_SUSPENSE, amount), credit(Account.COLLECTION_BANK, amount)]
    return _entry("suspense_to_loan", value_date, None, lines)


def gateway_fees(settled_on: date, fee: Decimal, tax: Decimal) -> JournalEntry:
    """A gateway settled the money it collected less its fee and the GST on it: the
    collections account gets less than the repayments it was debited with."""
    lines = [
        debit(Account.GATEWAY_FEES, fee),
        debit(Account.INPUT_TAX, tax),
        credit(Account.COLLECTION_BANK, fee + tax),
    ]
    return _entry("gateway_fees", settled_on, None, lines)


def refund(loan_id: str, value_date: date, amount: Decimal) -> JournalEntry:
    """Unapplied funds paid back to the borrower from the collection account."""
    return _entry(
        "refund",
        value_date,
        loan_id,
        [debit(Account.UNAPPLIED_FUNDS, amount), credit(Account.COLLECTION_BANK, amount)],
    )


def reversal_of(entry: JournalEntry, value_date: date) -> JournalEntry:
    """The mirror of `entry`: every debit becomes a credit and the reverse."""
    lines = [Line(line.account, line.credit, line.debit) for line in entry.lines]
    return _entry("reversal", value_date, entry.loan_id, lines)
