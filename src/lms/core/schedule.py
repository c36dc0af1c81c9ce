"""Schedule generation: LoanTerms in, a frozen Schedule out, exact to the paisa.

One walk serves every method. Each installment's interest is computed on the opening balance for
its period (periodic rate for a full period under the periodic basis, otherwise the day count's
exact year fraction), rounded once to the component precision; then the moratorium, grace,
interest-free and broken-period rules decide where that interest is paid; then the method's plan
decides the principal part. The last installment takes the balance, so every rounding residue is
settled there and principal parts always sum to the principal (plus any capitalised interest).

Guarantees: the balance after the last installment is zero and never negative on the way; the
same terms always give the same schedule; no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from lms.core.amortization import equal_principal_part, level_amounts, level_installment
from lms.core.bpi import apply_bpi, broken_period_interest
from lms.core.frequency import DateRangeError
from lms.core.interest import Factor, FlatInterest, Rates, apply_factor
from lms.core.kfs import AprBasis, FeeCharge, annual_percentage_rate, key_figures
from lms.core.money import ZERO, exact
from lms.core.periods import Timeline, build_timeline
from lms.core.plan import (
    Plan,
    Route,
    balloon_left,
    check_not_zero,
    check_steps,
    estimate_count,
    principal_free,
    routes,
    targets,
)
from lms.core.rows import Installment
from lms.core.terms import MAX_INSTALLMENTS, BulletInterest, LoanTerms, Method, TrancheRepayment
from lms.core.validation import ScheduleError, check_terms

__all__ = ["Installment", "Schedule", "generate_schedule", "reported_emi"]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule and the figures a Key Facts Statement needs."""

    installments: tuple[Installment, ...]
    emi: Decimal  # the regular installment amount (the first, for stepped schedules)
    bpi: Decimal  # broken-period interest, whatever its treatment
    capitalised_interest: Decimal  # moratorium interest added to the principal
    total_interest: Decimal  # every rupee of interest the borrower pays, BPI included
    total_payable: Decimal  # principal + total interest
    upfront_fees: Decimal  # fees and their tax, paid at disbursement
    fee_charges: tuple[FeeCharge, ...]  # each upfront fee with its payee and tax
    net_disbursed: (
        Decimal  # principal - upfront fees (with tax, if the APR includes it) - BPI deducted
    )
    apr_basis: AprBasis = field(repr=False)  # what the APR needs beyond the rows; see `apr`
    # advance EMIs: the installments collected on the disbursement date, kept back from the
    # payout (the rows repay the rest); also taken out of net_disbursed
    advance: Decimal = ZERO

    @property
    def apr(self) -> Decimal:
        """Annual percentage rate in percent, two decimals (RBI method). Solved on each access."""
        return annual_percentage_rate(self.apr_basis, self.installments, self.net_disbursed)


