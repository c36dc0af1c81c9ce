"""Installment plans and interest routes: the rules the schedule walk applies per installment.

A route says where an installment's interest goes (paid, deferred, capitalised, not charged);
a plan says how its principal is found (installment amount minus interest, or a fixed part).

Guarantee: pure functions of LoanTerms; a plan that cannot repay the loan sensibly (an
installment rounded to zero, a step that drives installments to zero or below the interest)
raises ScheduleError naming the field to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from itertools import chain, repeat

from lms.core.money import ZERO, exact
from lms.core.terms import MAX_INSTALLMENTS, BulletInterest, LoanTerms, Method, MoratoriumInterest
from lms.core.validation import ScheduleError


class Route(Enum):
    """Where an installment's interest goes."""

    PAY = 1  # paid in this installment (with any interest deferred before it)
    DEFER = 2  # paid in the next installment that pays (grace on interest, moratorium)
    CAPITALISE = 3  # added to the principal (moratorium)
    NONE = 4  # not charged (interest-free period, waived moratorium interest)


@dataclass(slots=True)
class Plan:
    """The principal rule for the amortizing installments (from `start` on)."""

    start: int
    amounts: tuple[Decimal, ...] | None  # EMI-like: principal = amount - interest
    part: Decimal  # equal principal part (zero for bullet and interest-only)


def check_not_zero(amount: Decimal, to_repay: Decimal) -> None:
    if amount <= ZERO < to_repay:
        raise ScheduleError("rounding.step", "rounds the installment to zero; use a smaller step")


def check_steps(amounts: tuple[Decimal, ...], balance: Decimal, rate: tuple[int, int]) -> None:
    """A stepped plan must keep every installment positive and start by covering the interest
    (otherwise the loan would pay interest only, or grow, before the steps catch up)."""
    if min(amounts) <= ZERO:
        raise ScheduleError(
            "step", "an installment would fall to zero or below; use a smaller step"
        )
    numerator, denominator = rate
    if amounts[0] * denominator <= balance * numerator:
        raise ScheduleError(
            "step",
            f"the first installment ({amounts[0]}) would not cover a period's interest; "
            "use a smaller step",
        )


def routes(terms: LoanTerms) -> list[Route]:
    """Where the interest of each of the first installments goes (the rest: PAY).

    An interest-free period wins over everything (the borrower was promised no interest), then
    a full moratorium's rule, then grace on interest. A bullet paid at maturity defers every
    installment's interest that would otherwise be paid to the last installment.
    """
    moratorium = terms.moratorium
    held = {
        MoratoriumInterest.CAPITALISED: Route.CAPITALISE,
        MoratoriumInterest.FIRST_INSTALLMENT: Route.DEFER,
        MoratoriumInterest.WAIVED: Route.NONE,
        MoratoriumInterest.COLLECTED: Route.PAY,
    }[moratorium.interest]
    at_end = is_bullet_at_end(terms)
    count = max(moratorium.periods, terms.grace_interest, terms.interest_free_periods)
    if at_end:
        count = (terms.installments or 1) - 1
    routes: list[Route] = []
    for index in range(count):
        if index < terms.interest_free_periods:
            route = Route.NONE
        elif index < moratorium.periods and held is not Route.PAY:
            route = held
        elif index < terms.grace_interest:
            route = Route.DEFER
        else:
            route = Route.PAY
        routes.append(Route.DEFER if at_end and route is Route.PAY else route)
    return routes


def targets(plan: Plan, start: int, count: int) -> Iterable[Decimal]:
    """Per installment from `start`: the amount (level plans) or the principal part."""
    if plan.amounts is None:
        return repeat(plan.part, count)
    offset = start - plan.start
    amounts = plan.amounts[offset : offset + count]
    if len(amounts) < count:  # a fixed installment: the one amount repeats
        return chain(amounts, repeat(plan.amounts[-1], count - len(amounts)))
    return amounts


def is_bullet_at_end(terms: LoanTerms) -> bool:
    return terms.method is Method.BULLET and terms.bullet_interest is BulletInterest.END


def balloon_left(terms: LoanTerms) -> Decimal:
    if terms.balloon is None:
        return ZERO
    return terms.balloon.principal_left(terms.principal, terms.precision)


def estimate_count(terms: LoanTerms) -> int:
    """A first guess at the number of installments a fixed installment needs (may be short)."""
    assert terms.fixed_installment is not None
    guess = exact().divide(terms.principal, terms.fixed_installment)
    return min(MAX_INSTALLMENTS, int(guess) * 2 + 2 + len(routes(terms)))


def principal_free(terms: LoanTerms) -> int:
    if terms.method in (Method.BULLET, Method.INTEREST_ONLY):
        assert terms.installments is not None
        return terms.installments - 1
    return max(terms.moratorium.periods, terms.grace_principal)
