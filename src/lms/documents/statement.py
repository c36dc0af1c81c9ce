"""The loan statement: every transaction with its split and the running principal balance.

Guarantees: built from the loan's stored events by replay, so it agrees with the loan's state;
lines are in date order; a returned payment appears as its own negative line on the day the
return became known; the last line's balance is the principal outstanding on the as-of date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import STANDARD, Component, Part, Waterfall
from lms.core.replay import Event, Payment, Refund, Reversal, replay
from lms.core.rows import Installment

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: date
    kind: str  # disbursement, payment, returned payment, excess applied
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
) -> list[StatementLine]:
    """The statement of a loan disbursed on `disbursed_on`, up to the day-end of `as_of`."""
    lines = [
        StatementLine(disbursed_on, "disbursement", "", -disbursed, ZERO, ZERO, ZERO, disbursed)
    ]
    refunds = [e for e in events if isinstance(e, Refund) and e.value_date <= as_of]
    known = sorted(
        {e.value_date for e in events if isinstance(e, Payment) and e.value_date <= as_of}
        | {e.known_on for e in events if isinstance(e, Reversal) and e.known_on <= as_of}
        | {r.due_date for r in rows if r.due_date <= as_of}
        | {r.value_date for r in refunds}
    )
    payments = {e.reference: e for e in events if isinstance(e, Payment)}
    for day in known:
        state = replay(rows, events, day, waterfall)
        for used in (u for u in state.excess_applied if u.day == day):
            lines.append(
                _line(
                    day,
                    "excess applied",
                    "",
                    ZERO,
                    used.parts,
                    -_sum(used.parts),
                    state.principal_outstanding,
                )
            )
        for applied in (a for a in state.applied if a.payment.value_date == day):
            lines.append(
                _line(
                    day,
                    "payment",
                    applied.payment.reference,
                    applied.payment.amount,
                    applied.parts,
                    applied.held,
                    state.principal_outstanding,
                )
            )
        for event in events:
            if isinstance(event, Reversal) and event.known_on == day:
                voided = payments[event.reference]
                lines.append(
                    StatementLine(
                        day,
                        "returned payment",
                        event.reference,
                        -voided.amount,
                        ZERO,
                        ZERO,
                        ZERO,
                        state.principal_outstanding,
                    )
                )
        for refund in (r for r in refunds if r.value_date == day):
            lines.append(
                StatementLine(
                    day,
                    "refund",
                    refund.reference,
                    -refund.amount,
                    ZERO,
                    ZERO,
                    -refund.amount,
                    state.principal_outstanding,
                )
            )
    return [
        line for line in lines if line.kind != "excess applied" or line.principal or line.interest
    ]


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
