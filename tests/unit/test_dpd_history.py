"""DPD day by day from a few replays (lms.core.dpd_history) equals a replay of every day.

The independent method is the slow one the module avoids: `replay(..., day).dpd` for every day.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.dpd_history import dpd_by_day
from lms.core.events import (
    Charge,
    Event,
    Foreclosure,
    Payment,
    Prepayment,
    RateChange,
    Reversal,
    Tranche,
)
from lms.core.replay import replay
from lms.core.revision import Reschedule
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms

TERMS = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)
ROWS = generate_schedule(TERMS).installments
START, END = date(2026, 1, 15), date(2027, 2, 20)


def _every_day(events: list[Event], terms: LoanTerms = TERMS) -> list[tuple[date, int]]:
    rows = generate_schedule(terms).installments
    days = [START + timedelta(days=n) for n in range((END - START).days + 1)]
    return [(day, replay(rows, events, day, terms=terms).dpd) for day in days]


def test_a_late_payer_with_a_returned_debit_a_prepayment_and_a_rate_change() -> None:
    events: list[Event] = [
        Payment(date(2026, 2, 15), D("8884.88"), "N1"),
        Payment(date(2026, 3, 15), D("8884.88"), "N2"),
        Reversal(date(2026, 3, 18), "N2"),  # a returned debit: overdue again from 15 Mar
        Payment(date(2026, 3, 25), D(5000), "U1"),
        Charge(date(2026, 4, 2), D(500), D(90), "BOUNCE"),
        Prepayment(date(2026, 6, 20), D(30000), "P1", Reschedule.REDUCE_EMI),
        RateChange(date(2026, 8, 1), D(14), "RATE", Reschedule.REDUCE_TENURE),
        Payment(date(2026, 9, 30), D(2000), "U2"),
    ]
    expected = _every_day(events)
    assert list(dpd_by_day(ROWS, events, START, END, terms=TERMS)) == expected
    assert max(dpd for _, dpd in expected) > 90  # the loan goes well past due: not a flat line


def test_tranches_and_a_foreclosure() -> None:
    events: list[Event] = [
        Tranche(date(2026, 3, 1), D(20000), "T2"),
        Payment(date(2026, 5, 1), D(9000), "U1"),
        Foreclosure(date(2026, 9, 10)),
    ]
    terms = LoanTerms(D(80000), D(12), date(2026, 1, 15), 12)
    rows = generate_schedule(terms).installments
    assert list(dpd_by_day(rows, events, START, END, terms=terms)) == _every_day(events, terms)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.integers(min_value=1, max_value=2500000).map(lambda p: D(p) / 100),
            st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
        ),
        max_size=8,
    )
)
def test_any_payments_and_returns(raw: list[tuple[int, D, int | None]]) -> None:
    events: list[Event] = []
    for k, (offset, amount, returned_after) in enumerate(raw):
        events.append(Payment(START + timedelta(days=offset), amount, f"R{k}"))
        if returned_after is not None:
            events.append(Reversal(START + timedelta(days=offset + returned_after), f"R{k}"))
    assert list(dpd_by_day(ROWS, events, START, END, terms=TERMS)) == _every_day(events)
