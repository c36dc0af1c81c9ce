"""Matching a bank credit to a loan, with a confidence.

A credit on the lender's collection account (NEFT, RTGS, IMPS, a cash deposit) carries what
the bank reports: the amount, a reference (the UTR), the narration the payer typed, sometimes
the payer's name and account, and, for a virtual account, the account number the payer paid
into. The rules, strongest first; the first that names exactly one loan wins:

- virtual account: the credit was paid into the loan's own virtual account number (100);
- reference: the reference, or a word of the narration, is one the lender issued for the loan
  (a payment link, a UPI request) (100);
- loan number: the narration holds the loan's number, as typed (separators and case do not
  matter; a number split by a space is found too) (95);
- payer and amount: the payer's account paid this loan before and the amount is the EMI or
  what is due now (85);
- name and amount: the borrower's name is in the narration or is the payer's name, and the
  amount is the EMI or what is due now (70).

A rule that names two or more loans is ambiguous and gives no match from it. Whether a
confidence is enough to post without a person is the caller's setting.

Guarantees: pure and deterministic (the same credit and index give the same match); no rule
ever picks between candidates by chance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

_WORD = re.compile(r"[A-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Credit:
    """One credit line of a bank statement."""

    amount: Decimal
    value_date: date
    reference: str  # UTR or the bank's reference
    narration: str = ""
    payer_name: str = ""
    payer_account: str = ""
    virtual_account: str = ""  # the account number the payer paid into, if a virtual one


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the book knows of one loan for matching."""

    loan_id: int
    loan_number: str
    borrower_name: str
    emi: Decimal
    due: Decimal  # what is owed now (overdue and due), 0 if nothing
    virtual_account: str = ""
    payer_accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    loan_id: int | None
    rule: str  # virtual_account, reference, loan_number, payer_and_amount, name_and_amount, none
    confidence: int  # 0-100

    @property
    def found(self) -> bool:
        return self.loan_id is not None


NO_MATCH = Match(None, "none", 0)


def squeeze(text: str) -> str:
    """A loan number or account as compared: upper case, letters and digits only."""
    return "".join(_WORD.findall(text.upper()))


@dataclass
class MatchIndex:
    """The candidates by each key a rule looks them up by (built once for a statement)."""

    by_virtual_account: dict[str, list[int]] = field(default_factory=dict)
    by_loan_number: dict[str, list[int]] = field(default_factory=dict)
    by_payer_account: dict[str, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    amounts: dict[int, frozenset[Decimal]] = field(default_factory=dict)
    references: Mapping[str, int] = field(default_factory=dict)
    longest_number: int = 0

    @classmethod
    def build(
        cls, candidates: Iterable[Candidate], references: Mapping[str, int] | None = None
    ) -> MatchIndex:
        index = cls(references={squeeze(k): v for k, v in (references or {}).items()})
        for c in candidates:
            _add(index.by_virtual_account, squeeze(c.virtual_account), c.loan_id)
            number = squeeze(c.loan_number)
            _add(index.by_loan_number, number, c.loan_id)
            index.longest_number = max(index.longest_number, len(number))
            for account in c.payer_accounts:
                _add(index.by_payer_account, squeeze(account), c.loan_id)
            _add(index.by_name, " ".join(_WORD.findall(c.borrower_name.upper())), c.loan_id)
            index.amounts[c.loan_id] = frozenset(a for a in (c.emi, c.due) if a > 0)
        return index


def _add(table: dict[str, list[int]], key: str, loan_id: int) -> None:
    if key:
        table.setdefault(key, []).append(loan_id)


def match(credit: Credit, index: MatchIndex) -> Match:
    """The loan `credit` pays, by the strongest rule naming exactly one loan."""
    found = _one(index.by_virtual_account.get(squeeze(credit.virtual_account), []))
    if found is not None:
        return Match(found, "virtual_account", 100)
    issued = index.references.get(squeeze(credit.reference))
    if issued is None:
        issued = _one(
            index.references[w]
            for w in _WORD.findall(credit.narration.upper())
            if w in index.references
        )
    if issued is not None:
        return Match(issued, "reference", 100)
    found = _one(_numbers_in(credit.narration, index))
    if found is not None:
        return Match(found, "loan_number", 95)
    paid_before = index.by_payer_account.get(squeeze(credit.payer_account), [])
    found = _one([k for k in paid_before if credit.amount in index.amounts.get(k, ())])
    if found is not None:
        return Match(found, "payer_and_amount", 85)
    named = _names_in(credit, index)
    found = _one([k for k in named if credit.amount in index.amounts.get(k, ())])
    if found is not None:
        return Match(found, "name_and_amount", 70)
    return NO_MATCH


def _one(loans: Iterable[int]) -> int | None:
    distinct = set(loans)
    return distinct.pop() if len(distinct) == 1 else None


def _numbers_in(narration: str, index: MatchIndex) -> list[int]:
    """Loans whose number is a word of the narration, or two or three words run together."""
    words = _WORD.findall(narration.upper())
    found: list[int] = []
    for start in range(len(words)):
        joined = ""
        for word in words[start : start + 3]:
            joined += word
            if len(joined) > index.longest_number:
                break
            found.extend(index.by_loan_number.get(joined, ()))
    return found


def _names_in(credit: Credit, index: MatchIndex) -> list[int]:
    """Loans whose borrower's full name is the payer's name or is in the narration."""
    payer = " ".join(_WORD.findall(credit.payer_name.upper()))
    found = list(index.by_name.get(payer, ())) if payer else []
    words = _WORD.findall(credit.narration.upper())
    for size in (2, 3, 4):
        for start in range(len(words) - size + 1):
            found.extend(index.by_name.get(" ".join(words[start : start + size]), ()))
    return found
