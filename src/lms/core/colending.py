"""Co-lending arithmetic: the borrower's blended rate, and each lender's part of every journal
line of a co-lent loan.

The RBI's co-lending directions (2025) have two regulated lenders fund a loan in a pre-agreed
share, each at its own rate, the borrower paying one blended rate: the shares' weighted rates.
Each lender's principal is its share of the loan's at all times (every principal movement is
split by the share), so its interest is the loan's interest in proportion to share × rate
(`Split.interest`): with 80 % at 9 % and 20 % at 18 %, the blend is 10.8 % and the partner
takes 7.2/10.8 = 2/3 of every rupee of interest. Fees and charges go by the arrangement's fee
share.

A journal line's part for the partner is rounded half up to the paisa; the originator's is
the rest, so the two parts add up to the line exactly. Each lender's entry must balance: the
entry's first cash line (money in or out of the escrow, or a write-off's expense) takes what
balances the partner's other lines; an entry without one gives the rounding's paise to its
first line.

Guarantees: pure; exact Decimal arithmetic; the parts of every line add up to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

INTEREST = frozenset({"interest_receivable", "interest_accrued", "interest_income",
                      "interest_suspense"})  # fmt: skip
CHARGES = frozenset({"fee_receivable", "fee_income", "penal_receivable", "penal_income",
                     "penal_suspense", "tax_payable", "third_party_payable"})  # fmt: skip
# money in or out: in each lender's books, the escrow account the loan's money passes through
CASH = frozenset({"disbursement_bank", "collection_bank", "receipts_suspense"})
BALANCING = CASH | {"write_off_expense"}
ESCROW = "escrow"


def blended_rate(partner_share: Decimal, partner_rate: Decimal, own_rate: Decimal) -> Decimal:
    """The borrower's rate: the two lenders' rates weighted by their shares (percents)."""
    return (partner_share * partner_rate + (HUNDRED - partner_share) * own_rate) / HUNDRED


@dataclass(frozen=True)
class Split:
    """The partner's part of each kind of money on a loan (fractions of one)."""

    principal: Decimal  # the partner's share
    interest: Decimal  # share x rate / blended rate
    charges: Decimal  # the fee share

    @classmethod
    def of(cls, partner_share: Decimal, partner_rate: Decimal, own_rate: Decimal,
           fee_share: Decimal) -> Split:  # fmt: skip
        blend = blended_rate(partner_share, partner_rate, own_rate)
        interest = partner_share * partner_rate / HUNDRED / blend if blend else partner_share
        return cls(partner_share / HUNDRED, interest, fee_share / HUNDRED)

    def fraction(self, account: str) -> Decimal:
        if account in INTEREST:
            return self.interest
        if account in CHARGES:
            return self.charges
        return self.principal


@dataclass(frozen=True)
class Line:
    account: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        """Debit less credit."""
        return self.debit - self.credit


def partner_lines(lines: Sequence[Line], split: Split) -> list[Line]:
    """The partner's part of an entry's lines, balanced (see the module's rule); cash
    accounts become the escrow. Lines of nought are left out."""
    if not lines:
        return []
    parts = [_part(line.net, split.fraction(line.account)) for line in lines]
    balancing = next((k for k, line in enumerate(lines) if line.account in BALANCING), 0)
    parts[balancing] -= sum(parts, ZERO)  # what makes the partner's entry balance
    return [_line(lines[k].account, part) for k, part in enumerate(parts) if part]


def originator_lines(lines: Sequence[Line], partner: Sequence[Line]) -> list[Line]:
    """The rest of each line, account by account (the originator's entry)."""
    rest: dict[str, Decimal] = {}
    for line in lines:
        account = ESCROW if line.account in CASH else line.account
        rest[account] = rest.get(account, ZERO) + line.net
    for line in partner:
        rest[line.account] -= line.net
    return [_line(account, net) for account, net in rest.items() if net]


def _part(net: Decimal, fraction: Decimal) -> Decimal:
    return (net * fraction).quantize(PAISA, rounding=ROUND_HALF_UP)


def _line(account: str, net: Decimal) -> Line:
    name = ESCROW if account in CASH else account
    return Line(name, net, ZERO) if net > 0 else Line(name, ZERO, -net)
