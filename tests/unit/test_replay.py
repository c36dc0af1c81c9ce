"""Replaying a loan: payments by the waterfall, excess, reversals, backdating, DPD, closure.

The loan: 1,00,000 at 12 % for 12 months from 15 Jan 2026, EMI 8,884.88. Installment 1 (15 Feb):
interest 1,000.00, principal 7,884.88; installment 2 (15 Mar): interest 921.15, principal
7,963.73. Expected values below are worked by hand from those rows.
"""

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.allocation import (
    STANDARD,
    Bucket,
    Component,
    FutureRule,
    Owed,
    Part,
    Waterfall,
    allocate,
)
from lms.core.charge_positions import charge_positions
from lms.core.replay import (
    Charge,
    ChargeWaiver,
    Foreclosure,
    Payment,
    Prepayment,
    RateChange,
    Refund,
    ReplayError,
    Reversal,
    Tranche,
    Waived,
    day_ends,
    replay,
)
from lms.core.revision import Reschedule
from lms.core.schedule import generate_schedule
from lms.core.terms import BPITreatment, LoanTerms

ROWS = generate_schedule(LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)).installments
FEB15, MAR15 = date(2026, 2, 15), date(2026, 3, 15)


def test_an_unpaid_installment_is_one_day_past_due_at_the_day_end_of_its_due_date() -> None:
    before = replay(ROWS, [], date(2026, 2, 14))
    assert (before.dpd, before.principal_due, before.interest_due) == (0, 0, 0)
    on_due = replay(ROWS, [], FEB15)
    assert (on_due.dpd, on_due.principal_due, on_due.interest_due) == (
        1,
        D("7884.88"),
        D("1000.00"),
    )
    assert replay(ROWS, [], date(2026, 3, 1)).dpd == 15


def test_paying_the_emi_on_time_keeps_the_loan_current() -> None:
    state = replay(ROWS, [Payment(FEB15, D("8884.88"), "UTR1")], FEB15)
    assert (state.dpd, state.excess, state.principal_outstanding) == (0, D("0.00"), D("92115.12"))
    assert replay(ROWS, [Payment(FEB15, D("8884.88"), "UTR1")], MAR15).dpd == 1


def test_a_partial_payment_pays_interest_first() -> None:
    state = replay(ROWS, [Payment(date(2026, 2, 20), D(5000), "R1")], date(2026, 2, 20))
    first = state.installments[0]
    assert (first.interest_paid, first.principal_paid) == (D("1000.00"), D("4000.00"))
    assert (state.principal_due, state.interest_due, state.dpd) == (D("3884.88"), D("0.00"), 6)


def test_two_overdue_installments_pay_both_interests_before_any_principal() -> None:
    state = replay(ROWS, [Payment(date(2026, 3, 20), D(2000), "R1")], date(2026, 3, 20))
    first, second = state.installments[:2]
    assert (first.interest_paid, second.interest_paid) == (D("1000.00"), D("921.15"))
    assert (first.principal_paid, second.principal_paid) == (D("78.85"), D("0.00"))
    assert state.dpd == 34  # 15 Feb is day 1


def test_an_excess_is_held_and_pays_the_next_installment_on_its_due_date() -> None:
    payments = [Payment(FEB15, D(10000), "R1")]
    held = replay(ROWS, payments, date(2026, 3, 14))
    assert held.excess == D("1115.12")
    used = replay(ROWS, payments, MAR15)
    second = used.installments[1]
    assert (used.excess, second.interest_paid, second.principal_paid) == (
        D("0.00"),
        D("921.15"),
        D("193.97"),
    )
    assert used.dpd == 1  # 7,769.76 of installment 2 still unpaid at day-end


def test_a_reversal_voids_the_payment_from_its_value_date_once_known() -> None:
    events = [Payment(FEB15, D("8884.88"), "NACH-1"), Reversal(date(2026, 2, 20), "NACH-1")]
    assert replay(ROWS, events, date(2026, 2, 19)).dpd == 0
    after = replay(ROWS, events, date(2026, 2, 20))
    assert (after.dpd, after.applied) == (6, ())


