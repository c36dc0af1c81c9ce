"""Construction-linked home loans paid out in tranches: pre-EMI (interest only on what was paid
out until the last tranche, then the EMI over the loan's installments) or the EMI of the
sanctioned amount from the start.

The loan: 50,00,000 sanctioned at 9 % for 120 months, due on the 5th from 5 Feb 2026; 20,00,000
paid out on 5 Jan, 15,00,000 on 20 Mar, the last 15,00,000 on 20 Jun. Expected figures by the
textbook formulas in the test: a month's interest is balance x 9 % / 12; a tranche on day d of a
period earns balance x 0.75 % x days left / days of the period in the installment running; the
EMI is P r / (1 - (1+r)^-n), computed with Fractions and rounded half-even to the paisa.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest

from lms.core.events import Prepayment, Tranche
from lms.core.replay import replay
from lms.core.revision import Reschedule
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.servicing.spec import SpecError, parse_spec

R = Fraction(9, 1200)
TRANCHES = [
    Tranche(date(2026, 3, 20), Decimal(1500000), "T2"),
    Tranche(date(2026, 6, 20), Decimal(1500000), "T3"),
]


def _terms(mode: str) -> LoanTerms:
    return parse_spec({
        "principal": "2000000", "sanctioned": "5000000", "annual_rate": "9",
        "disbursement_date": "2026-01-05", "installments": 120, "tranche_repayment": mode,
    })  # fmt: skip


def _paisa(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


EMI = _paisa(5000000 * R / (1 - (1 + R) ** -120))  # of the sanctioned amount


def test_pre_emi_is_interest_only_until_the_last_tranche_then_the_emi_runs() -> None:
    terms = _terms("pre_emi")
    rows = generate_schedule(terms).installments
    assert {(r.principal, r.interest) for r in rows[:-1]} == {(Decimal("0.00"), Decimal(15000))}
    assert rows[-1].principal == Decimal(2000000)
    state = replay(rows, TRANCHES, date(2026, 7, 5), terms=terms)
    rows_now = state.installments
    # March-April: 15,00,000 more for the 16 of its 31 days from 20 Mar
    march = 15000 + _paisa(1500000 * R * Fraction(16, 31))
    assert [r.interest for r in rows_now[1:5]] == [15000, march, 26250, 26250]
    assert march == Decimal("20806.45")
    assert all(r.principal == 0 for r in rows_now[:5])
    # from the last tranche, the EMI of all 50,00,000 over 120 installments from 5 Jul
    june = Decimal(26250) + _paisa(1500000 * R * Fraction(15, 30))
    sixth = rows_now[5]
    assert (sixth.interest, sixth.principal) == (june, EMI - Decimal(37500))
    assert Decimal("63337.89") == EMI
    assert [r.principal + r.interest for r in rows_now[6:-1]] == [EMI] * 118
    assert (len(rows_now), rows_now[-1].due_date) == (125, date(2036, 6, 5))
    assert sum(r.principal for r in rows_now) == Decimal(5000000)


def test_a_prepayment_while_partly_paid_out_keeps_paying_interest_only() -> None:
    terms = _terms("pre_emi")
    rows = generate_schedule(terms).installments
    prepaid = Prepayment(date(2026, 2, 5), Decimal(500000), "PP", Reschedule.REDUCE_EMI)
    state = replay(rows, [prepaid], date(2026, 2, 5), terms=terms)
    # the first installment's 15,000 of interest, due that day, is paid first: the principal
    # falls by 4,85,000 to 15,15,000, which earns 11,362.50 a month
    assert [(r.principal, r.interest) for r in state.installments[1:3]] == [
        (Decimal("0.00"), Decimal("11362.50")),
        (Decimal("0.00"), Decimal("11362.50")),
    ]
    assert state.installments[-1].principal == Decimal(1515000)


def test_full_emi_pays_the_sanctioned_emi_from_the_start() -> None:
    terms = _terms("full_emi")
    rows = generate_schedule(terms).installments
    # 20,00,000 repaid at 63,337.89: n = -ln(1 - P r / E) / ln(1 + r), rounded up
    count = math.ceil(-math.log(1 - 2000000 * 0.0075 / 63337.89) / math.log(1.0075))
    assert (len(rows), count) == (37, 37)
    assert {r.total for r in rows[:-1]} == {EMI}
    state = replay(rows, TRANCHES, date(2026, 7, 5), terms=terms)
    later = state.installments[6:-1]
    assert {r.principal + r.interest for r in later} == {EMI}
    assert sum(r.principal for r in state.installments) == Decimal(5000000)
    assert len(state.installments) == 118  # within the 120: principal was repaid sooner


@pytest.mark.parametrize("mode", ["pre_emi", "full_emi"])
def test_only_level_emi_schedules_take_construction_linked_repayment(mode: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({
            "principal": "2000000", "annual_rate": "9", "disbursement_date": "2026-01-05",
            "installments": 120, "tranche_repayment": mode, "method": "equal_principal",
        })  # fmt: skip
    assert [f for f, _ in caught.value.problems] == ["tranche_repayment"]


def test_the_sanctioned_amount_is_at_least_what_was_paid_out() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({
            "principal": "2000000", "sanctioned": "1000000", "annual_rate": "9",
            "disbursement_date": "2026-01-05", "installments": 120,
        })  # fmt: skip
    assert caught.value.problems == [("sanctioned", "must be at least the principal paid out")]
