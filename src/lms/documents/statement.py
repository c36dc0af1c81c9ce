"""The loan statement: every transaction with its split and the running principal balance.

Guarantees: built from the loan's stored events by replay, so it agrees with the loan's state;
lines are in date order; a returned payment appears as its own negative line on the day the
return became known, after the payment's own line (also when it was returned the day it was
paid); the last line's balance is the principal outstanding on the as-of date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import STANDARD, Component, Part, Waterfall
from lms.core.replay import (
    Charge,
    ChargeReversal,
    ChargeWaiver,
    DayEnd,
    Event,
    LoanState,
    Payment,
    Prepayment,
    RateChange,
    Refund,
    Restructure,
    Reversal,
    Tranche,
    day_ends,
    replay,
)
from lms.core.rows import Installment
from lms.core.terms import LoanTerms

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: date
    # disbursement, tranche, payment, prepayment, returned payment, charge, charge waived,
    # excess applied, refund, rate change (the amount column then holds the new rate),
    # restructure (no money: the principal and interest columns hold the arrears capitalised),
    # interest capitalised (a moratorium's, on a deferred due date), small balance forgiven
    kind: str
    reference: str
    amount: Decimal  # money moved: disbursed (negative: paid out), received, returned
    principal: Decimal  # principal repaid by this line
    interest: Decimal  # interest paid by this line
    held: Decimal  # put into (positive) or taken from (negative) unapplied funds
    balance: Decimal  # principal outstanding after the line

    def cells(self) -> tuple[str, ...]:
        """The line as text cells in the order of COLUMNS."""
        amounts = (self.amount, self.principal, self.interest, self.held, self.balance)
        return (self.day.isoformat(), self.kind, self.reference, *(str(a) for a in amounts))


def statement_lines(
    rows: tuple[Installment, ...],
    events: list[Event],
    disbursed: Decimal,
    disbursed_on: date,
    as_of: date,
    waterfall: Waterfall = STANDARD,
    terms: LoanTerms | None = None,
    advance: Decimal = ZERO,
) -> list[StatementLine]:
    """The statement of a loan disbursed on `disbursed_on`, up to the day-end of `as_of`;
    `advance`: advance EMIs collected on the disbursement date (a line after it)."""
    opening = [StatementLine(
        disbursed_on, "disbursement", "", -disbursed, ZERO, ZERO, ZERO, disbursed
    )]  # fmt: skip
    if advance:
        opening.append(
            StatementLine(disbursed_on, "advance EMI", "", advance, advance, ZERO, ZERO,
                          disbursed - advance)
        )  # fmt: skip
    final = replay(rows, events, as_of, waterfall, terms)
    days = sorted(
        {d for d in map(_day_of, events) if d <= as_of}
        | {i.due_date for i in final.installments if i.due_date <= as_of}
    )
    states = day_ends(rows, events, days, waterfall, terms)  # one walk, not one per day
    todays: dict[date, list[Event]] = {}
    for event in events:
        todays.setdefault(_day_of(event), []).append(event)
    payments = {e.reference: e for e in events if isinstance(e, Payment | Prepayment)}
    void = {e.reference for e in events if isinstance(e, ChargeReversal)}
    forgiven = {w.reference: w.amount for w in final.waived}  # what each waiver did forgive
    lines = opening
    for day in days:
        state = final if day == as_of else states[day]
        same_day = _returned_the_same_day(todays.get(day, []), payments, day)
        paid = (
            replay(rows, [e for e in events if e not in same_day], day, waterfall, terms)
            if same_day
            else state
        )
        others = _other_lines(day, state.principal_outstanding, todays.get(day, []), payments,
                              void, forgiven)  # fmt: skip
        lines.extend([*_lines_of(day, state, paid, todays.get(day, [])), *others])
    return lines


def _returned_the_same_day(
    todays: list[Event], payments: dict[str, Payment | Prepayment], day: date
) -> list[Reversal]:
    """The reversals known on `day` of payments whose value date is `day`: the replay of the
    day voids those payments, but the statement shows each paid, then returned."""
    return [
        e
        for e in todays
        if isinstance(e, Reversal)
        and e.known_on == day
        and e.reference in payments
        and payments[e.reference].value_date == day
    ]


def _day_of(event: Event) -> date:
    if isinstance(event, Payment | Prepayment | Refund):
        return event.value_date
    return event.known_on if isinstance(event, Reversal | ChargeReversal) else event.day


def _lines_of(
    day: date, state: LoanState | DayEnd, paid: LoanState | DayEnd, todays: list[Event]
) -> list[StatementLine]:
    """The lines of one day before its returns and charges: rate changes, excess used,
    payments (as `paid` has them: the day's state before the returns of payments made that
    day)."""
    balance = state.principal_outstanding
    lines = [
        StatementLine(day, "rate change", e.reference, e.annual_rate, ZERO, ZERO, ZERO, balance)
        for e in todays
        if isinstance(e, RateChange) and e.day == day
    ]
    lines.extend(
        _line(day, "excess applied", "", ZERO, used.parts, -_sum(used.parts), balance)
        for used in state.excess_applied
        if used.day == day and used.parts
    )
    lines.extend(
        _line(
            day,
            _kind(a.payment),
            a.payment.reference,
            a.payment.amount,
            a.parts,
            a.held,
            paid.principal_outstanding,
        )
        for a in paid.applied
        if a.payment.value_date == day
    )
    capitalised = {c.reference: c.parts for c in state.capitalised}
    lines.extend(
        _line(
            day, "restructure", e.reference, ZERO, capitalised.get(e.reference, ()), ZERO, balance
        )
        for e in todays
        if isinstance(e, Restructure) and e.day == day
    )
    lines.extend(  # a moratorium's deferred interest added to the principal on its due date
        _line(day, "interest capitalised", c.reference, ZERO, c.parts, ZERO, balance)
        for c in state.capitalised
        if c.day == day and "@" in c.reference
    )
    lines.extend(
        _line(day, "small balance forgiven", c.reference, ZERO, c.parts, ZERO, balance)
        for c in state.forgiven
        if c.day == day
    )
    return lines


def _other_lines(
    day: date,
    balance: Decimal,
    todays: list[Event],
    payments: dict[str, Payment | Prepayment],
    void: set[str],
    forgiven: dict[str, Decimal],
) -> list[StatementLine]:
    """Returned payments, charges, waivers, tranches and refunds of the day (a charge reversed
    in a restatement, `void`, was never levied; a waiver forgave what `forgiven` says)."""
    lines: list[StatementLine] = []
    for event in todays:
        if isinstance(event, Reversal) and event.known_on == day:
            amount = -payments[event.reference].amount
            kind = _reversal_kind(event.reason)
            lines.append(
                StatementLine(day, kind, event.reference, amount, ZERO, ZERO, ZERO, balance)
            )
        elif isinstance(event, Charge) and event.day == day and event.reference not in void:
            amount = -(event.amount + event.tax)
            lines.append(
                StatementLine(day, "charge", event.reference, amount, ZERO, ZERO, ZERO, balance)
            )
        elif isinstance(event, ChargeWaiver) and forgiven.get(event.reference):
            amount = forgiven[event.reference]
            lines.append(
                StatementLine(day, "charge waived", event.charge, amount, ZERO, ZERO, ZERO, balance)
            )
        elif isinstance(event, Tranche) and event.day == day:
            lines.append(
                StatementLine(
                    day, "tranche", event.reference, -event.amount, ZERO, ZERO, ZERO, balance
                )
            )
        elif isinstance(event, Refund) and event.value_date == day:
            amount = -event.amount
            lines.append(
                StatementLine(day, "refund", event.reference, amount, ZERO, ZERO, amount, balance)
            )
    return lines


def _kind(money: Payment | Prepayment) -> str:
    return "prepayment" if isinstance(money, Prepayment) else "payment"


def _line(
    day: date,
    kind: str,
    reference: str,
    amount: Decimal,
    parts: tuple[Part, ...],
    held: Decimal,
    balance: Decimal,
) -> StatementLine:
    principal = sum((p.amount for p in parts if p.component is Component.PRINCIPAL), ZERO)
    interest = sum((p.amount for p in parts if p.component is Component.INTEREST), ZERO)
    return StatementLine(day, kind, reference, amount, principal, interest, held, balance)


def _sum(parts: tuple[Part, ...]) -> Decimal:
    return sum((p.amount for p in parts), ZERO)


COLUMNS = ("date", "kind", "reference", "amount", "principal", "interest", "held", "balance")


def statement_csv(lines: list[StatementLine]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(line.cells() for line in lines)
    return buffer.getvalue()


def _reversal_kind(reason: str) -> str:
    """How a voided payment reads: returned by the bank (with its return code), or reversed as
    a posting error."""
    if reason == "posting_error":
        return "reversed: posting error"
    code = reason.removeprefix("returned").lstrip(":")
    return f"returned payment ({code})" if code else "returned payment"
