"""Posting rules: business events in, balanced journal entries out. Pure: no database.

Guarantees: every `JournalEntry` balances (total debits equal total credits) and has no
negative or empty line, or it cannot be built (`LedgerError`); a reversal is the exact mirror of
its entry, so the two together leave every account as it was; each kind of entry moves only
the accounts its row of `POSTING_RULES` names (a test holds every rule to its row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import Component, Part
from lms.core.kfs import FeeCharge
from lms.core.money import ZERO
from lms.core.terms import FeePayee
from lms.ledger.accounts import Account
from lms.ledger.table import POSTING_RULES as POSTING_RULES  # the rules' table, kept apart


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

    event: str  # the kind of entry: a key of POSTING_RULES
    value_date: date
    loan_id: str | None
    lines: tuple[Line, ...]
    # what it posts within its loan, e.g. "payment:UTR1" or "due:2026-03-05"; an entry a
    # replay can restate has one (lms.ledger.postings), others (accruals, NPA moves) none
    source: str | None = None

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
    event: str,
    value_date: date,
    loan_id: str | None,
    lines: Iterable[Line],
    source: str | None = None,
) -> JournalEntry:
    given = [line for line in lines if line.debit or line.credit]  # zero lines say nothing
    if len({line.account for line in given}) == len(given) and all(
        line.debit >= 0 and line.credit >= 0 for line in given
    ):  # the usual case, kept as built (a line with both sides is refused by the entry)
        return JournalEntry(event, value_date, loan_id, tuple(given), source)
    # one line per account, debits less credits (so a negative amount nets to the other side)
    merged: dict[Account, Decimal] = {}
    for line in given:
        merged[line.account] = merged.get(line.account, ZERO) + line.debit - line.credit
    kept = tuple(
        debit(account, net) if net > 0 else credit(account, -net)
        for account, net in merged.items()
        if net  # zero lines say nothing
    )
    return JournalEntry(event, value_date, loan_id, kept, source)


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
        "disbursement",
    )


def advance_emi(loan_id: str, value_date: date, amount: Decimal) -> JournalEntry:
    """Advance EMIs: the first installments collected on the disbursement date, kept back from
    the payout (the bank pays out that much less; the principal lent falls by it)."""
    lines = [debit(Account.DISBURSEMENT_BANK, amount), credit(Account.LOAN_PRINCIPAL, amount)]
    return _entry("advance_emi", value_date, loan_id, lines, "advance_emi")


def tranche(loan_id: str, value_date: date, amount: Decimal, reference: str) -> JournalEntry:
    """A further tranche paid out: more principal lent from the disbursement account."""
    lines = [debit(Account.LOAN_PRINCIPAL, amount), credit(Account.DISBURSEMENT_BANK, amount)]
    return _entry("tranche", value_date, loan_id, lines, f"tranche:{reference}")


def interest_due(
    loan_id: str,
    due_date: date,
    interest: Decimal,
    *,
    npa: bool = False,
    accrued: Decimal = ZERO,
) -> JournalEntry:
    """An installment's interest falls due: it becomes receivable; what had accrued (and was
    booked as income by the close) leaves the accrued account, the rest is recognised as
    income (on an NPA, held in suspense). A revision after the accrual can leave the interest
    below what accrued: the difference is then taken back from income."""
    held = Account.INTEREST_SUSPENSE if npa else Account.INTEREST_INCOME
    lines = [
        debit(Account.INTEREST_RECEIVABLE, interest),
        credit(Account.INTEREST_ACCRUED, accrued),
        credit(held, interest - accrued),  # a negative credit nets to a debit (_entry)
    ]
    return _entry("interest_due", due_date, loan_id, lines, f"due:{due_date.isoformat()}")


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
    reference: str = "",
    kind: str = "repayment",
) -> JournalEntry:
    """Money received (`kind` repayment or prepayment, its payment `reference`) applied to
    what is owed, the rest held as unapplied funds; or (`from_excess`) unapplied funds used on
    `value_date` for what falls due."""
    credits = [credit(_COMPONENT_ACCOUNT[part.component], part.amount) for part in parts]
    applied = sum((part.amount for part in parts), ZERO)
    if from_excess:  # held money moves from unapplied funds to what it pays; the rest stays
        lines = [debit(Account.UNAPPLIED_FUNDS, applied), *credits]
        source = f"excess:{value_date.isoformat()}"
        return _entry("excess_applied", value_date, loan_id, lines, source)
    lines = [debit(Account.COLLECTION_BANK, applied + held), *credits]
    lines.append(credit(Account.UNAPPLIED_FUNDS, held))
    return _entry(kind, value_date, loan_id, lines, f"{kind}:{reference}")


def advance_released(loan_id: str, day: date, parts: Sequence[Part]) -> JournalEntry:
    """Money paid ahead on installments that a revision or a foreclosure replaced goes back to
    unapplied funds: what it had paid is owed again (it is paid again by the same rules)."""
    released = sum((part.amount for part in parts), ZERO)
    lines = [debit(_COMPONENT_ACCOUNT[part.component], part.amount) for part in parts]
    lines.append(credit(Account.UNAPPLIED_FUNDS, released))
    return _entry("advance_released", day, loan_id, lines, f"released:{day.isoformat()}")


def capitalisation(loan_id: str, day: date, interest: Decimal, reference: str) -> JournalEntry:
    """A restructure capitalised overdue interest, or a moratorium a deferred installment's:
    the receivable becomes principal (principal capitalised stays principal: no line). On an
    NPA the income it was raised to stays in suspense (unrealised: lms.servicing.balances)."""
    lines = [debit(Account.LOAN_PRINCIPAL, interest), credit(Account.INTEREST_RECEIVABLE, interest)]
    return _entry("capitalisation", day, loan_id, lines, f"capitalised:{reference}")


def small_balance(loan_id: str, day: date, parts: Sequence[Part], reference: str) -> JournalEntry:
    """A remainder of the installments under the product's small-balance threshold forgiven
    at the end of the loan (its charges are forgiven by waivers): the receivables go, an
    expense of the lender's (the write-off expense: a small write-off)."""
    lines = [credit(_COMPONENT_ACCOUNT[p.component], p.amount) for p in parts]
    lines.append(debit(Account.WRITE_OFF_EXPENSE, sum((p.amount for p in parts), ZERO)))
    return _entry("small_balance", day, loan_id, lines, f"small_balance:{reference}")