class _Walk:
    """Mutable state of one schedule generation; `run` returns the rows.

    One loop serves every method: a route per installment says where its interest goes (only
    the first few installments can route anything but PAY), and the plan, made when the first
    amortizing installment is reached, gives the principal. The last installment takes the
    balance. This loop is the hot path of bulk generation, hence the local names.
    """

    def __init__(self, terms: LoanTerms, timeline: Timeline) -> None:
        self.t = terms
        self.timeline = timeline
        self.rates = Rates.of(terms)
        self.count = terms.installments  # None: fixed installment, count follows
        self.zero = terms.precision.apply(ZERO)  # zero at the component precision: 0.00
        self.balance = terms.principal + self.zero
        self.deferred = ZERO
        self.capitalised = self.zero
        self.plan: Plan | None = None
        self.routes = routes(terms)
        self.flat = FlatInterest.of(terms, timeline) if terms.method is Method.FLAT else None
        self.floor = balloon_left(terms)
        # the hot loop serves level and fixed-part plans whose interest is balance-based and
        # rounds to a power of ten; flat-rate interest and other steps take the general path
        self.fast = self.flat is None and terms.precision.quantum_and_mode()[0] is not None
        self.emi = ZERO
        self.rows: list[Installment] = []

    def run(self) -> list[Installment]:
        start, stop = 0, self.count if self.count is not None else estimate_count(self.t)
        while True:
            dates = self.timeline.due_dates(start, stop)
            if self._walk(start, dates, self.rates.factors(self.timeline, dates, start)):
                return self.rows
            if self.count is not None or stop >= MAX_INSTALLMENTS:
                break
            start, stop = stop, min(MAX_INSTALLMENTS, stop * 2)
        if self.count is None:
            raise ScheduleError(
                "fixed_installment",
                f"too small to repay the loan within {MAX_INSTALLMENTS} installments",
            )
        return self.rows

    def _walk(self, start: int, dates: list[date], factors: list[Factor]) -> bool:
        """Append the rows of installments `start` ...; True when the loan is repaid."""
        for offset, due in enumerate(dates):
            index = start + offset
            if index >= len(self.routes) and not self.deferred:
                if self.plan is None and index >= principal_free(self.t):
                    self.plan = self._make_plan(index, self.balance)
                if self.plan is not None and self.fast:
                    return self._pay(index, dates[offset:], factors[offset:])
            if self._row(index, due, factors[offset]):
                return True
        return False

    def _row(self, index: int, due: date, factor: Factor) -> bool:
        """Append installment `index` under any route; True when the loan is repaid."""
        last = index == self.count - 1 if self.count is not None else False
        route = self.routes[index] if index < len(self.routes) else Route.PAY
        interest = self.zero if route is Route.NONE else self._interest(index, factor, last)
        balance = self.balance
        if route is Route.PAY or route is Route.NONE:
            paid, self.deferred = interest + self.deferred, ZERO
        else:
            paid, balance = self._hold(route, interest, balance)
        principal = self._principal(index, interest, balance, last)
        self.balance = balance = balance - principal
        self.rows.append(Installment(index + 1, due, principal, paid, principal + paid, balance))
        return balance == ZERO and not self.deferred

    def _interest(self, index: int, factor: Factor, last: bool) -> Decimal:
        if self.flat is not None:
            return self.flat.row(index, last)
        return self.t.precision.apply(apply_factor(self.balance, factor))

    def _pay(self, start: int, dates: list[date], factors: list[Factor]) -> bool:
        """The hot path: rows that pay their own interest under an existing plan.

        Same rules as `_row` + `_principal` for the PAY route, with everything in local names;
        the equality of both paths is covered by the property tests on every method.
        """
        quantum, mode = self.t.precision.quantum_and_mode()
        assert quantum is not None
        ctx = exact()
        multiply, divide = ctx.multiply, ctx.divide
        plan, rows, balance, floor, zero = self.plan, self.rows, self.balance, self.floor, self.zero
        assert plan is not None
        level = plan.amounts is not None  # principal = amount - interest; else a fixed part
        amounts = targets(plan, start, len(dates))
        last_index = self.count - 1 if self.count is not None else -1
        new_row = tuple.__new__  # Installment(...) without the keyword-handling __new__
        for index, due, (numerator, denominator), target in zip(
            range(start, start + len(dates)), dates, factors, amounts, strict=True
        ):
            interest = divide(multiply(balance, numerator), denominator).quantize(
                quantum, mode, ctx
            )
            repaid = index == last_index
            if repaid:
                principal = balance
                total = principal + interest
            else:
                if level:  # the installment is the target itself unless clamped below
                    principal, total = target - interest, target
                else:
                    principal = target
                    total = principal + interest
                if principal > balance - floor if floor else principal >= balance:
                    principal = balance - floor
                    total = principal + interest
                    repaid = not floor
                elif principal < ZERO:
                    principal, total = zero, interest
            balance -= principal
            rows.append(new_row(Installment, (index + 1, due, principal, interest, total, balance)))
            if repaid:
                break
        self.balance = balance
        return balance == ZERO

    def _hold(self, route: Route, interest: Decimal, balance: Decimal) -> tuple[Decimal, Decimal]:
        """Defer or capitalise `interest`; returns (interest paid now, new balance)."""
        if route is Route.CAPITALISE:
            self.capitalised += interest
            return self.zero, balance + interest
        self.deferred += interest
        return self.zero, balance

    def _principal(self, index: int, interest: Decimal, balance: Decimal, last: bool) -> Decimal:
        if last:
            return balance
        plan = self.plan
        if plan is None:
            if index < principal_free(self.t):
                return self.zero
            plan = self.plan = self._make_plan(index, balance)
        j = index - plan.start
        amounts = plan.amounts
        if amounts is None:
            principal = plan.part
        else:
            principal = (amounts[j] if j < len(amounts) else amounts[-1]) - interest
            if self.count is None and principal >= balance:
                return balance
        if principal > balance - self.floor:
            return balance - self.floor
        return principal if principal > ZERO else self.zero

    def _make_plan(self, start: int, balance: Decimal) -> Plan:
        t = self.t
        if t.fixed_installment is not None:
            self.emi = t.fixed_installment + self.zero  # 40000 reads 40000.00
            return Plan(start, (self.emi,), self.zero)
        assert self.count is not None
        remaining = self.count - start
        if t.method is Method.EQUAL_PRINCIPAL:
            part = equal_principal_part(balance, remaining, balloon=self.floor, rounding=t.rounding)
            check_not_zero(part, balance - self.floor)
            return Plan(start, None, part)
        if t.method is Method.FLAT:
            assert self.flat is not None
            self.emi = self.flat.installment(balance, start, remaining, t.rounding)
            check_not_zero(self.emi, balance)
            return Plan(start, (self.emi + self.zero,), self.zero)
        if t.method in (Method.BULLET, Method.INTEREST_ONLY):
            return Plan(start, None, self.zero)
        amounts = level_amounts(
            balance,
            self.rates.periodic,
            remaining,
            balloon=self.floor,
            step=t.step,
            rounding=t.rounding,
        )
        if t.step is not None:
            check_steps(amounts, balance, self.rates.periodic)
        else:
            check_not_zero(amounts[0], balance)
        self.emi = amounts[0]
        # with the precision's decimals, an amount reads as principal + interest would
        if t.step is None:
            return Plan(start, (amounts[0] + self.zero,) * remaining, self.zero)
        return Plan(start, tuple(amount + self.zero for amount in amounts), self.zero)