def test_a_backdated_payment_lands_on_its_value_date_whatever_the_entry_order() -> None:
    late_entry = [Payment(MAR15, D("8884.88"), "R2"), Payment(FEB15, D("8884.88"), "R1")]
    state = replay(ROWS, late_entry, MAR15)
    assert state.dpd == 0
    assert [a.payment.reference for a in state.applied] == ["R1", "R2"]


def test_paying_every_installment_closes_the_loan() -> None:
    payments = [Payment(row.due_date, row.total, f"R{row.number}") for row in ROWS]
    state = replay(ROWS, payments, date(2027, 6, 1))
    assert (state.closed_on, state.principal_outstanding, state.dpd) == (date(2027, 1, 15), 0, 0)


def test_events_that_cannot_belong_to_the_loan() -> None:
    with pytest.raises(ReplayError, match="used twice"):
        replay(ROWS, [Payment(FEB15, D(1), "R"), Payment(MAR15, D(1), "R")], MAR15)
    with pytest.raises(ReplayError, match="unknown payment"):
        replay(ROWS, [Reversal(FEB15, "nope")], MAR15)
    with pytest.raises(ReplayError, match="must be positive"):
        replay(ROWS, [Payment(FEB15, D(0), "R")], MAR15)


def test_in_advance_amounts_follow_the_future_rule() -> None:
    owed = [
        Owed(1, FEB15, Component.PRINCIPAL, D(100)),
        Owed(2, MAR15, Component.PRINCIPAL, D(100)),
        Owed(3, date(2026, 4, 15), Component.PRINCIPAL, D(100)),
    ]
    ahead = ((Bucket.IN_ADVANCE, Component.PRINCIPAL),)
    parts, excess = allocate(D(150), owed, date(2026, 2, 1), Waterfall(ahead, FutureRule.LAST))
    assert parts == (Part(3, Component.PRINCIPAL, D(100)), Part(2, Component.PRINCIPAL, D(50)))
    assert excess == 0
    parts, excess = allocate(D(150), owed, date(2026, 2, 1), STANDARD)  # nothing in advance
    assert (parts, excess) == ((), D(150))
    with pytest.raises(ValueError, match="negative"):
        allocate(D(-1), owed, FEB15)


payments = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=420),
        st.integers(min_value=1, max_value=2000000).map(lambda p: D(p) / 100),
        st.booleans(),
    ),
    max_size=12,
)


def _history(raw: list[tuple[int, D, bool]]) -> list[Payment | Reversal]:
    """Payments from 16 Jan 2026 at the drawn offsets, each maybe reversed three days on."""
    events: list[Payment | Reversal] = []
    start = date(2026, 1, 16)
    for k, (offset, amount, reversed_later) in enumerate(raw):
        events.append(Payment(start + timedelta(offset), amount, f"R{k}"))
        if reversed_later:
            events.append(Reversal(start + timedelta(offset + 3), f"R{k}"))
    return events


@settings(max_examples=200, deadline=None)
@given(payments, st.integers(min_value=0, max_value=500))
def test_every_rupee_is_applied_or_held(raw: list[tuple[int, D, bool]], day: int) -> None:
    events, start = _history(raw), date(2026, 1, 16)
    as_of = start + timedelta(day)
    state = replay(ROWS, events, as_of)
    received = sum((a.payment.amount for a in state.applied), D(0))
    paid = sum((i.principal_paid + i.interest_paid for i in state.installments), D(0))
    assert paid + state.excess == received
    assert all(
        i.principal_paid <= i.principal and i.interest_paid <= i.interest
        for i in state.installments
    )
    assert replay(ROWS, list(reversed(events)), as_of) == state  # entry order does not matter
    if paid == sum((r.total for r in ROWS), D(0)):
        assert state.closed_on is not None and state.principal_outstanding == 0


# Part-prepayments, rate changes and foreclosure inside the replay (the rows are revised from
# the event's day; lms.core.revision is tested on its own in test_revision.py).
TERMS12 = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)
ON_TIME = [Payment(FEB15, D("8884.88"), "I1"), Payment(MAR15, D("8884.88"), "I2")]
APR10 = date(2026, 4, 10)