def charge(loan_id: str, day: date, amount: Decimal, tax: Decimal, reference: str) -> JournalEntry:
    """A fee levied during the loan's life (a bounce charge, a foreclosure charge): receivable
    with its GST, the fee as income, the GST owed to the government."""
    lines = [
        debit(Account.FEE_RECEIVABLE, amount + tax),
        credit(Account.FEE_INCOME, amount),
        credit(Account.TAX_PAYABLE, tax),
    ]
    return _entry("charge", day, loan_id, lines, f"charge:{reference}")


def charge_waiver(
    loan_id: str, day: date, amount: Decimal, tax: Decimal, reference: str, *, penal: bool
) -> JournalEntry:
    """A fee (or, with `penal`, a penal charge) forgiven in part or in full by the waiver
    `reference`: the receivable
    goes, `amount` less its GST share `tax` comes out of the income it was booked to, and the
    GST out of the tax owed (the lender's credit note lowers its output tax)."""
    receivable, income = (
        (Account.PENAL_RECEIVABLE, Account.PENAL_INCOME)
        if penal
        else (Account.FEE_RECEIVABLE, Account.FEE_INCOME)
    )
    lines = [
        debit(income, amount - tax),
        debit(Account.TAX_PAYABLE, tax),
        credit(receivable, amount),
    ]
    return _entry("charge_waiver", day, loan_id, lines, f"waiver:{reference}")


def recovery(loan_id: str, day: date, amount: Decimal, reference: str) -> JournalEntry:
    """A refund paid out of money that was then returned: the borrower owes it back (a
    receivable, not income), and the unapplied funds it overdrew are made whole."""
    lines = [debit(Account.FEE_RECEIVABLE, amount), credit(Account.UNAPPLIED_FUNDS, amount)]
    return _entry("recovery", day, loan_id, lines, f"recovery:{reference}")


def penal_charge(
    loan_id: str, day: date, amount: Decimal, tax: Decimal, *, npa: bool = False, reference: str
) -> JournalEntry:
    """A penal charge levied: receivable with its GST, the charge as penal income (on an NPA,
    held in suspense until received)."""
    lines = [
        debit(Account.PENAL_RECEIVABLE, amount + tax),
        credit(Account.PENAL_SUSPENSE if npa else Account.PENAL_INCOME, amount),
        credit(Account.TAX_PAYABLE, tax),
    ]
    return _entry("penal_charge", day, loan_id, lines, f"penal:{reference}")