def generate_schedule(terms: LoanTerms) -> Schedule:
    """The repayment schedule of `terms`. Raises `ScheduleError` naming the offending field."""
    check_terms(terms)
    if terms.advance_emis:
        return _with_advance(terms)
    if _partly(terms):
        return _partly_paid_out(terms)
    try:
        timeline = build_timeline(terms)
        walk = _Walk(terms, timeline)
        rows = walk.run()
    except DateRangeError as exc:
        raise ScheduleError("installments", str(exc)) from None
    if terms.method is Method.BULLET and terms.bullet_interest is BulletInterest.END:
        rows = [_renumbered(rows[-1], 1)]  # one installment at maturity
    bpi = broken_period_interest(terms, timeline, walk.rates)
    rows = apply_bpi(terms, rows, bpi)
    emi = reported_emi(terms, rows, walk.emi)
    figures = key_figures(
        terms, timeline, tuple(rows), emi=emi, bpi=bpi, capitalised=walk.capitalised
    )
    return Schedule(**figures)


def _partly(terms: LoanTerms) -> bool:
    """Whether `terms` are those of a first tranche whose product repays otherwise than by an
    EMI on what was paid out."""
    mode = terms.tranche_repayment
    return (
        mode is not TrancheRepayment.EMI
        and terms.sanctioned is not None
        and terms.sanctioned > terms.principal
    )


def _partly_paid_out(terms: LoanTerms) -> Schedule:
    """A first tranche's schedule: pre-EMI, interest only on what was paid out (the principal
    at the last installment, until a last tranche re-amortises it); full EMI, the EMI of the
    sanctioned amount over the installments, repaying what was paid out sooner."""
    assert terms.sanctioned is not None
    plain = replace(terms, sanctioned=None, tranche_repayment=TrancheRepayment.EMI)
    if terms.tranche_repayment is TrancheRepayment.PRE_EMI:
        return generate_schedule(replace(plain, method=Method.INTEREST_ONLY))
    full = generate_schedule(replace(plain, principal=terms.sanctioned))
    return generate_schedule(replace(plain, fixed_installment=full.emi, installments=None))


def _with_advance(terms: LoanTerms) -> Schedule:
    """Advance EMIs: the first `k` of `n` installments are paid on the disbursement date (kept
    back from the payout), the other `n - k` on the loan's due dates, all of one EMI. With
    L = P / a(n - k), the level installment of the principal over the installments after,
    P = k E + E a(n - k) gives E = P L / (k L + P), rounded by the installment rounding. The
    rows are the schedule of P - k E over n - k installments; where rounding makes its EMI
    differ from E, E becomes that EMI (at most three tries, as the change shrinks by k / a)."""
    k, count = terms.advance_emis, terms.installments
    assert count is not None  # a fixed installment is refused with advance EMIs
    numerator, denominator = level_installment(terms.principal, Rates.of(terms).periodic, count - k)
    p_num, p_den = terms.principal.as_integer_ratio()
    emi = terms.rounding.apply_ratio(p_num * numerator, k * numerator * p_den + p_num * denominator)
    for attempt in range(3):
        rest = generate_schedule(
            replace(terms, principal=terms.principal - k * emi, installments=count - k,
                    advance_emis=0, fees=())
        )  # fmt: skip
        if rest.emi == emi or attempt == 2:
            break
        emi = rest.emi
    figures = key_figures(
        terms, build_timeline(terms), rest.installments, emi=emi, bpi=rest.bpi,
        capitalised=rest.capitalised_interest, advance=k * emi,
    )  # fmt: skip
    return Schedule(**figures)


def reported_emi(terms: LoanTerms, rows: Sequence[Installment], level: Decimal) -> Decimal:
    """The EMI a schedule reports: the level installment amount where the plan has one (and
    more than one installment uses it); otherwise the regular installment: the first row that
    pays principal (equal principal), or the first that pays interest (bullet, interest-only),
    or the only row of a one-installment loan."""
    if level != ZERO and len(rows) > 1:
        return level
    if terms.method is Method.EQUAL_PRINCIPAL:
        index = max(terms.moratorium.periods, terms.grace_principal)
    else:
        index = max(terms.moratorium.periods, terms.grace_interest, terms.interest_free_periods)
    return rows[min(index, len(rows) - 1)].total


def _renumbered(row: Installment, number: int) -> Installment:
    return Installment(number, row.due_date, row.principal, row.interest, row.total, row.balance)
