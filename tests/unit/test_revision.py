"""Revising a schedule part-way (lms.core.revision): part-prepayments and rate changes.

The loan: 1,00,000 at 12 % for 12 months from 15 Jan 2026 (EMI 8,884.88); after installment 2
(15 Mar) the balance is 84,151.39. Expected rows are worked by an independent Fraction
computation below (`reference_rows`), written from the rule in the module's docstring: the
running installment's interest is its period's interest at the old balance and rate plus the
change in balance x rate for the days left to its due date (pro rata of the period's days under
the periodic basis: 5 of the 31 days from 15 Mar to 15 Apr), unrounded, rounded once; then a
level EMI at 1 % a month (paisa, half up), the last row taking the
rest.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.daycount import DayCount, DaysInYear
from lms.core.money import Rounding, RoundingMode
from lms.core.revision import Reschedule, Revision, RevisionError, revised_rows
from lms.core.schedule import generate_schedule
from lms.core.terms import BPITreatment, InterestBasis, LoanTerms, Method

TERMS = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)
ROWS = generate_schedule(TERMS).installments
APR10 = date(2026, 4, 10)


def paisa(value: F) -> D:
    return (D(value.numerator) / D(value.denominator)).quantize(D("0.01"), ROUND_HALF_UP)


def reference_rows(
    before: D, change: D, old: F, new: F, days_left: int, n: int, emi: D | None
) -> list[tuple[D, D]]:
    """(principal, interest) of each revised row, by Fractions; `emi` None: a new level EMI."""
    balance = F(before + change)
    tail = (balance * new - F(before) * old) / 12 * F(days_left, 31)
    monthly = new / 12
    if emi is None:
        emi = paisa(balance * monthly / (1 - (1 + monthly) ** -n))
        count = n
    else:
        count = 10**6
    out = []
    for k in range(count):
        regular = paisa(balance * monthly)
        interest = paisa(F(before) * old / 12 + tail) if k == 0 else regular
        principal = min(F(emi - regular), balance)
        if k == count - 1:
            principal = balance
        balance -= principal
        out.append((D(principal.numerator) / D(principal.denominator), interest))
        if balance == 0:
            break
    return [(p.quantize(D("0.01")), i) for p, i in out]


def pairs(rows: tuple) -> list[tuple[D, D]]:  # type: ignore[type-arg]
    return [(r.principal, r.interest) for r in rows]


def test_a_prepayment_with_reduce_emi_keeps_the_tenure_and_lowers_the_emi() -> None:
    rows = revised_rows(
        TERMS, ROWS, Revision(APR10, D(-20000), D(12), D(12), Reschedule.REDUCE_EMI)
    )
    assert rows[:2] == ROWS[:2]
    assert len(rows) == 12
    expected = reference_rows(D("84151.39"), D(-20000), F(12, 100), F(12, 100), 5, 10, None)
    assert pairs(rows[2:]) == expected
    # by hand: 841.5139 - 20,000 x 1 % x 5/31 (32.2580...) = 809.2558..., rounded once 809.26
    # (rounding each part first gave 841.51 - 32.26 = 809.25); the new EMI 6,773.24
    assert (rows[2].interest, rows[3].total, rows[-1].balance) == (D("809.26"), D("6773.24"), 0)
    assert [r.due_date for r in rows] == [r.due_date for r in ROWS]


def test_a_prepayment_with_reduce_tenure_keeps_the_emi_and_ends_sooner() -> None:
    rows = revised_rows(
        TERMS, ROWS, Revision(APR10, D(-20000), D(12), D(12), Reschedule.REDUCE_TENURE)
    )
    expected = reference_rows(D("84151.39"), D(-20000), F(12, 100), F(12, 100), 5, 10, D("8884.88"))
    assert pairs(rows[2:]) == expected
    assert len(rows) == 10 and rows[-1].due_date == date(2026, 11, 15)
    assert rows[-1].total == D("4734.45") and rows[3].total == D("8884.88")


def test_a_rate_rise_with_reduce_tenure_adds_installments_on_the_loans_own_cycle() -> None:
    rows = revised_rows(TERMS, ROWS, Revision(APR10, D(0), D(12), D(14), Reschedule.REDUCE_TENURE))
    expected = reference_rows(D("84151.39"), D(0), F(12, 100), F(14, 100), 5, 10, D("8884.88"))
    assert pairs(rows[2:]) == expected
    assert len(rows) == 13 and rows[-1].due_date == date(2027, 2, 15)
    assert rows[2].interest == D("864.14")  # 841.5139 + 84,151.39 x 2 %/12 x 5/31 (22.6213...)


def test_a_rate_rise_too_steep_for_the_emi_is_refused_with_reduce_tenure() -> None:
    with pytest.raises(RevisionError, match="no longer covers the interest"):
        revised_rows(TERMS, ROWS, Revision(APR10, D(0), D(12), D(140), Reschedule.REDUCE_TENURE))
    rows = revised_rows(TERMS, ROWS, Revision(APR10, D(0), D(12), D(140), Reschedule.REDUCE_EMI))
    assert sum(r.principal for r in rows) == D(100000)


def test_prepaying_everything_not_yet_due_is_a_foreclosure_not_a_revision() -> None:
    with pytest.raises(RevisionError, match="foreclose"):
        revised_rows(
            TERMS, ROWS, Revision(APR10, D("-84151.39"), D(12), D(12), Reschedule.REDUCE_EMI)
        )


def test_schedules_other_than_level_emi_are_refused() -> None:
    flat = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12, method=Method.FLAT)
    rows = generate_schedule(flat).installments
    with pytest.raises(RevisionError, match="level-EMI"):
        revised_rows(flat, rows, Revision(APR10, D(-1000), D(12), D(12), Reschedule.REDUCE_EMI))


@settings(max_examples=150, deadline=None)
@given(
    principal=st.integers(10_000, 5_000_000),
    rate=st.decimals(D(0), D(30), places=2),
    count=st.integers(3, 60),
    offset=st.integers(1, 1500),
    share=st.integers(0, 95),
    keep=st.sampled_from([Reschedule.REDUCE_EMI, Reschedule.REDUCE_TENURE]),  # a borrower's
    basis=st.sampled_from(list(InterestBasis)),
    year=st.sampled_from([DaysInYear.D365, DaysInYear.D360]),
    step=st.sampled_from(["0.01", "1", "10"]),
    due_day=st.sampled_from([None, 5]),
)
def test_revised_rows_repay_the_new_balance_exactly(
    principal: int,
    rate: D,
    count: int,
    offset: int,
    share: int,
    keep: Reschedule,
    basis: InterestBasis,
    year: DaysInYear,
    step: str,
    due_day: int | None,
) -> None:
    """Under either interest basis, ACT/365F or ACT/360, EMIs rounded to a paisa, a rupee or
    ten rupees (up), with or without a broken period: the revised rows repay the new balance
    on the paisa grid, never negative, numbered on; a zero revision keeping the EMI changes
    nothing; keeping the EMI, the last installment never exceeds the EMI by more than the old
    schedule's last did (plus rounding dust)."""
    terms = LoanTerms(
        D(principal),
        rate,
        date(2026, 1, 15),
        count,
        interest_basis=basis,
        day_count=DayCount(days_in_year=year),
        rounding=Rounding(D(step), RoundingMode.UP if step != "0.01" else RoundingMode.HALF_UP),
        due_day=due_day,
        bpi=BPITreatment.FIRST if due_day else BPITreatment.NONE,
    )
    rows = generate_schedule(terms).installments
    day = date(2026, 1, 15) + timedelta(days=offset)
    future = [r for r in rows if r.due_date > day]
    if not future:
        return
    before = sum(r.principal for r in future)
    change = -(before * share / 100).quantize(D("0.01"))
    revised = revised_rows(terms, rows, Revision(day, change, rate, rate, keep))
    assert revised[: len(rows) - len(future)] == rows[: len(rows) - len(future)]
    new = revised[len(rows) - len(future) :]
    assert sum(r.principal for r in new) == before + change
    assert all(r.principal > 0 and r.interest >= 0 for r in new)
    assert all(r.principal == r.principal.quantize(D("0.01")) for r in new)  # on the grid
    assert [r.number for r in revised] == list(range(1, len(revised) + 1))
    assert revised[-1].balance == 0
    if keep is Reschedule.REDUCE_TENURE and len(future) >= 3:
        if change == 0:
            assert revised == rows  # nothing changed: the schedule is the same
        emi = future[1].total
        extra = max(rows[-1].total - emi, D(0)) + D(step)
        # the installment running on the day also carries the interest of the days before the
        # change on the balance before it (as the golden tables above have it): when it is the
        # last one left, that interest comes on top of the EMI (found by hypothesis: 10,000 at
        # 5.92 % for 59 months, 95 % prepaid in month 38, one installment of 196.36 for 195.77)
        if len(new) > 1:
            assert revised[-1].total <= emi + extra


