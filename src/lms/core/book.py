"""The replay's working book: paid parts per installment and component, charges, unapplied
funds and the schedule as revised so far; and the state it reports.

Guarantees: paid parts never exceed what was owed; installments due on or before a revision
day are never changed by it; money paid ahead on installments that a revision or a foreclosure
replaces goes back to unapplied funds, never lost.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.actual_balance import Deviation
from lms.core.allocation import (
    Bucket,
    Component,
    Owed,
    Part,
    Waterfall,
    allocate,
    owed_components,
)
from lms.core.events import (
    Charge,
    ChargeWaiver,
    Money,
    Prepayment,
    Refund,
)
from lms.core.foreclosure import foreclosed_rows
from lms.core.money import ZERO, Rounding
from lms.core.revision import Reschedule, Revision, RevisionError, revised_rows
from lms.core.rows import Installment
from lms.core.terms import LoanTerms, pre_emi_running


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """One installment as scheduled and how much of it is paid."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.principal + self.interest - self.principal_paid - self.interest_paid


@dataclass(frozen=True, slots=True)
class Applied:
    """How one payment was applied (for statements)."""

    payment: Money
    parts: tuple[Part, ...]  # a prepayment's principal part is numbered 0 (no installment)
    held: Decimal  # left as unapplied funds


@dataclass(frozen=True, slots=True)
class ExcessApplied:
    """Unapplied funds used on a due date (for the ledger: from unapplied funds to dues)."""

    day: date
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Capitalised:
    """What a restructure (`reference`) on `day` capitalised: the unpaid parts of installments
    due by then, now part of the principal re-amortised (for the ledger: the interest moves
    from receivable to principal; principal stays principal). Also what a small-balance
    waiver forgave of the installments (for the ledger: an expense)."""

    day: date
    reference: str
    parts: tuple[Part, ...]

    @property
    def interest(self) -> Decimal:
        return sum((p.amount for p in self.parts if p.component is Component.INTEREST), ZERO)


@dataclass(frozen=True, slots=True)
class Waived:
    """What a waiver (`reference`) forgave of a charge on `day` (`amount`, with its share of
    the GST)."""

    day: date
    charge: Charge
    amount: Decimal
    reference: str

    @property
    def tax(self) -> Decimal:
        """The GST share of the amount forgiven: the charge's tax in proportion, rounded once
        to the paisa (all of it when the whole charge is forgiven)."""
        gross = self.charge.amount + self.charge.tax
        return Rounding().apply(self.amount * self.charge.tax / gross) if gross else ZERO


@dataclass(frozen=True, slots=True)
class LoanState:
    """Everything about a loan's repayment position at the day-end of `as_of`."""

    as_of: date
    installments: tuple[InstallmentState, ...]
    excess: Decimal  # unapplied funds held for the next due date (or a refund)
    principal_outstanding: Decimal  # principal not yet repaid, due or not
    principal_due: Decimal  # unpaid principal of installments due on or before `as_of`
    interest_due: Decimal  # unpaid interest of installments due on or before `as_of`
    dpd: int  # days past due at the day-end of `as_of`
    closed_on: date | None  # the day everything owed was paid
    applied: tuple[Applied, ...]
    excess_applied: tuple[ExcessApplied, ...]
    charges_due: Decimal  # charges (with their tax) levied by `as_of` and not yet paid
    penal_due: Decimal  # of which penal charges
    principal_prepaid: Decimal  # principal repaid by part-prepayments (outside installments)
    principal_tranched: Decimal  # principal paid out in tranches after the first
    annual_rate: Decimal | None  # the rate in force (None: the terms' own, not known here)
    # every charge levied by `as_of` and not voided, recoveries (RECOVERY references) included
    charges: tuple[Charge, ...] = ()
    # money paid ahead on installments that revisions or a foreclosure replaced, given back to
    # unapplied funds, by day (for the ledger: from what it paid back to unapplied funds)
    released: tuple[ExcessApplied, ...] = ()
    waived: tuple[Waived, ...] = ()  # charges forgiven, in the order of their waivers
    capitalised: tuple[Capitalised, ...] = ()  # arrears restructures capitalised, in order
    forgiven: tuple[Capitalised, ...] = ()  # small balances forgiven (installments' parts)