def test_a_prepayment_reduces_the_principal_and_revises_what_is_not_yet_due() -> None:
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_EMI)
    state = replay(ROWS, [*ON_TIME, prepay], APR10, terms=TERMS12)
    assert state.principal_prepaid == D(20000)
    assert state.principal_outstanding == D("64151.39")  # 84,151.39 - 20,000
    assert state.applied[-1].parts == (Part(0, Component.PRINCIPAL, D(20000)),)
    third, fourth = state.installments[2], state.installments[3]
    assert (third.interest, third.principal + third.interest) == (D("809.26"), D("6940.99"))
    assert fourth.principal + fourth.interest == D("6773.24")
    assert state.excess == 0 and state.dpd == 0


def test_a_prepayment_pays_the_overdue_installment_first() -> None:
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_TENURE)
    state = replay(ROWS, [ON_TIME[0], prepay], APR10, terms=TERMS12)
    assert state.principal_prepaid == D("11115.12")  # 20,000 - installment 2 (8,884.88)
    assert state.dpd == 0 and state.principal_outstanding == D("84151.39") - D("11115.12")


def test_a_returned_prepayment_gives_back_the_original_schedule() -> None:
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_EMI)
    events = [*ON_TIME, prepay, Reversal(date(2026, 4, 13), "P1")]
    state = replay(ROWS, events, date(2026, 4, 13), terms=TERMS12)
    assert state.principal_prepaid == 0
    assert [(i.principal, i.interest) for i in state.installments] == [
        (r.principal, r.interest) for r in ROWS
    ]


def test_foreclosure_after_a_prepayment_charges_each_stretch_at_its_balance() -> None:
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_EMI)
    events = [*ON_TIME, prepay, Foreclosure(date(2026, 4, 12))]
    state = replay(ROWS, events, date(2026, 4, 12), terms=TERMS12)
    final = state.installments[-1]
    # 84,151.39 x 12 % x 26/365 (15 Mar - 10 Apr) + 64,151.39 x 12 % x 2/365, rounded once
    accrued = (F("84151.39") * 26 + F("64151.39") * 2) * F(12, 100) / 365
    assert final.interest == D(round(accrued * 100)) / 100 == D("761.50")
    assert (final.number, final.principal) == (3, D("64151.39"))


def test_a_rate_change_revises_from_its_day_and_is_reported() -> None:
    change = RateChange(APR10, D(14), "REPO-2026-04", Reschedule.REDUCE_EMI)
    state = replay(ROWS, [*ON_TIME, change], APR10, terms=TERMS12)
    assert state.annual_rate == D(14)
    # 841.5139 + 84,151.39 x 2 %/12 x 5/31 (22.6213...) = 864.1352..., rounded once
    assert state.installments[2].interest == D("864.14")
    assert len(state.installments) == 12


def test_revising_events_need_the_terms() -> None:
    with pytest.raises(ReplayError, match="terms"):
        replay(ROWS, [Prepayment(APR10, D(30000), "P", Reschedule.REDUCE_EMI)], APR10)


def test_a_payment_returned_after_its_surplus_was_refunded_leaves_a_recovery() -> None:
    """10,000 on 15 Feb (installment 1 is 8,884.88): 1,115.12 held and refunded on 20 Feb; the
    payment is returned on 25 Feb, so the borrower owes installment 1 again and the 1,115.12
    refunded; a payment of 10,000 on 1 Mar pays the recovery first (a fee, past due)."""
    events = [
        Payment(FEB15, D(10000), "CHQ1"),
        Refund(date(2026, 2, 20), D("1115.12"), "RF1"),
        Reversal(date(2026, 2, 25), "CHQ1"),
    ]
    state = replay(ROWS, events, date(2026, 2, 25))
    assert (state.charges_due, state.excess, state.principal_due) == (
        D("1115.12"),
        D(0),
        D("7884.88"),
    )
    assert state.dpd == 11
    later = replay(ROWS, [*events, Payment(date(2026, 3, 1), D(10000), "NEFT2")], date(2026, 3, 1))
    assert later.charges_due == 0 and later.dpd == 0
    assert later.applied[-1].parts[0] == Part(-1, Component.FEE, D("1115.12"))
    assert later.excess == D(0)  # 10,000 - 1,115.12 - 8,884.88


