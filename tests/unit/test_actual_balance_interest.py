"""Interest on the actual balance: late principal earns interest until paid, money held ahead of
a due date earns the borrower interest, and the installments after take the difference.

The loan: 1,20,000 at 12 % for 12 months from 1 Jan 2026, interest on actual days (365-day
year). Expected figures are worked out here from the schedule's own rows by the textbook
formula (amount x 12 % x days / 365, rounded half-even to the paisa once), independently of the
code under test, which accrues the deviation stretch by stretch.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from lms.core.events import Foreclosure, Payment
from lms.core.replay import replay
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.servicing.spec import SpecError, parse_spec

SPEC = {
    "principal": "120000",
    "annual_rate": "12",
    "disbursement_date": "2026-01-01",
    "installments": 12,
    "interest_basis": "actual_days",
    "interest_on_actual_balance": True,
}


def _terms(**changes: object) -> LoanTerms:
    return parse_spec({**SPEC, **changes})


def _interest(amount: Decimal, days: int) -> Decimal:
    exact = amount * Decimal(12) * days / Decimal(36500)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


TERMS = _terms()
ROWS = generate_schedule(TERMS).installments
EMI = ROWS[1].total


def test_the_schedule_is_the_plain_one() -> None:
    assert Decimal("10661.85") == EMI
    assert [(r.principal, r.interest) for r in ROWS[1:3]] == [
        (Decimal("9644.08"), Decimal("1017.77")),
        (Decimal("9633.33"), Decimal("1028.52")),
    ]


def test_a_loan_paid_on_its_due_dates_keeps_its_schedule_exactly() -> None:
    paid = [Payment(r.due_date, r.total, f"p{r.number}") for r in ROWS]
    state = replay(ROWS, paid, ROWS[-1].due_date, terms=TERMS)
    assert [(i.principal, i.interest) for i in state.installments] == [
        (r.principal, r.interest) for r in ROWS
    ]
    assert state.closed_on == ROWS[-1].due_date


def test_principal_paid_ten_days_late_earns_interest_for_ten_days() -> None:
    events = [Payment(date(2026, 2, 1), ROWS[0].total, "p1"), Payment(date(2026, 3, 11), EMI, "p2")]
    state = replay(ROWS, events, date(2026, 4, 1), terms=TERMS)
    late = _interest(ROWS[1].principal, 10)  # 9,644.08 overdue from 1 Mar to 11 Mar
    assert late == Decimal("31.71")
    third, fourth = state.installments[2], state.installments[3]
    # keep_emi: the third installment keeps its total; its principal gives way
    assert (third.principal, third.interest) == (
        ROWS[2].principal - late,
        ROWS[2].interest + late,
    )
    # the fourth runs on a balance higher by what the third did not repay (30 days of April)
    assert fourth.interest == _interest(ROWS[2].balance + late, 30) == Decimal("900.65")
    assert fourth.principal + fourth.interest == EMI
    assert sum(i.principal for i in state.installments) == Decimal(120000)
    assert [i.number for i in state.installments] == list(range(1, 13))


def test_money_held_before_the_due_date_earns_the_borrower_interest() -> None:
    events = [Payment(date(2026, 2, 1), ROWS[0].total, "p1"), Payment(date(2026, 2, 20), EMI, "p2")]
    state = replay(ROWS, events, date(2026, 3, 1), terms=TERMS)
    early = _interest(EMI, 9)  # the EMI held from 20 Feb to 1 Mar
    assert early == Decimal("31.55")
    second = state.installments[1]
    assert (second.principal, second.interest) == (
        ROWS[1].principal + early,
        ROWS[1].interest - early,
    )
    assert (second.principal_paid, second.interest_paid, state.excess) == (
        second.principal,
        second.interest,
        Decimal("0.00"),
    )
    assert sum(i.principal for i in state.installments) == Decimal(120000)


def test_principal_left_unpaid_keeps_earning_and_interest_is_not_compounded() -> None:
    events = [Payment(date(2026, 2, 1), ROWS[0].total, "p1")]
    state = replay(ROWS, events, date(2026, 5, 1), terms=TERMS)
    second, third, fourth = state.installments[1:4]
    assert (second.principal, second.interest) == (ROWS[1].principal, ROWS[1].interest)
    march = _interest(ROWS[1].principal, 31)  # only the principal of the second, not its interest
    assert third.interest == ROWS[2].interest + march == Decimal("1126.81")
    april_base = _interest(ROWS[2].balance + march, 30)
    april_late = _interest(ROWS[1].principal + third.principal, 30)
    assert fourth.interest == april_base + april_late == Decimal("1090.46")
    assert state.dpd == 62  # days past due run as ever


def test_reamortise_spreads_the_difference_over_a_new_emi() -> None:
    terms = _terms(recalculation="reamortise")
    events = [Payment(date(2026, 2, 1), ROWS[0].total, "p1"), Payment(date(2026, 3, 11), EMI, "p2")]
    state = replay(ROWS, events, date(2026, 4, 1), terms=terms)
    third, fourth, fifth = state.installments[2:5]
    assert third.principal + third.interest == EMI
    assert fourth.interest == Decimal("900.65")
    assert fourth.principal + fourth.interest == fifth.principal + fifth.interest
    assert fourth.principal + fourth.interest != EMI
    assert sum(i.principal for i in state.installments) == Decimal(120000)


def test_a_foreclosure_charges_the_late_days_of_its_own_period() -> None:
    events = [
        Payment(date(2026, 2, 1), ROWS[0].total, "p1"),
        Foreclosure(date(2026, 3, 16)),
    ]
    plain = replay(ROWS, events, date(2026, 3, 16), terms=_terms(interest_on_actual_balance=False))
    state = replay(ROWS, events, date(2026, 3, 16), terms=TERMS)
    # the second installment's principal was overdue from 1 Mar to the foreclosure day
    assert state.installments[-1].interest - plain.installments[-1].interest == _interest(
        ROWS[1].principal, 15
    )


@pytest.mark.parametrize(
    "change",
    [{"method": "flat"}, {"balloon": {"percent": "10"}}, {"step": {"every": 3, "percent": "5"}}],
)
def test_only_level_emi_schedules_take_it(change: dict[str, object]) -> None:
    with pytest.raises(SpecError) as caught:
        _terms(**change)
    assert (
        "interest_on_actual_balance",
        "applies to level-EMI schedules without steps or a balloon only",
    ) in caught.value.problems


def test_overdue_interest_earns_interest_only_where_the_product_compounds() -> None:
    """Outside India a lender may compound: the second installment's interest (1,017.77),
    unpaid through March, then earns interest beside its principal (9,644.08 + 1,017.77 for 31
    days). The setting needs interest on the actual balance."""
    terms = _terms(compound_overdue_interest=True)
    events = [Payment(date(2026, 2, 1), ROWS[0].total, "p1")]
    third = replay(ROWS, events, date(2026, 4, 1), terms=terms).installments[2]
    assert third.interest == ROWS[2].interest + _interest(ROWS[1].total, 31) == Decimal("1137.18")
    with pytest.raises(SpecError) as caught:
        _terms(interest_on_actual_balance=False, compound_overdue_interest=True)
    assert caught.value.problems == [
        ("compound_overdue_interest", "needs interest_on_actual_balance")
    ]


def test_principal_unpaid_after_the_last_due_date_keeps_earning_until_paid() -> None:
    """Every EMI paid on time but the last (1 Jan 2027: 10,519.42 of principal, checked
    below), paid 20 days late: on that day 10,519.42 x 12 % x 20 / 365 falls due as an
    installment of interest only, and the payment of both closes the loan."""
    paid = [Payment(r.due_date, r.total, f"p{r.number}") for r in ROWS[:-1]]
    last = ROWS[-1]
    late = _interest(last.principal, 20)
    assert (last.principal, late) == (Decimal("10519.42"), Decimal("69.17"))
    day = date(2027, 1, 21)
    settled = replay(ROWS, [*paid, Payment(day, last.total + late, "p12")], day, terms=TERMS)
    extra = settled.installments[-1]
    assert (extra.number, extra.due_date, extra.principal, extra.interest) == (
        13, day, Decimal("0.00"), late)  # fmt: skip
    assert (settled.closed_on, settled.excess, settled.dpd) == (day, Decimal("0.00"), 0)
    unpaid = replay(ROWS, paid, day, terms=TERMS)  # no event on the day: nothing settled yet
    assert len(unpaid.installments) == 12 and unpaid.dpd == 21
