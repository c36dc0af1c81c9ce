"""APR (RBI KFS method) and the IRR solver, cross-checked against pyxirr (an independent IRR)."""

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pytest
import pyxirr

from lms.core.irr import IRRError, periodic_irr
from lms.core.money import Rounding, RoundingMode
from lms.core.schedule import generate_schedule
from lms.core.terms import BPITreatment, Fee, FeePayee, LoanTerms


def _pyxirr_apr(net: D, totals: list[D], periods_per_year: int) -> D:
    rate = pyxirr.irr([-float(net)] + [float(t) for t in totals])
    assert rate is not None
    return D(str(rate * periods_per_year * 100)).quantize(D("0.01"))


@pytest.mark.parametrize(
    ("principal", "rate", "count", "fees", "expected_net", "expected_apr"),
    [
        # no fees: the APR is the contract rate
        (D("100000"), D("12"), 12, (), D("100000.00"), D("12.00")),
        # 3 % processing fee kept by the lender
        (D("100000"), D("12"), 12, (Fee("processing", percent=D(3)),), D("97000.00"), D("17.82")),
        # processing fee 1,175 + 18 % GST on a 47,000 loan at 21 % for 24 months
        (
            D("47000"),
            D("21"),
            24,
            (Fee("pf", amount=D(1175), tax_percent=D(18)),),
            D("45613.50"),
            D("24.15"),
        ),
        # insurance paid to a third party counts too (RBI: all upfront fees)
        (
            D("500000"),
            D("10.5"),
            60,
            (
                Fee("pf", percent=D("1"), tax_percent=D(18)),
                Fee("ins", D(7500), payee=FeePayee.THIRD_PARTY),
            ),
            D("486600.00"),
            D("11.69"),
        ),
    ],
)
def test_apr_matches_an_independent_irr(
    principal: D, rate: D, count: int, fees: tuple[Fee, ...], expected_net: D, expected_apr: D
) -> None:
    terms = LoanTerms(principal, rate, date(2026, 1, 15), installments=count, fees=fees)
    schedule = generate_schedule(terms)
    assert schedule.net_disbursed == expected_net
    assert schedule.apr == expected_apr
    totals = [row.total for row in schedule.installments]
    assert _pyxirr_apr(schedule.net_disbursed, totals, 12) == expected_apr


def test_tax_can_be_left_out_of_the_apr() -> None:
    fee = (Fee("pf", amount=D(1175), tax_percent=D(18)),)
    with_tax = generate_schedule(LoanTerms(D(47000), D(21), date(2026, 1, 15), 24, fees=fee))
    without = generate_schedule(
        LoanTerms(D(47000), D(21), date(2026, 1, 15), 24, fees=fee, apr_includes_tax=False)
    )
    assert (with_tax.upfront_fees, without.upfront_fees) == (D("1386.50"), D("1386.50"))
    assert (with_tax.net_disbursed, without.net_disbursed) == (D("45613.50"), D("45825.00"))
    assert (with_tax.apr, without.apr) == (D("24.15"), D("23.66"))


def test_deducted_bpi_reduces_the_net_amount_and_is_timed_as_a_stub() -> None:
    # Disbursed 10 Jan, EMI on the 5th: BPI for 10 Jan - 5 Feb (26 days) is deducted upfront and
    # installment 1 falls on 5 Mar. For the APR the first period is one whole period (5 Feb -
    # 5 Mar) plus the stub 10 Jan - 5 Feb as a fraction of its period 5 Jan - 5 Feb: 26/31.
    # With no fees the APR is the contract rate nudged up only because BPI is charged on
    # actual/365 days (0.8548 % of principal) where the periodic rate would give 26/31 %.
    terms = LoanTerms(D(100000), D(12), date(2026, 1, 10), 6, due_day=5, bpi=BPITreatment.DEDUCT)
    schedule = generate_schedule(terms)
    assert schedule.bpi == D("854.79")  # 100000 x 12 % x 26 / 365
    assert schedule.net_disbursed == D("99145.21")
    assert schedule.apr == D("12.07")
    # independent check: a float bisection on the same flows gives 12.0673 %
    offset = 1 + 26 / 31
    flows = [(0.0, -float(schedule.net_disbursed))] + [
        (offset + row.number - 1, float(row.total)) for row in schedule.installments
    ]
    low, high = 0.0, 0.1
    for _ in range(100):
        middle = (low + high) / 2
        npv = sum(amount * (1 + middle) ** -time for time, amount in flows)
        low, high = (middle, high) if npv > 0 else (low, middle)
    assert round(low * 1200, 2) == 12.07
    rate = periodic_irr(
        [(Fraction(0), -schedule.net_disbursed)]
        + [(Fraction(57, 31) + row.number - 1, row.total) for row in schedule.installments],
        D("0.01"),
    )
    assert abs(float(rate) - low) < 1e-12


def test_emi_rounded_up_to_the_rupee() -> None:
    terms = LoanTerms(
        D(100000), D(12), date(2026, 1, 15), 12, rounding=Rounding(D(1), RoundingMode.UP)
    )
    schedule = generate_schedule(terms)
    assert schedule.emi == D(8885)
    assert schedule.installments[-1].total == D("8883.46")
    totals = [row.total for row in schedule.installments]
    assert schedule.apr == _pyxirr_apr(D(100000), totals, 12) == D("12.00")


def test_irr_needs_an_outflow_and_an_inflow() -> None:
    with pytest.raises(IRRError):
        periodic_irr([(Fraction(0), D(100)), (Fraction(1), D(100))])
