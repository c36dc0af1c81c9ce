"""Key Facts Statement figures: upfront fees, net disbursed amount, totals and the APR.

The APR follows the RBI method: the periodic internal rate of return of the actual cash flows
(net disbursed amount out at disbursement, each installment in on its due date) times the number
of regular periods per year, shown to two decimals. Installment k is at time f + (k - 1) periods,
where f is the first period's length in regular periods: the whole periods counted back from the
first due date, plus the stub before them as a fraction of the period that contains it (the
convention for irregular first coupons), so a long or short first period is timed as it is.

Guarantee: net_disbursed = principal - upfront fees (and their tax, when the APR includes tax)
- BPI deducted; total_payable = principal + total_interest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import TYPE_CHECKING, TypedDict

from lms.core.irr import periodic_irr
from lms.core.money import HUNDRED, PAISA, ZERO, Rounding, RoundingMode, exact
from lms.core.periods import Timeline
from lms.core.terms import BPITreatment, BulletInterest, Fee, FeePayee, LoanTerms, Method

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lms.core.rows import Installment


@dataclass(frozen=True, slots=True)
class AprBasis:
    """What the APR needs besides the installments and the net disbursed amount."""

    timeline: Timeline  # the first period's length in regular periods comes from it
    periods_per_year: Fraction
    annual_rate: Decimal  # the contract rate, percent: the solver's starting point
    single_at: int | None  # bullet paid at maturity: the period of its one payment

    @property
    def first_offset(self) -> Fraction:
        """Installment k falls first_offset + k regular periods after disbursement."""
        return self.timeline.first_period_length() - 1


_APR_ROUNDING = Rounding(PAISA, RoundingMode.HALF_UP)


class Figures(TypedDict):
    """Every field of a Schedule, as `key_figures` computes them."""

    installments: tuple[Installment, ...]
    emi: Decimal
    bpi: Decimal
    capitalised_interest: Decimal
    total_interest: Decimal
    total_payable: Decimal
    upfront_fees: Decimal
    fee_charges: tuple[FeeCharge, ...]
    net_disbursed: Decimal
    apr_basis: AprBasis
    advance: Decimal


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """One upfront fee as charged: the KFS lists fees by payee (lender or third party)."""

    name: str
    payee: FeePayee
    amount: Decimal
    tax: Decimal


def fee_amount(fee: Fee, principal: Decimal, precision: Rounding) -> tuple[Decimal, Decimal]:
    """(fee, tax on the fee), each rounded to the component precision."""
    if fee.amount is not None:
        base = precision.apply(fee.amount)
    else:
        assert fee.percent is not None
        base = precision.apply(exact().divide(principal * fee.percent, HUNDRED))
    return base, precision.apply(exact().divide(base * fee.tax_percent, HUNDRED))


def key_figures(
    terms: LoanTerms,
    timeline: Timeline,
    rows: tuple[Installment, ...],
    *,
    emi: Decimal,
    bpi: Decimal,
    capitalised: Decimal,
    advance: Decimal = ZERO,
) -> Figures:
    """The totals of a schedule: fees, net disbursed amount, interest, payable, APR basis;
    `advance`: installments collected on the disbursement date, kept back from the payout."""
    fees = [fee_amount(fee, terms.principal, terms.precision) for fee in terms.fees]
    charges = tuple(
        FeeCharge(fee.name, fee.payee, base, tax)
        for fee, (base, tax) in zip(terms.fees, fees, strict=True)
    )
    zero = terms.precision.apply(ZERO)
    fees_total = sum((base for base, _ in fees), zero)
    tax_total = sum((tax for _, tax in fees), zero)
    deducted_bpi = bpi if terms.bpi is BPITreatment.DEDUCT else ZERO
    principal = terms.precision.apply(terms.principal)
    net = principal - fees_total - deducted_bpi - (tax_total if terms.apr_includes_tax else ZERO)
    net -= advance
    total_interest = sum(map(itemgetter(3), rows), ZERO) + deducted_bpi + capitalised
    return {
        "installments": rows,
        "emi": emi,
        "bpi": bpi,
        "capitalised_interest": capitalised,
        "total_interest": total_interest,
        "total_payable": principal + total_interest,
        "upfront_fees": fees_total + tax_total,
        "fee_charges": charges,
        "net_disbursed": net,
        "apr_basis": apr_basis(terms, timeline),
        "advance": advance,
    }


def apr_basis(terms: LoanTerms, timeline: Timeline) -> AprBasis:
    at_end = terms.method is Method.BULLET and terms.bullet_interest is BulletInterest.END
    single = terms.installments if at_end else None
    return AprBasis(timeline, terms.cycle.periods_per_year, terms.annual_rate, single)


def annual_percentage_rate(basis: AprBasis, rows: Sequence[Installment], net: Decimal) -> Decimal:
    """APR in percent, two decimals: periodic IRR of the cash flows x periods per year."""
    offset = basis.first_offset
    flows: list[tuple[Fraction, Decimal]] = [(Fraction(0), -net)]
    if basis.single_at is not None:
        flows.append((offset + basis.single_at, rows[0].total))
    else:
        flows.extend((offset + row.number, row.total) for row in rows if row.total != ZERO)
    ppy = basis.periods_per_year
    guess = exact().divide(basis.annual_rate * ppy.denominator, HUNDRED * ppy.numerator)
    rate = periodic_irr(flows, guess or Decimal("0.01"))
    annual = _APR_ROUNDING.apply(exact().divide(rate * ppy.numerator * HUNDRED, ppy.denominator))
    return annual if annual != ZERO else abs(annual)  # never show "-0.00"
