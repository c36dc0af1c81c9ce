"""Restructures and moratoria in the replay, against schedules worked out here by an independent method.

The loan: 1,00,000 at 12 % (1 % a month) for 12 months from 5 Jan 2026, EMI 8,884.88 on the
5th. Installment 1 is paid; 2 (5 Mar) and 3 (5 Apr) are not. On 20 Apr it is restructured.

The independent method (`expected_rows`): exact rational arithmetic (fractions), rounded half
up to the paisa only where a figure is stated. The running installment (5 May) keeps its
period's interest on the principal it was scheduled on (76,108.02 x 1 %) and adds 1 % a month
on what the restructure added, for the 15 of the period's 30 days from 20 Apr; the EMI is the
annuity of the new balance over the new tenure, P r / (1 - (1 + r)^-n); every later row's
interest is 1 % of the balance, its principal the EMI less that interest (the first row's
principal likewise the EMI less a whole period's interest); the last row takes what is left.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.frequency import Cycle, Frequency, add_months
from lms.core.replay import (
    Foreclosure,
    LoanMoratorium,
    Payment,
    Prepayment,
    ReplayError,
    Restructure,
    replay,
)
from lms.core.revision import Reschedule
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms, MoratoriumInterest

TERMS = LoanTerms(
    principal=D(100000), annual_rate=D(12), disbursement_date=date(2026, 1, 5), installments=12
)
ROWS = generate_schedule(TERMS).installments
PAID = Payment(date(2026, 2, 5), D("8884.88"), "P1")
DAY = date(2026, 4, 20)
ARREARS_PRINCIPAL = D("7963.73") + D("8043.37")  # installments 2 and 3
ARREARS_INTEREST = D("921.15") + D("841.51")


def paisa(x: Fraction) -> D:
    return (D(x.numerator) / D(x.denominator)).quantize(D("0.01"), ROUND_HALF_UP)


def expected_rows(
    scheduled: D, added: D, count: int | None, emi: D | None, rate: Fraction = Fraction(1, 100)
) -> list[tuple[D, D, D]]:
    """(principal, interest, balance after) of each new row, from 5 May on."""
    balance = scheduled + added
    old = Fraction(scheduled) * Fraction(1, 100)  # the period's interest as scheduled
    first_interest = paisa(old + Fraction(added) * rate * Fraction(15, 30))
    if emi is None:
        assert count is not None
        emi = paisa(Fraction(balance) * rate / (1 - (1 + rate) ** -count))
    rows, left, k = [], balance, 0
    while left > 0:
        regular = paisa(Fraction(left) * rate)
        interest = first_interest if k == 0 else regular
        principal = min(emi - regular, left)
        if (count is not None and k == count - 1) or (
            count is None and left - principal <= D("0.01")
        ):
            principal = left
        left -= principal
        rows.append((principal, interest, left))
        k += 1
    return rows


def got_rows(restructure: Restructure, as_of: date = DAY) -> list[tuple[D, D, D]]:
    state = replay(ROWS, [PAID, restructure], as_of, terms=TERMS)
    future = [i for i in state.installments if i.due_date > DAY]
    balance, out = sum(i.principal for i in future), []
    for item in future:
        balance -= item.principal
        out.append((item.principal, item.interest, balance))
    return out


def test_capitalised_over_eighteen_installments_is_current_with_the_arrears_as_principal() -> None:
    state = replay(ROWS, [PAID, Restructure(DAY, "R1", installments=18)], DAY, terms=TERMS)
    assert state.dpd == 0 and state.principal_due == 0 and state.interest_due == 0
    assert state.principal_outstanding == D("76108.02") + ARREARS_PRINCIPAL + ARREARS_INTEREST
    (moved,) = state.capitalised
    assert (moved.day, moved.reference, moved.interest) == (DAY, "R1", ARREARS_INTEREST)
    added = ARREARS_PRINCIPAL + ARREARS_INTEREST
    assert got_rows(Restructure(DAY, "R1", installments=18)) == expected_rows(
        D("76108.02"), added, 18, None
    )
    dates = [i.due_date for i in state.installments if i.due_date > DAY]
    assert dates == [add_months(date(2026, 5, 5), k, 5) for k in range(18)]
    # the figures a person checks: 849.93 = 761.08 + 17,769.76 x 1 % x 15/30 (88.85)
    first, second = [i for i in state.installments if i.due_date > DAY][:2]
    assert (first.interest, second.principal + second.interest) == (D("849.93"), D("5724.86"))


def test_a_new_emi_sets_the_tenure() -> None:
    added = ARREARS_PRINCIPAL + ARREARS_INTEREST
    got = got_rows(Restructure(DAY, "R1", emi=D("4000")))
    assert got == expected_rows(D("76108.02"), added, None, D("4000"))
    assert len(got) == 27 and got[-1][2] == 0


def test_a_new_rate_applies_from_the_day() -> None:
    got = got_rows(Restructure(DAY, "R1", installments=24, annual_rate=D("9")))
    # 761.08 as scheduled, then the change at 0.75 % a month for 15/30 of the period:
    # (93,877.78 x 0.75 % - 76,108.02 x 1 %) x 1/2 = (704.0834 - 761.0802) / 2 = -28.4984,
    # so 761.0802 - 28.4984 = 732.5818 -> 732.58
    assert got[0][1] == D("732.58")
    later = expected_rows(D("76108.02"), ARREARS_PRINCIPAL + ARREARS_INTEREST, 24, None,
                          Fraction(3, 400))  # fmt: skip
    assert got[1:] == later[1:]


def test_arrears_kept_stay_overdue_and_only_the_rest_is_re_amortised() -> None:
    event = Restructure(DAY, "R1", installments=24, capitalise=False)
    state = replay(ROWS, [PAID, event], DAY, terms=TERMS)
    assert state.dpd == 47 and state.capitalised == ()  # 5 Mar to 20 Apr: 27 + 20 days
    assert state.principal_due == ARREARS_PRINCIPAL
    assert got_rows(event) == expected_rows(D("76108.02"), D(0), 24, None)


def test_a_restructure_the_emi_cannot_carry_is_refused() -> None:
    with pytest.raises(ReplayError, match="no longer covers the interest"):
        replay(ROWS, [PAID, Restructure(DAY, "R1", emi=D("900"))], DAY, terms=TERMS)


def test_payments_of_the_day_count_before_the_arrears_are_capitalised() -> None:
    paid_today = Payment(DAY, D("8884.88"), "P2")  # pays installment 2 on the day
    state = replay(ROWS, [PAID, paid_today, Restructure(DAY, "R1", installments=18)], DAY,
                   terms=TERMS)  # fmt: skip
    (moved,) = state.capitalised
    assert sum(p.amount for p in moved.parts) == D("8043.37") + D("841.51")


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=120),
    late=st.integers(min_value=0, max_value=9),
    pay=st.integers(min_value=0, max_value=3),
)
def test_every_restructure_repays_exactly_what_was_owed(count: int, late: int, pay: int) -> None:
    """Whatever the tenure, the day and what was paid before: the new rows repay exactly the
    principal left plus the arrears capitalised, the loan is current, and paid parts stay."""
    day = add_months(date(2026, 2, 6), late, 6)
    events = [Payment(date(2026, 2 + k, 5), D("8884.88"), f"P{k}") for k in range(pay)]
    before = replay(ROWS, events, day, terms=TERMS)
    if not any(i.due_date > day for i in before.installments):
        return
    after = replay(ROWS, [*events, Restructure(day, "R", installments=count)], day, terms=TERMS)
    owed = before.principal_outstanding + before.interest_due
    assert after.principal_outstanding == owed
    future = [i for i in after.installments if i.due_date > day]
    assert len(future) == count and sum(i.principal for i in future) == owed
    assert after.dpd == 0
    paid_before = sum(i.principal_paid + i.interest_paid for i in before.installments)
    capitalised = sum(p.amount for c in after.capitalised for p in c.parts)
    assert sum(i.principal_paid + i.interest_paid for i in after.installments) == (
        paid_before + capitalised
    )


# -- moratoria: the same loan, installments 1 and 2 paid, a moratorium of three periods from
# 20 Mar 2026 (installments 3, 4 and 5, 5 Apr to 5 Jun, deferred). By hand at 1 % a month on
# 84,151.39 (after February's and March's principal): 841.51 a period. Capitalised, the balance
# grows on each deferred due date: 84,992.90, then 849.93 on it, 85,842.83, then 858.43 on
# it: 86,701.26. Then as many installments as were left (10), from 5 Jul 2026 to 5 Apr 2027.

GRANTED = date(2026, 3, 20)
BOTH_PAID = [PAID, Payment(date(2026, 3, 5), D("8884.88"), "P2")]


def moratorium(interest: MoratoriumInterest) -> list[tuple[int, date, D, D]]:
    event = LoanMoratorium(GRANTED, 3, interest, "M1")
    state = replay(ROWS, [*BOTH_PAID, event], date(2027, 6, 1), terms=TERMS)
    return [(i.number, i.due_date, i.principal, i.interest) for i in state.installments[2:]]


def amortised(balance: D, first_extra: D = D(0)) -> list[tuple[D, D]]:
    """(principal, interest) of 10 level installments of `balance` at 1 %, by fractions."""
    rate, left, out = Fraction(1, 100), balance, []
    emi = paisa(Fraction(balance) * rate / (1 - (1 + rate) ** -10))
    for k in range(10):
        interest = paisa(Fraction(left) * rate)
        principal = left if k == 9 else emi - interest
        out.append((principal, interest + (first_extra if k == 0 else 0)))
        left -= principal
    return out


DEFERRED_DUES = [date(2026, 4, 5), date(2026, 5, 5), date(2026, 6, 5)]
AFTER_DUES = [add_months(date(2026, 7, 5), k, 5) for k in range(10)]


@pytest.mark.parametrize(
    ("interest", "deferred_interest", "balance", "extra"),
    [
        (MoratoriumInterest.COLLECTED, [D("841.51")] * 3, D("84151.39"), D(0)),
        (MoratoriumInterest.CAPITALISED, [D("841.51"), D("849.93"), D("858.43")],
         D("86701.26"), D(0)),
        (MoratoriumInterest.FIRST_INSTALLMENT, [D(0)] * 3, D("84151.39"), D("2524.53")),
        (MoratoriumInterest.WAIVED, [D(0)] * 3, D("84151.39"), D(0)),
    ],
)  # fmt: skip
def test_a_moratorium_defers_three_installments_then_repays_over_those_left(
    interest: MoratoriumInterest, deferred_interest: list[D], balance: D, extra: D
) -> None:
    rows = moratorium(interest)
    assert rows[:3] == [(3 + k, DEFERRED_DUES[k], D(0), deferred_interest[k]) for k in range(3)]
    after = [(6 + k, AFTER_DUES[k], *pair) for k, pair in enumerate(amortised(balance, extra))]
    assert rows[3:] == after


def test_capitalised_interest_is_recorded_and_nothing_is_overdue_in_the_moratorium() -> None:
    event = LoanMoratorium(GRANTED, 3, MoratoriumInterest.CAPITALISED, "M1")
    state = replay(ROWS, [*BOTH_PAID, event], date(2026, 6, 30), terms=TERMS)
    assert state.dpd == 0 and state.principal_outstanding == D("86701.26")
    assert [(c.day, c.reference, c.interest) for c in state.capitalised] == [
        (date(2026, 4, 5), "M1@2026-04-05", D("841.51")),
        (date(2026, 5, 5), "M1@2026-05-05", D("849.93")),
        (date(2026, 6, 5), "M1@2026-06-05", D("858.43")),
    ]


def test_nothing_else_revises_the_schedule_while_a_moratorium_runs() -> None:
    event = LoanMoratorium(GRANTED, 3, MoratoriumInterest.COLLECTED, "M1")
    prepay = Prepayment(date(2026, 5, 10), D("10000"), "PP", Reschedule.REDUCE_EMI)
    with pytest.raises(ReplayError, match="a moratorium defers the installments until 2026-06-05"):
        replay(ROWS, [*BOTH_PAID, event, prepay], date(2026, 5, 10), terms=TERMS)
    after = Prepayment(date(2026, 6, 10), D("10000"), "PP", Reschedule.REDUCE_EMI)
    state = replay(ROWS, [*BOTH_PAID, event, after], date(2026, 6, 10), terms=TERMS)
    # it pays the three deferred installments' interest (principal-only: 3 x 841.51) first
    assert state.principal_prepaid == D("10000") - 3 * D("841.51")


@pytest.mark.parametrize(
    ("interest", "expected"),
    [
        # 15 days since 5 Apr on 92,115.12 at 12 % / 365: 454.27; plus March's and April's
        # deferred interest, 921.15 each (1 % of 92,115.12), to be paid with June's installment
        (MoratoriumInterest.FIRST_INSTALLMENT, D("454.27") + 2 * D("921.15")),
        (MoratoriumInterest.WAIVED, D("0.00")),  # the days are inside the waived moratorium
        (MoratoriumInterest.COLLECTED, D("454.27")),  # March's and April's stay owed as rows
    ],
)
def test_a_foreclosure_inside_a_moratorium_keeps_what_it_owes(
    interest: MoratoriumInterest, expected: D
) -> None:
    event = LoanMoratorium(date(2026, 2, 10), 3, interest, "M1")
    events = [PAID, event, Foreclosure(date(2026, 4, 20))]
    state = replay(ROWS, events, date(2026, 4, 20), terms=TERMS)
    final = state.installments[-1]
    assert (final.due_date, final.principal, final.interest) == (
        date(2026, 4, 20), D("92115.12"), expected)  # fmt: skip


def test_a_matured_loan_is_restructured_onto_its_next_due_dates() -> None:
    """Only installment 1 paid; on 20 Mar 2027 every installment has fallen due (the last on 5
    Jan 2027): all 97,733.65 owed (principal 92,115.12, interest
    5,618.53) is capitalised over 12 installments from 5 Apr 2027, the loan's next due date;
    they are numbered by their place on the loan's timeline (15 to 26: 13 and 14 would have
    fallen due on 5 Feb and 5 Mar). The first carries 1 % a month for 16 of its 31 days on
    the new balance: 977.3365 x 16 / 31 = 504.4318, so 504.43."""
    day = date(2027, 3, 20)
    state = replay(ROWS, [PAID, Restructure(day, "R", installments=12)], day, terms=TERMS)
    assert (state.dpd, state.principal_outstanding) == (0, D("97733.65"))
    assert [c.interest for c in state.capitalised] == [D("5618.53")]
    new = [i for i in state.installments if i.due_date > day]
    assert [i.number for i in new] == list(range(15, 27))
    assert [i.due_date for i in new] == [add_months(date(2027, 4, 5), k, 5) for k in range(12)]
    assert new[0].interest == D("504.43") and sum(i.principal for i in new) == D("97733.65")
    with pytest.raises(ReplayError, match="no installment falls due after 2027-03-20"):
        replay(ROWS, [PAID, Restructure(day, "R", capitalise=False, installments=12)], day,
               terms=TERMS)  # fmt: skip


def test_a_loan_restructured_and_foreclosed_the_same_day_is_foreclosed_as_restructured() -> None:
    """On 20 Apr (installments 2 and 3 unpaid) the arrears are capitalised, then the loan is
    foreclosed that day: all the principal (arrears included) falls due, with interest from
    5 Apr to 20 Apr on the principal not yet due before the restructure (84,151.39 less the
    8,043.37 of installment 3, 76,108.02 x 12 % x 15 / 365; the capitalised arrears earn
    nothing for days before they were capitalised)."""
    restructure = Restructure(DAY, "RS1", installments=12)
    state = replay(ROWS, [PAID, restructure, Foreclosure(DAY)], DAY, terms=TERMS)
    owed = state.principal_due + state.interest_due
    principal = D(100000) - D("7884.88") + ARREARS_INTEREST
    interest = paisa(Fraction(D("76108.02")) * Fraction(12, 100) * Fraction(15, 365))
    assert (state.principal_due, state.interest_due) == (principal, interest)
    assert owed == principal + interest


def test_a_restructure_moves_the_installments_to_a_new_due_day() -> None:
    """On 20 Apr the arrears are capitalised, 9 installments asked, and the due day moved from
    the 5th to the 20th: the installment running (due 5 May) now falls on 20 May, its period
    5 Apr-20 May (45 days) charged by days: 76,108.02 x 12 % x 15 / 365 before the day and the
    new balance x 12 % x 30 / 365 after; then eight more on the 20th at the EMI of the new
    balance over nine months at 1 %, the last taking the rest."""
    restructure = Restructure(DAY, "RS1", installments=9, due_day=20)
    state = replay(ROWS, [PAID, restructure], DAY, terms=TERMS)
    future = [i for i in state.installments if i.due_date > DAY]
    balance = D("76108.02") + ARREARS_PRINCIPAL + ARREARS_INTEREST
    first = paisa(
        Fraction(D("76108.02")) * Fraction(12, 100) * Fraction(15, 365)
        + Fraction(balance) * Fraction(12, 100) * Fraction(30, 365)
    )
    rate = Fraction(1, 100)
    emi = paisa(Fraction(balance) * rate / (1 - (1 + rate) ** -9))
    assert [i.due_date for i in future] == [add_months(date(2026, 5, 20), k, 20) for k in range(9)]
    assert (future[0].interest, future[0].principal) == (
        first,
        emi - paisa(Fraction(balance) * rate),
    )
    left = balance - future[0].principal
    for item in future[1:-1]:
        assert (item.interest, item.principal) == (
            paisa(Fraction(left) * rate),
            emi - paisa(Fraction(left) * rate),
        )
        left -= item.principal
    assert future[-1].principal == left and sum(i.principal for i in future) == balance
    assert (state.dpd, state.principal_due) == (0, D("0.00"))


def test_the_due_day_moves_only_for_loans_paid_by_months() -> None:
    weekly = LoanTerms(
        principal=D(50000), annual_rate=D(20), disbursement_date=date(2026, 1, 5),
        installments=52, cycle=Cycle(Frequency.WEEKLY),
    )  # fmt: skip
    rows = generate_schedule(weekly).installments
    with pytest.raises(ReplayError, match="only for monthly, quarterly or yearly loans"):
        replay(
            rows, [Restructure(date(2026, 3, 1), "RS", due_day=20)], date(2026, 3, 1), terms=weekly
        )


def test_arrears_moved_to_the_end_become_installments_of_their_own() -> None:
    """On 20 Apr installments 2 and 3 are unpaid but for 500.00 paid on 10 Mar (interest of
    installment 2): what is unpaid of each (7,963.73 + 421.15 and 8,043.37 + 841.51) becomes
    installment 13 (5 Jan 2027 + a month) and 14; installments 4 to 12 are untouched; the loan
    is current; a year on with nothing paid, the oldest unpaid due is installment 4's."""
    partly = Payment(date(2026, 3, 10), D(500), "P2")
    reaged = Restructure(DAY, "RS1", capitalise=False, to_end=True)
    state = replay(ROWS, [PAID, partly, reaged], DAY, terms=TERMS)
    rows = state.installments
    assert [(i.principal, i.interest) for i in rows[1:3]] == [(D(0), D(500)), (D(0), D(0))]
    assert [(i.number, i.due_date, i.principal, i.interest) for i in rows[12:]] == [
        (13, date(2027, 2, 5), D("7963.73"), D("421.15")),
        (14, date(2027, 3, 5), D("8043.37"), D("841.51")),
    ]
    assert [(i.principal, i.interest) for i in rows[3:12]] == [
        (r.principal, r.interest) for r in ROWS[3:12]
    ]
    assert (state.dpd, state.principal_due, state.interest_due) == (0, D(0), D(0))
    later = replay(ROWS, [PAID, partly, reaged], date(2027, 3, 6), terms=TERMS)
    assert later.dpd == (date(2027, 3, 6) - date(2026, 5, 5)).days + 1