def test_a_prepayment_leaving_one_installment_puts_the_running_interest_on_it() -> None:
    """The case hypothesis found: 10,000 at 5.92 % for 59 months from 15 Jan 2026; on day
    1,156 (mid-period) 95 % of the principal not yet due is prepaid, keeping the EMI (195.77).
    One installment is left: the balance (194.81) and the period's interest. By hand: the
    period 15 Mar-15 Apr 2029 was to carry 19.22 on 3,896.15; the prepayment of 3,701.34 on
    16 Mar takes off 3,701.34 x 5.92 %/12 x 30/31 = 17.67 (periodic basis, the days after it
    as a share of the period): 1.55, which is more than the balance's 0.96 for the period, as
    the days before the prepayment carry the balance before it; so 196.36 for an EMI of
    195.77."""
    terms = LoanTerms(D(10000), D("5.92"), date(2026, 1, 15), 59)
    rows = generate_schedule(terms).installments
    day = date(2026, 1, 15) + timedelta(days=1156)
    before = sum(r.principal for r in rows if r.due_date > day)
    change = -(before * 95 / 100).quantize(D("0.01"))
    revised = revised_rows(
        terms, rows, Revision(day, change, D("5.92"), D("5.92"), Reschedule.REDUCE_TENURE)
    )
    last = revised[-1]
    assert (last.principal, last.interest, last.total, last.balance) == (
        D("194.81"), D("1.55"), D("196.36"), D(0),
    )  # fmt: skip
    assert (
        rows[-2].total == D("195.77")
        and len(revised) == len([r for r in rows if r.due_date <= day]) + 1
    )