# Cases from a review: revisions and foreclosure around the broken period and on due dates.
JAN10 = date(2026, 1, 10)


def _broken(bpi: BPITreatment) -> tuple[LoanTerms, tuple]:  # type: ignore[type-arg]
    """1,00,000 at 12 % from 10 Jan with EMIs on the 5th: 10 Jan - 5 Feb is a broken period,
    the first EMI falls due 5 Mar."""
    terms = LoanTerms(D(100000), D(12), JAN10, 12, due_day=5, bpi=bpi)
    return terms, generate_schedule(terms).installments


@pytest.mark.parametrize(
    ("bpi", "event", "expected"),
    [
        # 1,00,000 x 12 % x 41/365 (10 Jan - 20 Feb) + 50,000 x 12 % x 31/365 (20 Jan - 20 Feb)
        (BPITreatment.FIRST, Tranche(date(2026, 1, 20), D(50000), "T"), "1857.53"),
        # 1,00,000 x 12 % x 10/365 + 50,000 x 12 % x 31/365
        (
            BPITreatment.FIRST,
            Prepayment(date(2026, 1, 20), D(50000), "P", Reschedule.REDUCE_EMI),
            "838.36",
        ),
        # BPI on 1,00,000 deducted: 1,50,000 x 12 % x 15/365 (5 - 20 Feb) + the tranche's
        # 16 days of the broken period, 50,000 x 12 % x 16/365
        (BPITreatment.DEDUCT, Tranche(date(2026, 1, 20), D(50000), "T"), "1002.74"),
    ],
)
def test_foreclosure_counts_revisions_inside_the_broken_period(
    bpi: BPITreatment, event: Tranche | Prepayment, expected: str
) -> None:
    terms, rows = _broken(bpi)
    events = [event, Foreclosure(date(2026, 2, 20))]
    state = replay(rows, events, date(2026, 2, 20), terms=terms)
    assert state.installments[-1].interest == D(expected)


def test_foreclosure_inside_the_broken_period_charges_its_days_only() -> None:
    terms, rows = _broken(BPITreatment.FIRST)
    state = replay(rows, [Foreclosure(date(2026, 1, 12))], date(2026, 1, 12), terms=terms)
    assert state.installments[-1].interest == D("65.75")  # 1,00,000 x 12 % x 2/365


def test_periodic_interest_moves_pro_rata_of_the_period() -> None:
    """Under the periodic basis a period's interest is balance x 1 %: a prepayment on 16 Feb
    (27 of the 28 days to 15 Mar left) and a rate change on a due date (the next period whole
    at the new rate) move it by exactly that rule."""
    after_one = [Payment(FEB15, D("8884.88"), "I1")]
    prepaid = Prepayment(date(2026, 2, 16), D(50000), "P", Reschedule.REDUCE_EMI)
    state = replay(ROWS, [*after_one, prepaid], date(2026, 2, 16), terms=TERMS12)
    # 92,115.12 x 1 % x 1/28 + 42,115.12 x 1 % x 27/28
    expected = (F("92115.12") * 1 + F("42115.12") * 27) / 100 / 28
    assert state.installments[1].interest == D(round(expected * 100)) / 100 == D("439.01")
    change = RateChange(FEB15, D(14), "R", Reschedule.REDUCE_EMI)
    repriced = replay(ROWS, [*after_one, change], FEB15, terms=TERMS12)
    assert repriced.installments[1].interest == D("1074.68")  # 92,115.12 x 14 %/12
    to_zero = RateChange(FEB15, D(0), "Z", Reschedule.REDUCE_EMI)
    free = replay(ROWS, [*after_one, to_zero], FEB15, terms=TERMS12)
    assert free.installments[1].interest == 0  # never negative


