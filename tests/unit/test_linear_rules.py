"""The set-based close writes accrual and interest-due entries from the rules' linear maps
(lms.ledger.linear): for any amounts, the map gives the very lines, event and source the
Python rule gives (the order of lines aside), so the database's entries are the rule's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.close.steps.accrue import ACCRUAL
from lms.close.steps.dues import INTEREST_DUE
from lms.ledger import rules
from lms.ledger.linear import LinearRule
from lms.ledger.rules import LedgerError

paise = st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))
DAY = date(2026, 11, 30)


def _lines(lines: tuple[rules.Line, ...]) -> list[tuple[str, Decimal, Decimal]]:
    return sorted((line.account.value, line.debit, line.credit) for line in lines)


@given(amount=paise.filter(lambda a: a != 0))
def test_accrual_map_is_the_accrual_rule(amount: Decimal) -> None:
    entry = rules.accrual("7", DAY, amount)
    assert (ACCRUAL.event, ACCRUAL.source(DAY)) == (entry.event, entry.source)
    assert _lines(ACCRUAL.lines([amount])) == _lines(entry.lines)


@given(interest=paise.filter(lambda a: a > 0), accrued=paise.filter(lambda a: a >= 0))
def test_interest_due_maps_are_the_interest_due_rule(interest: Decimal, accrued: Decimal) -> None:
    for npa, rule in INTEREST_DUE.items():
        entry = rules.interest_due("7", DAY, interest, npa=npa, accrued=accrued)
        assert (rule.event, rule.source(DAY)) == (entry.event, entry.source)
        assert _lines(rule.lines([interest, accrued])) == _lines(entry.lines)


def test_the_maps_hold_exact_weights() -> None:
    assert [(a.value, w) for a, w in zip(ACCRUAL.accounts, ACCRUAL.weights, strict=True)] == [
        ("interest_accrued", (1,)),
        ("interest_income", (-1,)),
    ]
    npa = INTEREST_DUE[True]
    assert [(a.value, w) for a, w in zip(npa.accounts, npa.weights, strict=True)] == [
        ("interest_receivable", (1, 0)),
        ("interest_suspense", (-1, 1)),
        ("interest_accrued", (0, -1)),
    ]


def test_a_rule_whose_kind_depends_on_its_amounts_is_refused() -> None:
    with pytest.raises(LedgerError, match="depends on its amounts"):
        LinearRule.of(lambda loan, day, a: rules.income_to_suspense(loan, day, a[0] - a[1]), 2)