def npa_suspense(loan_id: str, day: date, interest: Decimal, penal: Decimal) -> JournalEntry:
    """RBI income recognition on an NPA after an event changed what it owes: `interest` and
    `penal` (income of unpaid dues) move from income to suspense; negative amounts (dues paid,
    or an upgraded loan's suspense emptied) move back from suspense to income."""
    lines = [
        debit(Account.INTEREST_INCOME, interest),
        credit(Account.INTEREST_SUSPENSE, interest),
        debit(Account.PENAL_INCOME, penal),
        credit(Account.PENAL_SUSPENSE, penal),
    ]
    return _entry("npa_suspense", day, loan_id, lines)


def receipt_to_suspense(value_date: date, amount: Decimal) -> JournalEntry:
    """Money received that no loan is known for yet: in the bank, owed to suspense."""
    lines = [debit(Account.COLLECTION_BANK, amount), credit(Account.RECEIPTS_SUSPENSE, amount)]
    return _entry("receipt_to_suspense", value_date, None, lines)


def top_up_transfer(value_date: date, amount: Decimal, source: str) -> JournalEntry:
    """A top-up loan's payout paid off an old loan: the old loan's repayment took `amount`
    into the collection account, but it never left the lender; it goes back to the
    disbursement account, so the bank accounts show only the cash that was paid out (no loan:
    each loan's own entries are whole)."""
    lines = [debit(Account.DISBURSEMENT_BANK, amount), credit(Account.COLLECTION_BANK, amount)]
    return _entry("top_up_transfer", value_date, None, lines, source)


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


def auction_surplus(value_date: date, amount: Decimal, reference: str) -> JournalEntry:
    """What an auction of pledged gold fetched beyond the loan's dues: received, and owed back
    to the borrower (the loan itself is whole: its own entries take what it owed)."""
    lines = [debit(Account.COLLECTION_BANK, amount), credit(Account.AUCTION_SURPLUS, amount)]
    return _entry("auction_surplus", value_date, None, lines, f"auction:{reference}")


def surplus_refund(value_date: date, amount: Decimal, reference: str) -> JournalEntry:
    """An auction's surplus paid back to the borrower."""
    lines = [debit(Account.AUCTION_SURPLUS, amount), credit(Account.COLLECTION_BANK, amount)]
    return _entry("surplus_refund", value_date, None, lines, f"surplus:{reference}")


def refund(loan_id: str, value_date: date, amount: Decimal, reference: str) -> JournalEntry:
    """Unapplied funds paid back to the borrower from the collection account."""
    lines = [debit(Account.UNAPPLIED_FUNDS, amount), credit(Account.COLLECTION_BANK, amount)]
    return _entry("refund", value_date, loan_id, lines, f"refund:{reference}")


def reversal_of(entry: JournalEntry, value_date: date) -> JournalEntry:
    """The mirror of `entry`: every debit becomes a credit and the reverse."""
    lines = [Line(line.account, line.credit, line.debit) for line in entry.lines]
    return _entry("reversal", value_date, entry.loan_id, lines, entry.source)


WRITTEN_DOWN = (
    Account.LOAN_PRINCIPAL,
    Account.INTEREST_RECEIVABLE,
    Account.INTEREST_ACCRUED,
    Account.FEE_RECEIVABLE,
    Account.PENAL_RECEIVABLE,
    Account.INTEREST_SUSPENSE,
    Account.PENAL_SUSPENSE,
    Account.UNAPPLIED_FUNDS,
)  # what a loan holds on the books: a write-off or a settlement's waiver empties them all


def write_off(
    loan_id: str,
    day: date,
    held: Mapping[Account, Decimal],
    reference: str,
    *,
    settlement: bool = False,
) -> JournalEntry:
    """The loan taken off the books: `held` (debit-minus-credit balances of WRITTEN_DOWN) goes;
    what it was owed, less the income never recognised (suspense) and the money held for it
    (unapplied funds), is a loss. With `settlement`, the loss is the waiver of a compromise
    settlement: what its payments left unpaid."""
    lines = [credit(account, held.get(account, ZERO)) for account in WRITTEN_DOWN]
    loss = sum((held.get(account, ZERO) for account in WRITTEN_DOWN), ZERO)
    lines.append(debit(Account.WRITE_OFF_EXPENSE, loss))
    kind = "settlement_waiver" if settlement else "write_off"
    return _entry(kind, day, loan_id, lines, f"{kind}:{reference}")


def write_off_recovery(loan_id: str, day: date, amount: Decimal, reference: str) -> JournalEntry:
    """Money received on a loan the books no longer hold (written off or settled): income
    when received (bad debts recovered), owed to no receivable."""
    lines = [debit(Account.COLLECTION_BANK, amount), credit(Account.RECOVERY_INCOME, amount)]
    return _entry("write_off_recovery", day, loan_id, lines, f"recovered:{reference}")
