"""Checks on LoanTerms before a schedule is generated: problems as values, then one error.

Guarantee: `terms_problems` is pure and lists every problem it finds, each naming the field in
the terms of the JSON spec (e.g. `moratorium.periods`), so an API or CLI can show them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lms.core.frequency import add_months
from lms.core.kfs import fee_amount
from lms.core.terms import (
    MAX_AMOUNT,
    MAX_INSTALLMENTS,
    BPITreatment,
    BulletInterest,
    LoanTerms,
    Method,
    MoratoriumInterest,
    TrancheRepayment,
)

MIN_STEP = Decimal("0.00000001")  # the finest rounding step (amounts stay within 60 digits)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


class ScheduleError(ValueError):
    """Terms that cannot produce a schedule; carries every problem found."""

    def __init__(self, field: str, message: str, *, problems: tuple[Problem, ...] = ()) -> None:
        self.problems = problems or (Problem(field, message),)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def check_terms(terms: LoanTerms) -> None:
    """Raise `ScheduleError` with every problem in `terms`, or return None."""
    problems = terms_problems(terms)
    if problems:
        raise ScheduleError(problems[0].field, problems[0].message, problems=tuple(problems))


def terms_problems(terms: LoanTerms) -> list[Problem]:
    """Every problem in `terms` (empty when they can produce a schedule)."""
    unusable = _rounding_problems(terms)
    if unusable:  # the other checks round with these steps
        return unusable
    return [
        *_amount_problems(terms),
        *_tenure_problems(terms),
        *_holiday_problems(terms),
        *_structure_problems(terms),
    ]


def _amount_problems(t: LoanTerms) -> list[Problem]:
    out = []
    if t.principal <= 0:
        out.append(Problem("principal", "must be greater than zero"))
    elif t.principal > MAX_AMOUNT:
        out.append(Problem("principal", f"must be at most {MAX_AMOUNT}"))
    elif t.precision.apply(t.principal) != t.principal:
        out.append(Problem("principal", f"must be a multiple of the precision {t.precision.step}"))
    if t.annual_rate < 0:
        out.append(Problem("annual_rate", "must not be negative"))
    if t.first_due_date is not None and t.first_due_date <= t.disbursement_date:
        out.append(Problem("first_due_date", "must be after disbursement_date"))
    out.extend(_due_day_problems(t))
    out.extend(_fee_problems(t))
    return out


def _fee_problems(t: LoanTerms) -> list[Problem]:
    out = []
    for i, fee in enumerate(t.fees):
        if (fee.amount is None) == (fee.percent is None):
            out.append(Problem(f"fees[{i}]", "give exactly one of amount or percent"))
        elif (fee.amount or 0) < 0 or (fee.percent or 0) < 0 or fee.tax_percent < 0:
            out.append(Problem(f"fees[{i}]", "amounts, percentages and tax must not be negative"))
    if out or not t.fees or t.principal <= 0:
        return out
    charged = sum(sum(fee_amount(fee, t.principal, t.precision)) for fee in t.fees)
    if charged >= t.principal:
        out.append(Problem("fees", "upfront fees and their tax must be less than the principal"))
    return out


def _rounding_problems(t: LoanTerms) -> list[Problem]:
    """Steps must be usable: not finer than 1e-8, and the installment rounding a whole multiple
    of the component precision (so principal = installment - interest stays on that grid)."""
    out = []
    for name, step in (("rounding.step", t.rounding.step), ("precision", t.precision.step)):
        if step < MIN_STEP:
            out.append(Problem(name, f"must be at least {MIN_STEP:f}"))
    if out:
        return out
    if t.fixed_installment is None and (t.rounding.step / t.precision.step) % 1 != 0:
        out.append(Problem("rounding.step", "must be a whole multiple of the precision step"))
    fixed = t.fixed_installment
    if fixed is not None and fixed > 0 and t.precision.apply(fixed) != fixed:
        out.append(
            Problem("fixed_installment", f"must be a multiple of the precision {t.precision.step}")
        )
    return out


def _due_day_problems(t: LoanTerms) -> list[Problem]:
    if t.due_day is None:
        return []
    if not 0 <= t.due_day <= 31:
        return [Problem("due_day", "must be 1 to 31, or 'last'")]
    if not t.cycle.is_month_based:
        return [Problem("due_day", "applies to monthly, quarterly, half-yearly and yearly cycles")]
    first = t.first_due_date
    if first is not None and add_months(first, 0, t.due_day) != first:
        return [Problem("first_due_date", "must fall on the due_day")]
    return []


def _tenure_problems(t: LoanTerms) -> list[Problem]:
    if t.fixed_installment is not None:
        out = []
        if t.installments is not None:
            out.append(
                Problem("fixed_installment", "give either installments or fixed_installment")
            )
        if t.fixed_installment <= 0:
            out.append(Problem("fixed_installment", "must be greater than zero"))
        if t.method is not Method.EMI or t.step or t.balloon:
            out.append(
                Problem("fixed_installment", "only for method 'emi' without step or balloon")
            )
        return out
    if t.installments is None:
        return [Problem("installments", "required (or give fixed_installment)")]
    if not 1 <= t.installments <= MAX_INSTALLMENTS:
        return [Problem("installments", f"must be 1 to {MAX_INSTALLMENTS}")]
    return []


def _holiday_problems(t: LoanTerms) -> list[Problem]:
    n = t.installments if t.installments is not None else MAX_INSTALLMENTS
    out = []
    counts = {
        "moratorium.periods": t.moratorium.periods,
        "grace_principal": t.grace_principal,
        "grace_interest": t.grace_interest,
        "interest_free_periods": t.interest_free_periods,
    }
    for name, value in counts.items():
        if value < 0:
            out.append(Problem(name, "must not be negative"))
        elif value >= n and value > 0:
            out.append(Problem(name, "must leave at least one installment after it"))
    return out


def _structure_problems(t: LoanTerms) -> list[Problem]:
    out = []
    if t.bullet_interest is BulletInterest.END and t.method is not Method.BULLET:
        out.append(Problem("bullet_interest", "'end' applies to method 'bullet' only"))
    if t.moratorium.interest is MoratoriumInterest.CAPITALISED and t.method is Method.FLAT:
        out.append(Problem("moratorium.interest", "flat-rate loans cannot capitalise interest"))
    if t.step is not None:
        if t.step.every < 1:
            out.append(Problem("step.every", "must be at least 1"))
        if (t.step.percent is None) == (t.step.amount is None):
            out.append(Problem("step", "give exactly one of percent or amount"))
        if t.method is not Method.EMI:
            out.append(Problem("step", "step-up and step-down apply to method 'emi' only"))
        if t.step.percent is not None and t.step.percent <= -100:
            out.append(Problem("step.percent", "must be greater than -100"))
    if t.balloon is not None:
        out.extend(_balloon_problems(t))
    if t.actual_balance and (t.method is not Method.EMI or t.step or t.balloon):
        out.append(
            Problem(
                "interest_on_actual_balance",
                "applies to level-EMI schedules without steps or a balloon only",
            )
        )
    out.extend(_advance_problems(t))
    out.extend(_tranche_problems(t))
    if t.compound_overdue_interest and not t.actual_balance:
        out.append(Problem("compound_overdue_interest", "needs interest_on_actual_balance"))
    return out


def _tranche_problems(t: LoanTerms) -> list[Problem]:
    out = []
    if t.sanctioned is not None and t.sanctioned < t.principal:
        out.append(Problem("sanctioned", "must be at least the principal paid out"))
    plain = t.method is Method.EMI and not (t.step or t.balloon or t.fixed_installment)
    special = t.moratorium.periods or t.grace_principal or t.grace_interest or t.advance_emis
    if t.tranche_repayment is not TrancheRepayment.EMI and (not plain or special):
        out.append(
            Problem(
                "tranche_repayment",
                "pre_emi and full_emi apply to level-EMI schedules without steps, a balloon, a"
                " fixed installment, a moratorium, grace or advance EMIs only",
            )
        )
    return out


def _advance_problems(t: LoanTerms) -> list[Problem]:
    if not t.advance_emis:
        return []
    plain = t.method is Method.EMI and not (t.step or t.balloon or t.fixed_installment)
    special = t.moratorium.periods or t.grace_principal or t.grace_interest
    if not plain or special or t.interest_free_periods or t.bpi is not BPITreatment.NONE:
        return [
            Problem(
                "advance_emis",
                "applies to level-EMI schedules without steps, a balloon, a fixed installment,"
                " a moratorium, grace, interest-free periods or separate BPI only",
            )
        ]
    if t.installments is not None and t.advance_emis >= t.installments:
        return [Problem("advance_emis", "must be fewer than the installments")]
    return []


def _balloon_problems(t: LoanTerms) -> list[Problem]:
    b = t.balloon
    assert b is not None
    if (b.amount is None) == (b.percent is None):
        return [Problem("balloon", "give exactly one of amount or percent")]
    if t.method not in (Method.EMI, Method.EQUAL_PRINCIPAL):
        return [Problem("balloon", "applies to methods 'emi' and 'equal_principal' only")]
    value = b.amount if b.amount is not None else b.percent
    limit = t.principal if b.amount is not None else Decimal(100)
    if value is None or not 0 <= value < limit:
        return [Problem("balloon", "must be at least zero and less than the principal")]
    return []
