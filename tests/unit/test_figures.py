"""`current_emi`: the EMI of the installments not yet due, as the revision worked it out.

1,00,000 at 12 % for 12 months from 15 Jan 2026, EMI 8,884.88. After the February and March
EMIs, 20,000 prepaid on 10 Apr with reduce_emi: 64,151.39 over 10 months at 1 % a month,
64,151.39 x 0.01 / (1 - 1.01^-10) = 6,773.2369... (Fraction below): 6,773.24.
"""

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction as F

from lms.core.replay import Payment, Prepayment, replay
from lms.core.revision import Reschedule
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms, StepPolicy
from lms.servicing.figures import current_emi

TERMS = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)
ROWS = generate_schedule(TERMS).installments
PAID = [
    Payment(date(2026, 2, 15), D("8884.88"), "E1"),
    Payment(date(2026, 3, 15), D("8884.88"), "E2"),
]
APR10 = date(2026, 4, 10)
STORED = D("8884.88")


def _emi(events: list, as_of: date, terms: LoanTerms = TERMS, stored: D = STORED) -> D:  # type: ignore[type-arg]
    rows = generate_schedule(terms).installments
    return current_emi(replay(rows, events, as_of, terms=terms), terms, stored)


def test_after_a_reduce_emi_prepayment_the_new_level_emi() -> None:
    exact = F(D("64151.39")) * F(1, 100) / (1 - F(101, 100) ** -10)
    expected = (D(exact.numerator) / D(exact.denominator)).quantize(D("0.01"), ROUND_HALF_UP)
    assert expected == D("6773.24")
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_EMI)
    assert _emi([*PAID, prepay], APR10) == expected


def test_without_a_revision_or_keeping_the_emi_it_is_the_schedules() -> None:
    assert _emi(PAID, APR10) == D("8884.88")
    prepay = Prepayment(APR10, D(20000), "P1", Reschedule.REDUCE_TENURE)
    assert _emi([*PAID, prepay], APR10) == D("8884.88")


def test_with_fewer_than_three_left_or_a_stepped_schedule_the_stored_figure() -> None:
    kept = D("1.00")  # a figure no row has: kept, not read from the rows
    assert _emi([], date(2026, 11, 20), stored=kept) == kept  # only 15 Dec and 15 Jan left
    stepped = LoanTerms(D(100000), D(12), date(2026, 1, 15), 12, step=StepPolicy(6, percent=D(10)))
    assert _emi([], date(2026, 8, 20), stepped, kept) == kept