class ReplayError(ValueError):
    """Events that cannot belong to the loan (a duplicate reference, a reversal of nothing)."""


RECOVERY = "recovery:"  # reference prefix of a refund owed back (not income, unlike charges)


class Book:
    """Paid parts per installment and component, charges and the excess, while replaying.

    Rows are in due-date order, so what is owed on a day is a slice: from the first row not yet
    fully paid to the last row due that day (all rows, if the waterfall pays in advance).
    Charge k (1-based) is "installment" -k in parts.
    """

    def __init__(self, rows: Sequence[Installment], terms: LoanTerms | None) -> None:
        self.terms = terms
        self.zero = rows[0].principal * 0 if rows else ZERO
        self.rate = terms.annual_rate if terms is not None else None
        self.paid: dict[tuple[int, Component], Decimal] = {}
        self.rows: tuple[Installment, ...] = ()
        self.due_dates: list[date] = []
        self.excess = self.zero
        self.prepaid = self.zero
        self.tranched = self.zero
        self.closed_on: date | None = None
        self.charges: list[Charge] = []
        self.waived: dict[int, Decimal] = {}  # charge k: how much of it is waived
        self.waivers: list[Waived] = []
        self.released: dict[date, list[Part]] = {}
        self.capitalised: list[Capitalised] = []
        self.forgiven: list[Capitalised] = []
        self.relief_until: date | None = None  # a moratorium's last deferred due date
        # a capitalising moratorium's due dates: (its reference, periods left, count after)
        self.capitalise_at: dict[date, tuple[str, int, int]] = {}
        # a moratorium's interest that a foreclosure inside it must still (or must not) charge:
        # deferred installments' interest by due date, and whether its interest is waived
        self.deferred_interest: dict[date, Decimal] = {}
        self.interest_waived = False
        # day, balance and rate before, balance and rate after (lms.core.foreclosure)
        self.revisions: list[tuple[date, Decimal, Decimal, Decimal, Decimal]] = []
        self.left = self.zero
        self.deviation = Deviation(terms) if terms is not None and terms.actual_balance else None
        self.set_rows(tuple(rows))

    def set_rows(self, rows: tuple[Installment, ...]) -> None:
        numbers = {r.number for r in rows}
        for key in [k for k in self.paid if k[0] > 0 and k[0] not in numbers]:
            del self.paid[key]
        for row in rows:
            for component in (Component.INTEREST, Component.PRINCIPAL):
                self.paid.setdefault((row.number, component), self.zero)
        self.rows, self.due_dates = rows, [r.due_date for r in rows]
        self.first_open = 0  # rows before this one are fully paid
        while self.first_open < len(rows) and not self._unpaid(rows[self.first_open]):
            self.first_open += 1
        self.left = sum((self._unpaid(r) for r in rows), self.charges_due())
        if self.left:
            self.closed_on = None

    def next_due_after(self, day: date | None) -> date | None:
        index = bisect_right(self.due_dates, day) if day is not None else 0
        return self.due_dates[index] if index < len(self.due_dates) else None

    def due_on(self, day: date) -> bool:
        index = bisect_left(self.due_dates, day)
        return index < len(self.due_dates) and self.due_dates[index] == day

    def levy(self, charge: Charge) -> None:
        self.charges.append(charge)
        self.paid[-len(self.charges), charge.component] = charge.amount * 0
        self.left += charge.amount + charge.tax
        self.closed_on = None  # owing again

    def waive(self, waiver: ChargeWaiver) -> None:
        """Forgive up to the waiver's amount of what is unpaid of its charge (a charge voided
        since has nothing left to forgive)."""
        k = next((k for k, c in enumerate(self.charges, 1) if c.reference == waiver.charge), None)
        if k is None:
            return
        charge = self.charges[k - 1]
        amount = min(waiver.amount, self.charge_unpaid(k, charge))
        if amount <= 0:
            return
        self.waived[k] = self.waived.get(k, self.zero) + amount
        self.waivers.append(Waived(waiver.day, charge, amount, waiver.reference))
        self.left -= amount
        if self.closed_on is None and self.left == ZERO:
            self.closed_on = waiver.day

    def charge_unpaid(self, k: int, charge: Charge) -> Decimal:
        owed = charge.amount + charge.tax - self.paid[-k, charge.component]
        return owed - self.waived[k] if k in self.waived else owed

    def refund(self, refund: Refund) -> None:
        """Pay excess back. A refund beyond the excess (its payment was returned after it) is
        owed back by the borrower from the refund's day: a recovery, paid like a charge."""
        short = refund.amount - self.excess
        if short <= 0:
            self.excess -= refund.amount
            return
        self.excess = self.zero
        self.levy(Charge(refund.value_date, short, self.zero, f"{RECOVERY}{refund.reference}"))

    def take_excess(self) -> Decimal:
        amount, self.excess = self.excess, self.excess * 0
        return amount

    def apply(
        self, amount: Decimal, day: date, waterfall: Waterfall, hold: bool = True
    ) -> tuple[tuple[Part, ...], Decimal]:
        ahead = any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order)
        parts, left = allocate(amount, self._owed(day, ahead), day, waterfall)
        for part in parts:
            self.paid[part.installment, part.component] += part.amount
            self.left -= part.amount
        if hold:
            self.excess += left
        while self.first_open < len(self.rows) and not self._unpaid(self.rows[self.first_open]):
            self.first_open += 1
        if self.closed_on is None and self.left == ZERO:
            self.closed_on = day
        return parts, left

    def prepay(self, prepayment: Prepayment, waterfall: Waterfall) -> Applied:
        """Pay what is due on the day (nothing in advance), then reduce the principal by the
        rest and revise the installments not yet due. A rest that would repay all the
        principal not yet due (a backdated payment can make an earlier prepayment so) is held
        as unapplied funds instead: that is a foreclosure, not a revision."""
        day = prepayment.value_date
        dues_only = Waterfall(
            tuple(pair for pair in waterfall.order if pair[0] is not Bucket.IN_ADVANCE),
            waterfall.future,
        )
        parts, rest = self.apply(prepayment.amount, day, dues_only, hold=False)
        not_due = sum((r.principal for r in self.rows if r.due_date > day), self.zero)
        if rest >= not_due:  # it would repay everything: held (a new one is refused upstream)
            self.excess += rest
            return Applied(prepayment, parts, rest)
        if rest:
            self.revise(day, -rest, self.rate, prepayment.keep, prepayment.reference)
            self.prepaid += rest
            parts = (*parts, Part(0, Component.PRINCIPAL, rest))
        return Applied(prepayment, parts, self.zero)

    def refuse_in_relief(self, day: date, reference: str) -> None:
        # on the last deferred due date a capitalisation still follows the day's revisions
        until = self.relief_until
        if until is not None and (day < until or day in self.capitalise_at):
            raise ReplayError(
                f"{reference!r} on {day}: a moratorium defers the installments until {until}"
            )

    def revise(
        self,
        day: date,
        change: Decimal,
        rate: Decimal | None,
        keep: Reschedule,
        reference: str,
        restructure: tuple[int | None, Decimal | None] = (None, None),
        broken: bool = False,
    ) -> None:
        if self.terms is None or self.rate is None or rate is None:
            raise ReplayError(f"{reference!r} revises the schedule: the loan's terms are needed")
        self.refuse_in_relief(day, reference)
        if restructure == (None, None) and pre_emi_running(self.terms, self.tranched):
            keep = Reschedule.INTEREST_ONLY  # a pre-EMI loan pays interest only until paid out
        self.release_after(day)
        balance = sum((r.principal for r in self.rows if r.due_date > day), self.zero)
        revision = Revision(day, change, self.rate, rate, keep, *restructure, broken=broken)
        try:
            rows = revised_rows(self.terms, self.rows, revision)
        except RevisionError as exc:
            raise ReplayError(f"{reference!r} on {day}: {exc}") from None
        self.revisions.append((day, balance, self.rate, balance + change, rate))
        self.rate = rate
        self.set_rows(rows)

    def foreclose(self, day: date) -> None:
        if self.terms is None or self.rate is None:
            raise ReplayError("a foreclosure needs the loan's terms")
        self.release_after(day)
        rows = foreclosed_rows(self.terms, self.rows, day, self.rate, tuple(self.revisions))
        if self.relief_until is not None and rows[-1].due_date == day and rows is not self.rows:
            rows = (*rows[:-1], self._relieved(rows[-1], day))
        self.capitalise_at = {d: v for d, v in self.capitalise_at.items() if d <= day}
        self.relief_until = None
        self.set_rows(rows)

    def _relieved(self, final: Installment, day: date) -> Installment:
        """The foreclosure's installment inside (or just after) a moratorium: its interest
        waived for days the moratorium waives, and the interest deferred installments due by
        the day carried (it was to be paid with the first installment after them)."""
        assert self.relief_until is not None
        interest = final.interest
        if self.interest_waived and day <= self.relief_until:
            interest = final.interest * 0
        interest += sum((v for d, v in self.deferred_interest.items() if d <= day), self.zero)
        return final._replace(interest=interest, total=final.principal + interest)

    def release_after(self, day: date) -> None:
        """Money paid ahead on installments due after `day` goes back to unapplied funds."""
        for row in self.rows:
            if row.due_date > day:
                for component in (Component.INTEREST, Component.PRINCIPAL):
                    paid = self.paid[row.number, component]
                    if paid:
                        self.released.setdefault(day, []).append(Part(row.number, component, paid))
                    self.excess += paid
                    self.paid[row.number, component] = self.zero

    def _owed(self, day: date, ahead: bool) -> list[Owed]:
        stop = len(self.rows) if ahead else bisect_right(self.due_dates, day)
        paid = self.paid
        rows = (
            (
                row.number,
                row.due_date,
                row.interest - paid[row.number, Component.INTEREST],
                row.principal - paid[row.number, Component.PRINCIPAL],
            )
            for row in self.rows[self.first_open : stop]
        )
        charges = (
            (-k, charge.day, charge.component, self.charge_unpaid(k, charge))
            for k, charge in enumerate(self.charges, start=1)
        )
        return owed_components(rows, charges, day, ahead)

    def charges_due(self, only: Component | None = None) -> Decimal:
        owed = (
            self.charge_unpaid(k, c)
            for k, c in enumerate(self.charges, 1)
            if only is None or c.component is only
        )
        return sum(owed, self.zero)

    def _unpaid(self, row: Installment) -> Decimal:
        return (
            row.total
            - self.paid[row.number, Component.INTEREST]
            - self.paid[row.number, Component.PRINCIPAL]
        )

    def state(
        self, as_of: date, applied: tuple[Applied, ...], from_excess: tuple[ExcessApplied, ...]
    ) -> LoanState:
        installments = tuple(
            InstallmentState(
                r.number,
                r.due_date,
                r.principal,
                r.interest,
                self.paid[r.number, Component.PRINCIPAL],
                self.paid[r.number, Component.INTEREST],
            )
            for r in self.rows
        )
        due = [i for i in installments if i.due_date <= as_of]
        oldest = next((i.due_date for i in due if i.unpaid > ZERO), None)
        zero = self.zero
        return LoanState(
            as_of=as_of,
            installments=installments,
            excess=self.excess,
            principal_outstanding=sum((i.principal - i.principal_paid for i in installments), zero),
            principal_due=sum((i.principal - i.principal_paid for i in due), zero),
            interest_due=sum((i.interest - i.interest_paid for i in due), zero),
            dpd=(as_of - oldest).days + 1 if oldest is not None else 0,
            closed_on=self.closed_on,
            applied=applied,
            excess_applied=from_excess,
            charges_due=self.charges_due(),
            penal_due=self.charges_due(Component.PENAL),
            principal_prepaid=self.prepaid,
            principal_tranched=self.tranched,
            annual_rate=self.rate,
            charges=tuple(self.charges),
            released=tuple(ExcessApplied(d, tuple(p)) for d, p in sorted(self.released.items())),
            waived=tuple(self.waivers),
            capitalised=tuple(self.capitalised),
            forgiven=tuple(self.forgiven),
        )