def test_prepaying_almost_everything_on_disbursement_day_leaves_sound_interest() -> None:
    prepaid = Prepayment(date(2026, 1, 15), D(99900), "P", Reschedule.REDUCE_EMI)
    state = replay(ROWS, [prepaid], date(2026, 1, 15), terms=TERMS12)
    assert state.installments[0].interest == D("1.00")  # 100 x 1 %
    assert sum(i.principal for i in state.installments) == D(100)


def test_a_prepayment_on_a_due_date_comes_after_that_days_emi() -> None:
    events = [
        Payment(FEB15, D("8884.88"), "NACH1"),
        Prepayment(FEB15, D(20000), "A-PRE", Reschedule.REDUCE_EMI),  # sorts before NACH1
    ]
    state = replay(ROWS, events, FEB15, terms=TERMS12)
    assert (state.principal_prepaid, state.excess) == (D(20000), 0)


@settings(max_examples=150, deadline=None)
@given(payments, st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=12))
def test_day_ends_are_the_replays_of_each_day(
    raw: list[tuple[int, D, bool]], offsets: list[int]
) -> None:
    """One walk through a loan's days (what the statement reads) gives, for every day, the
    figures a replay to that day gives: reversals take effect from the day they are known."""
    events, start = _history(raw), date(2026, 1, 16)
    days = [start + timedelta(k) for k in offsets]
    ends = day_ends(ROWS, events, days)
    for day in days:
        state = replay(ROWS, events, day)
        figures = (state.principal_outstanding, state.applied, state.excess_applied)
        assert (
            ends[day].principal_outstanding,
            ends[day].applied,
            ends[day].excess_applied,
        ) == figures


def _charged(*events: object, day: date = date(2026, 2, 28)) -> object:
    """Installment 1 paid on time, a 500 fee with 90 GST levied on 20 Feb, then `events`."""
    paid = Payment(FEB15, D("8884.88"), "U1")
    fee = Charge(date(2026, 2, 20), D("500"), D("90"), "legal:1")
    return replay(ROWS, [paid, fee, *events], day)  # type: ignore[list-item]


def test_a_waiver_forgives_part_of_a_charge_and_the_rest_is_paid() -> None:
    """590 owed; 290 forgiven on 22 Feb (its GST share 290 x 90 / 590 = 44.2372..., 44.24);
    the 300 left is paid on 25 Feb and nothing is held."""
    waiver = ChargeWaiver(date(2026, 2, 22), "legal:1", D("290"), "waiver-1")
    state = _charged(waiver, Payment(date(2026, 2, 25), D("300"), "U2"))
    assert (state.charges_due, state.excess) == (D("0.00"), D("0.00"))
    assert state.waived == (Waived(waiver.day, state.charges[0], D("290"), "waiver-1"),)
    assert state.waived[0].tax == D("44.24")
    (position,) = charge_positions(state)  # type: ignore[arg-type]
    assert (position.paid, position.waived, position.unpaid) == (D("300"), D("290"), D("0"))


def test_a_waiver_never_forgives_more_than_is_unpaid_on_its_day() -> None:
    """A backdated payment of the whole 590 on 21 Feb leaves the 22 Feb waiver nothing to
    forgive: the 300 paid on 25 Feb is held; a waiver of a charge not levied does nothing."""
    waiver = ChargeWaiver(date(2026, 2, 22), "legal:1", D("290"), "waiver-1")
    other = ChargeWaiver(date(2026, 2, 22), "legal:9", D("10"), "waiver-2")
    early = Payment(date(2026, 2, 21), D("590"), "U3")
    state = _charged(waiver, other, early, Payment(date(2026, 2, 25), D("300"), "U2"))
    assert (state.charges_due, state.excess, state.waived) == (D("0.00"), D("300"), ())


def test_waiving_the_whole_charge_forgives_all_its_gst() -> None:
    state = _charged(ChargeWaiver(date(2026, 2, 20), "legal:1", D("590"), "waiver-1"))
    assert (state.charges_due, state.waived[0].tax) == (D("0.00"), D("90"))
