"""LoanTerms: every setting that shapes a repayment schedule, in one frozen value.

The schedule engine reads nothing else. Each field is documented here and, for the JSON spec of
the command line, in docs/schedule-spec.md. Validation of ranges happens in `validate_terms`,
which returns problems as values (field, message) so every caller can report them its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms.core.calendar import NO_HOLIDAYS, BusinessCalendar, BusinessDayRule
from lms.core.daycount import DayCount
from lms.core.frequency import Cycle
from lms.core.money import PAISA, Rounding, RoundingMode


class Method(StrEnum):
    EMI = "emi"  # reducing balance, equal installments (annuity)
    EQUAL_PRINCIPAL = "equal_principal"  # reducing balance, equal principal parts
    FLAT = "flat"  # interest on the original principal for the whole term, spread evenly
    BULLET = "bullet"  # all principal at the end
    INTEREST_ONLY = "interest_only"  # interest every period, principal at the end


class InterestBasis(StrEnum):
    PERIODIC = "periodic"  # regular periods: balance x annual rate / periods per year
    ACTUAL_DAYS = "actual_days"  # every period: balance x annual rate x day-count fraction


class BulletInterest(StrEnum):
    PERIODIC = "periodic"  # interest paid every period
    END = "end"  # all interest with the principal in one installment at maturity


class MoratoriumInterest(StrEnum):
    COLLECTED = "collected"  # principal-only moratorium: interest is paid every period
    CAPITALISED = "capitalised"  # added to the balance at each moratorium due date
    FIRST_INSTALLMENT = "first_installment"  # accumulated, paid with the first installment after
    WAIVED = "waived"  # not charged


class BPITreatment(StrEnum):
    """How broken-period interest (disbursement to one period before the first due date) is paid."""

    NONE = "none"  # no separate BPI: the first period is irregular and charged on actual days
    DEDUCT = "deduct"  # deducted from the amount disbursed
    FIRST = "first"  # added to the first installment
    SPREAD = "spread"  # spread evenly over all installments (the last takes the residue)
    LAST = "last"  # added to the last installment


class Recalculation(StrEnum):
    """Interest on the actual balance: how the installments not yet due take the difference
    that late or early money made to an installment's interest."""

    KEEP_EMI = "keep_emi"  # the EMI stays; the last installment takes what is left
    REAMORTISE = "reamortise"  # a new level EMI over the installments left


class TrancheRepayment(StrEnum):
    """What a loan paid out in tranches repays while it is partly disbursed."""

    EMI = "emi"  # an EMI on what was paid out, worked out again at each tranche (same tenure)
    PRE_EMI = "pre_emi"  # interest only on what was paid out; the EMI after the last tranche
    FULL_EMI = "full_emi"  # the EMI of the sanctioned amount from the start (tenure follows)


class FeePayee(StrEnum):
    LENDER = "lender"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class Moratorium:
    """`periods` installments at the start with no principal; interest handled by `interest`."""

    periods: int = 0
    interest: MoratoriumInterest = MoratoriumInterest.COLLECTED


@dataclass(frozen=True, slots=True)
class StepPolicy:
    """Step-up (positive) or step-down (negative) EMI: change every `every` installments by a
    percentage of the previous EMI or by a fixed amount. Exactly one of the two is set."""

    every: int
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Balloon:
    """Principal left to the last installment: a fixed amount or a percentage of the principal."""

    amount: Decimal | None = None
    percent: Decimal | None = None

    def principal_left(self, principal: Decimal, precision: Rounding) -> Decimal:
        if self.amount is not None:
            return self.amount
        assert self.percent is not None
        return precision.apply(principal * self.percent / 100)


@dataclass(frozen=True, slots=True)
class Fee:
    """An upfront fee: a fixed amount or a percentage of the principal, plus tax (GST) on it."""

    name: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    payee: FeePayee = FeePayee.LENDER
    tax_percent: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """Everything the schedule engine needs. Amounts are Decimal; rates are annual percentages."""

    principal: Decimal
    annual_rate: Decimal  # percent per year, e.g. Decimal("10.5")
    disbursement_date: date
    installments: int | None = None  # number of installments; None when fixed_installment is set
    first_due_date: date | None = None  # default: one period after disbursement (or cycle date)
    cycle: Cycle = field(default_factory=Cycle)
    due_day: int | None = None  # fixed cycle day of month 1-31, or 0 (LAST_DAY) for month end
    method: Method = Method.EMI
    interest_basis: InterestBasis = InterestBasis.PERIODIC
    day_count: DayCount = field(default_factory=DayCount)
    rounding: Rounding = field(default_factory=Rounding)  # the installment (EMI) amount
    precision: Rounding = field(default_factory=Rounding)  # principal and interest components
    fixed_installment: Decimal | None = None  # installment amount instead of a tenure
    moratorium: Moratorium = field(default_factory=Moratorium)
    grace_principal: int = 0  # first N installments carry no principal (interest only)
    grace_interest: int = 0  # interest of the first N installments deferred to the next one
    interest_free_periods: int = 0  # no interest in the first N installments
    step: StepPolicy | None = None
    balloon: Balloon | None = None
    bullet_interest: BulletInterest = BulletInterest.PERIODIC
    bpi: BPITreatment = BPITreatment.NONE
    calendar: BusinessCalendar = NO_HOLIDAYS
    business_day_rule: BusinessDayRule = BusinessDayRule.UNCHANGED
    fees: tuple[Fee, ...] = ()
    apr_includes_tax: bool = True  # whether tax on upfront fees reduces the APR's net amount
    # interest on the principal actually outstanding, day by day (lms.core.actual_balance)
    actual_balance: bool = False
    recalculation: Recalculation = Recalculation.KEEP_EMI
    # overdue interest earns interest too (off by default; RBI forbids it in India)
    compound_overdue_interest: bool = False
    # the first N installments collected on the disbursement date, kept back from the payout
    advance_emis: int = 0
    # paid out in tranches: the sanctioned amount (`principal` is what the first tranche paid
    # out) and what the borrower repays until the last tranche
    sanctioned: Decimal | None = None
    tranche_repayment: TrancheRepayment = TrancheRepayment.EMI


PAISA_HALF_UP = Rounding(PAISA, RoundingMode.HALF_UP)

MAX_INSTALLMENTS = 1200
MAX_AMOUNT = Decimal("99999999999999.99")  # the largest amount storage holds (NUMERIC(18, 4))


def pre_emi_running(terms: LoanTerms | None, tranched: Decimal, more: Decimal = Decimal(0)) -> bool:
    """Whether a pre-EMI loan is still partly paid out: its first tranche, the later ones
    (`tranched`) and `more` short of the sanctioned amount."""
    if terms is None or terms.tranche_repayment is not TrancheRepayment.PRE_EMI:
        return False
    sanctioned = terms.sanctioned
    return sanctioned is not None and terms.principal + tranched + more < sanctioned
