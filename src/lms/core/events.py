"""The events of a loan's life after disbursement, as the replay (lms.core.replay) reads them.

Guarantee: plain frozen values; they carry no behaviour, so a list of them is the loan's whole
history and replaying the same list always gives the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms.core.allocation import Component
from lms.core.frequency import Frequency
from lms.core.revision import Reschedule
from lms.core.terms import MoratoriumInterest


class EventKind(StrEnum):
    """Every kind of event in a loan's life, stored in `loan_events.kind`; each has one posting
    rule (lms.ledger.rules.POSTING_RULES)."""

    DISBURSEMENT = "disbursement"
    TRANCHE = "tranche"  # a further disbursement
    PAYMENT = "payment"
    PREPAYMENT = "prepayment"  # a part-prepayment, the schedule revised
    REVERSAL = "reversal"  # a payment voided (returned by the bank, or posted in error)
    REFUND = "refund"  # unapplied funds paid back
    CHARGE = "charge"  # a fee: bounce, foreclosure, upfront fees collected apart
    PENAL = "penal"  # a penal charge levied by the daily close
    CHARGE_REVERSAL = "charge_reversal"  # a charge levied in error, voided
    CHARGE_WAIVER = "charge_waiver"  # a charge rightly levied, forgiven in part or in full
    RATE_CHANGE = "rate_change"
    FORECLOSURE = "foreclosure"
    WRITE_OFF = "write_off"  # the loan taken off the books (technical: the claim kept; full)
    SETTLEMENT = "settlement"  # a compromise settlement completed: the rest waived
    RESTRUCTURE = "restructure"  # the schedule re-amortised, arrears capitalised (re-aged)
    MORATORIUM = "moratorium"  # installments deferred under a relief scheme
    SMALL_BALANCE = "small_balance"  # a remainder under the product's threshold forgiven


FEES_COLLECTED = "fees:collected"  # reference of the charge of upfront fees paid apart


class ReversalReason(StrEnum):
    """Why a payment is voided: returned by the bank (a bounce: the product's bounce charge
    applies) or posted in error (no charge; the money goes to suspense or to the right loan)."""

    RETURNED = "returned"
    POSTING_ERROR = "posting_error"


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received for the loan, effective on `value_date`."""

    value_date: date
    amount: Decimal
    reference: str  # UTR, UMRN debit id, receipt number: unique within the loan


@dataclass(frozen=True, slots=True)
class Reversal:
    """The payment `reference` voided, known on `known_on`; it is void from its value date.
    `reason`: "returned:<code>" (returned by the bank) or "posting_error"."""

    known_on: date
    reference: str
    reason: str = "returned"


@dataclass(frozen=True, slots=True)
class Refund:
    """Unapplied funds paid back to the borrower on `value_date`."""

    value_date: date
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge levied on the loan on `day`: owed from that day, `amount` plus `tax` (GST), as
    a fee (a bounce charge, a foreclosure charge) or a penal charge (the waterfall may order
    them apart)."""

    day: date
    amount: Decimal
    tax: Decimal
    reference: str
    component: Component = Component.FEE


@dataclass(frozen=True, slots=True)
class ChargeReversal:
    """The charge `reference` was levied in error (a month's penal charge restated after a
    backdated payment), found on `known_on`: it is void in every replay, as if never levied
    (history is corrected, like a backdated payment; the right charge is a new event)."""

    known_on: date
    reference: str


@dataclass(frozen=True, slots=True)
class ChargeWaiver:
    """Up to `amount` (with its GST) of what is unpaid of the charge `charge` (its reference)
    is forgiven from `day` on: unlike a charge reversal, the charge was rightly levied and stays
    in the history; the borrower no longer owes the part waived (what was paid stays paid).
    `reference`: the waiver's own, unique within the loan."""

    day: date
    charge: str
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Prepayment:
    """A part-prepayment on `value_date`: it pays what is due (by the waterfall, nothing in
    advance), the rest reduces the principal, and the installments not yet due are worked out
    again keeping the tenure (lower EMI) or the EMI (shorter tenure), as the borrower chose."""

    value_date: date
    amount: Decimal
    reference: str
    keep: Reschedule


@dataclass(frozen=True, slots=True)
class RateChange:
    """A new annual rate from `day` on (a floating-rate loan's benchmark moved); the
    installments not yet due are worked out again by `keep`."""

    day: date
    annual_rate: Decimal
    reference: str
    keep: Reschedule


@dataclass(frozen=True, slots=True)
class Tranche:
    """A further disbursement of `amount` on `day` (a loan paid out in tranches): the principal
    grows and the installments not yet due are worked out again over the same tenure."""

    day: date
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Restructure:
    """The loan restructured on `day`, after the day's payments: what is unpaid of the
    installments due by then is capitalised (joins the principal, the loan re-aged to current)
    if `capitalise`, or stays owed as it is; the principal is re-amortised over `installments`
    installments from the next due date, or at `emi` for as long as it takes (neither: as many
    as were left), at `annual_rate` (None: the rate in force). Charges are never capitalised
    (RBI: no interest on penal charges); they stay owed. With `due_day`, the installments
    fall on that day of the month from the first such date after `day` (lms.core.due_day).
    With `to_end` (and not `capitalise`), what is unpaid of each installment due by `day`
    becomes an installment of its own after the last, one period apart, the same principal and
    interest (the loan re-aged to current; nothing else is re-amortised unless asked)."""

    day: date
    reference: str
    installments: int | None = None
    emi: Decimal | None = None
    annual_rate: Decimal | None = None
    capitalise: bool = True
    due_day: int | None = None  # a new day of the month for the installments (0: month end)
    # the arrears (not capitalised) move to the end as installments of their own (re-ageing)
    to_end: bool = False
    frequency: Frequency | None = None  # a new frequency (monthly, quarterly, half-yearly, yearly)


@dataclass(frozen=True, slots=True)
class LoanMoratorium:
    """A moratorium granted on `day` (lms.core.relief): the installments of the next
    `periods` periods carry no principal; their interest is collected, capitalised, deferred to
    the first installment after ("first_installment") or waived, as `interest` says; the loan
    ends `periods` installments later. Nothing else may revise the schedule until it ends."""

    day: date
    periods: int
    interest: MoratoriumInterest
    reference: str


@dataclass(frozen=True, slots=True)
class SmallBalanceWaiver:
    """Everything still owed on `day` (what is unpaid of the installments due by then, and of
    the charges) forgiven: a remainder under the product's small-balance threshold at the end
    of the loan, so that it closes."""

    day: date
    reference: str


@dataclass(frozen=True, slots=True)
class Foreclosure:
    """The loan is repaid in full on `day`: what is not yet due falls due that day
    (lms.core.foreclosure)."""

    day: date


Event = (
    Payment
    | Reversal
    | Refund
    | Charge
    | ChargeReversal
    | ChargeWaiver
    | Prepayment
    | RateChange
    | Tranche
    | Restructure
    | LoanMoratorium
    | SmallBalanceWaiver
    | Foreclosure
)
Money = Payment | Prepayment  # money received, which a reversal can void