def test_a_revision_on_the_first_day_of_a_period_rounds_the_new_interest_once() -> None:
    """The rate rises from 12 % to 12.5 % on 15 Mar, the first day of installment 3's period:
    its interest is the whole period at the new rate, 84,151.39 x 12.5 % / 12, rounded once
    (Fraction below, by hand 876.5769791...: 876.58). Rounding the old interest (841.5139...:
    841.51) and the change (84,151.39 x 0.5 % / 12 = 35.0630...: 35.06) apart gave a paisa
    less, 876.57. The rows after it: the new level EMI over 10 months at 12.5 % (reference)."""
    mar15 = date(2026, 3, 15)
    rows = revised_rows(TERMS, ROWS, Revision(mar15, D(0), D(12), D("12.5"), Reschedule.REDUCE_EMI))
    whole = F(D("84151.39")) * F(125, 1000) / 12
    assert paisa(whole) == D("876.58") and paisa(F("841.51") + F("35.06")) == D("876.57")
    assert rows[2].interest == paisa(whole)
    monthly = F(125, 1000) / 12
    emi = paisa(F(D("84151.39")) * monthly / (1 - (1 + monthly) ** -10))
    assert rows[3].total == emi and rows[2].principal == emi - paisa(whole)
    assert sum(r.principal for r in rows[2:]) == D("84151.39")


@settings(max_examples=100, deadline=None)
@given(
    principal=st.integers(10_000, 5_000_000),
    rate=st.decimals(D("0.5"), D(30), places=2),
    count=st.integers(3, 60),
    offset=st.integers(1, 1500),
    change=st.integers(-2000, 2000),
    keep=st.sampled_from([Reschedule.ADJUST_LAST, Reschedule.INTEREST_ONLY]),
)
def test_the_system_s_own_revisions_repay_the_new_balance_on_the_same_dates(
    principal: int, rate: D, count: int, offset: int, change: int, keep: Reschedule
) -> None:
    """The revisions the system makes itself (interest on the actual balance: the same EMI and
    number of installments, the last taking the rest; pre-EMI: interest only, the principal at
    the last): installments due by the day unchanged, the new balance repaid exactly, never
    more installments than before, on the same due dates; interest only means no principal
    before the last."""
    terms = LoanTerms(D(principal), rate, date(2026, 1, 15), count)
    rows = generate_schedule(terms).installments
    day = date(2026, 1, 15) + timedelta(days=offset)
    future = [r for r in rows if r.due_date > day]
    if not future:
        return
    moved = D(change)
    try:
        revised = revised_rows(terms, rows, Revision(day, moved, rate, rate, keep))
    except RevisionError as refused:  # the EMI no longer covering the interest, or none left
        assert keep is Reschedule.ADJUST_LAST or "repays all" in str(refused)
        return
    kept = len(rows) - len(future)
    assert revised[:kept] == rows[:kept]
    new = revised[kept:]
    assert sum(r.principal for r in new) == sum(r.principal for r in future) + moved
    assert [r.due_date for r in new] == [r.due_date for r in future][: len(new)]
    if keep is Reschedule.INTEREST_ONLY:
        assert len(new) == len(future) and all(r.principal == 0 for r in new[:-1])
