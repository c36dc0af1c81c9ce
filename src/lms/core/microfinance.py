"""Microfinance arithmetic: a household's repayment obligations against its income, the dates a
centre meets, and what a centre meeting's collection sheet asks and takes.

The RBI's framework for microfinance loans (2022) calls a collateral-free loan to a household
with an annual income up to a limit (3 lakh rupees by default) a microfinance loan, and caps the
household's monthly repayment obligations, on all its loans with every lender, at a share of its
monthly income (50 % by default). A weekly or fortnightly installment counts at its monthly
equivalent (`monthly_equivalent`: 52 or 26 installments a year over 12 months).

Rounding, at named points only: monthly income is rounded down to the paisa, the cap's amount
down, and an obligation's monthly equivalent up (so the check never passes a loan that exceeds
the cap by a fraction of a paisa).

Guarantees: pure; exact Decimal arithmetic; dates come in as data (no clock is read).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from lms.core.frequency import Cycle, Frequency
from lms.core.kfs import annual_percentage_rate
from lms.core.schedule import Schedule

PAISA = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
MEETING_FREQUENCIES = (Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY)


def monthly_equivalent(installment: Decimal, cycle: Cycle) -> Decimal:
    """An installment's monthly equivalent (installments a year × amount / 12), rounded up to
    the paisa."""
    per_year = cycle.periods_per_year
    exact = installment * per_year.numerator / (per_year.denominator * 12)
    return exact.quantize(PAISA, rounding=ROUND_CEILING)


def reducing_rate(schedule: Schedule, principal: Decimal) -> Decimal:
    """The loan's interest as a rate a year on the reducing balance, in percent to two places:
    the internal rate of return of its installments against the principal (fees left out).
    The pricing ceiling applies to it: a flat rate of 12 % over 52 weeks is 22.71 % on the
    reducing balance."""
    return annual_percentage_rate(schedule.apr_basis, schedule.installments, principal)


@dataclass(frozen=True)
class Affordability:
    """A household's monthly repayment obligations against the cap on them."""

    monthly_income: Decimal  # the annual income / 12, rounded down
    limit: Decimal  # the cap's share of the monthly income, rounded down
    obligations: Decimal  # every monthly obligation counted, the new loan's too

    @property
    def within(self) -> bool:
        return self.obligations <= self.limit

    @property
    def headroom(self) -> Decimal:
        """What more a month the household could take on (negative: over the cap by that)."""
        return self.limit - self.obligations


def affordability(
    annual_income: Decimal, obligations: Iterable[Decimal], cap_percent: Decimal
) -> Affordability:
    """The household's obligations (each a monthly amount) against `cap_percent` of its
    monthly income."""
    monthly = (annual_income / 12).quantize(PAISA, rounding=ROUND_FLOOR)
    limit = (monthly * cap_percent / HUNDRED).quantize(PAISA, rounding=ROUND_FLOOR)
    return Affordability(monthly, limit, sum(obligations, ZERO).quantize(PAISA))


def meeting_dates(first: date, frequency: Frequency, start: date, stop: date) -> list[date]:
    """A centre's regular meeting dates from `start` up to (not including) `stop`: every
    period of `frequency` from its first meeting (monthly: the same day of the month)."""
    if frequency not in MEETING_FREQUENCIES:
        raise ValueError(f"a centre meets weekly, fortnightly or monthly, not {frequency}")
    cycle = Cycle(frequency)
    days = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}.get(frequency)
    k = 0 if start <= first else _periods_before(first, start, days)
    out = []
    while (day := cycle.add(first, k)) < stop:
        if day >= start:
            out.append(day)
        k += 1
    return out


def _periods_before(first: date, start: date, days: int | None) -> int:
    """A period count at or before the first meeting on or after `start`."""
    if days is not None:
        return (start - first).days // days
    return max(0, (start.year - first.year) * 12 + start.month - first.month - 1)


@dataclass(frozen=True)
class SheetLine:
    """One member's loan at a meeting: what it asks, what the member paid, what the group paid
    for the member."""

    loan_id: int
    due: Decimal  # arrears and the installment falling due at the meeting
    collected: Decimal = ZERO
    cover: Decimal = ZERO  # paid by the rest of the group (joint liability)
    joint: bool = False  # the loan's product makes the group liable for it

    @property
    def shortfall(self) -> Decimal:
        """What is still unpaid of the due after the member and the group paid."""
        return max(ZERO, self.due - self.collected - self.cover)


def sheet_problems(lines: Sequence[SheetLine]) -> list[tuple[str, str]]:
    """What is wrong with a meeting's figures (field, reason), each line by its index: amounts
    negative or not in paise, a cover where the product has no joint liability, or a cover more
    than the member's own shortfall."""
    problems = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        for name, value in (("collected", line.collected), ("cover", line.cover)):
            if not value.is_finite() or value < 0 or value != value.quantize(PAISA):
                problems.append((f"{where}.{name}", "must be nought or more, in paise"))
        if line.cover > 0 and not line.joint:
            problems.append((f"{where}.cover", "the loan's product has no joint liability"))
        elif line.cover > (short := max(ZERO, line.due - line.collected)):
            problems.append((f"{where}.cover", f"is more than the member's shortfall of {short}"))
    return problems