def test_a_restructure_makes_the_installments_quarterly() -> None:
    """On 20 Apr, arrears capitalised, three quarterly installments asked: the running one
    stays on 5 May, its month charged by days (76,108.02 x 12 % x 15 / 365 before the day, the
    new balance x 12 % x 15 / 365 after); then 5 Aug and 5 Nov at 3 % a quarter, the EMI that
    of the new balance over three quarters."""
    restructure = Restructure(DAY, "RS1", installments=3, frequency=Frequency.QUARTERLY)
    state = replay(ROWS, [PAID, restructure], DAY, terms=TERMS)
    future = [i for i in state.installments if i.due_date > DAY]
    balance = D("76108.02") + ARREARS_PRINCIPAL + ARREARS_INTEREST
    quarter = Fraction(3, 100)
    emi = paisa(Fraction(balance) * quarter / (1 - (1 + quarter) ** -3))
    first = paisa(
        (Fraction(D("76108.02")) + Fraction(balance)) * Fraction(12, 100) * Fraction(15, 365)
    )
    assert [i.due_date for i in future] == [date(2026, 5, 5), date(2026, 8, 5), date(2026, 11, 5)]
    whole = paisa(Fraction(balance) * quarter)  # a whole quarter's interest
    assert (future[0].interest, future[0].principal) == (first, emi - whole)
    left = balance - future[0].principal
    regular = paisa(Fraction(left) * quarter)
    assert (future[1].interest, future[1].principal) == (regular, emi - regular)
    assert sum(i.principal for i in future) == balance


def test_a_new_frequency_needs_the_new_number_of_installments() -> None:
    restructure = Restructure(DAY, "RS1", frequency=Frequency.QUARTERLY)
    with pytest.raises(ReplayError, match="a new frequency needs the new number"):
        replay(ROWS, [PAID, restructure], DAY, terms=TERMS)
