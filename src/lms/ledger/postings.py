"""The journal entries a loan's history implies, each from its posting rule (lms.ledger.rules):
the servicing half of the ledger as a pure function of the loan's replayed state.

`servicing_entries` gives, by source, the entry every event and every due of the loan must
have: the disbursement, tranches, each payment as the replay applied it, unapplied funds used
on a due date, advance payments given back by a revision, interest a restructure capitalised,
small balances forgiven, charges, penal charges, waivers, recoveries,
refunds, and the interest of each installment raised so far. Servicing posts what is missing
and restates what differs (lms.servicing.ledger_sync): the old entry reversed, the new posted, both
naming the event that caused it; so the ledger follows the replay by its rules, with no
residual adjustment. Entries the daily close books from facts outside the replay (accruals,
NPA moves, provisions) have no source and are not derived here.

Guarantees: pure and deterministic; every entry built by a rule of POSTING_RULES; sources are
unique within the loan; an entry already posted keeps the split it was posted with (how much
of a due had accrued, whether it was raised on an NPA), so restating its amount never moves
income between periods that the close has booked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import Component
from lms.core.book import RECOVERY, LoanState
from lms.core.events import FEES_COLLECTED, Event, Prepayment, Refund, Tranche
from lms.core.kfs import FeeCharge
from lms.core.money import ZERO
from lms.ledger import rules
from lms.ledger.accounts import Account
from lms.ledger.rules import JournalEntry


@dataclass(frozen=True, slots=True)
class LoanBooking:
    """What the ledger needs of a loan beside its replayed state."""

    loan_id: str
    disbursed_on: date
    principal: Decimal  # paid out at disbursement (the first tranche of a tranched loan)
    fees: tuple[FeeCharge, ...]  # upfront fees with their tax
    bpi_deducted: Decimal  # broken-period interest kept back from the payout
    fees_collected: bool  # upfront fees owed by the borrower instead of deducted
    raised_through: date | None  # installments due by this day have had their interest raised
    npa: bool  # the loan is an NPA now (new dues and penal charges go to suspense)
    accrued: Decimal  # interest the close accrued and booked for the installment running


@dataclass(frozen=True, slots=True)
class Postings:
    """The servicing entries of a loan, and the accrual that stays booked for its next due
    (the loan's `accrued_interest` after them)."""

    entries: list[JournalEntry]
    accrual_booked: Decimal


def servicing_entries(
    booking: LoanBooking,
    state: LoanState,
    events: Sequence[Event],
    posted: Mapping[str, JournalEntry],
    since: date | None = None,
) -> Postings:
    """Every servicing entry of the loan, as its rules make them from `state` (replayed to
    its last event) and its `events`; `posted` (by source) gives the splits of entries already
    posted. `since`: only entries dated from that day on (`posted` holds only those)."""
    lid = booking.loan_id
    entries = [
        rules.disbursement(
            lid,
            booking.disbursed_on,
            booking.principal,
            booking.fees,
            booking.bpi_deducted,
            fees_collected=booking.fees_collected,
        )
    ]
    for event in events:
        if isinstance(event, Tranche) and event.day <= state.as_of:
            entries.append(rules.tranche(lid, event.day, event.amount, event.reference))
        elif isinstance(event, Refund) and event.value_date <= state.as_of:
            entries.append(rules.refund(lid, event.value_date, event.amount, event.reference))
    dues, accrual_booked = _dues(booking, state, posted, since)
    entries += dues
    entries += _charges(booking, state, posted)
    entries += _waivers(booking.loan_id, state)
    for applied in state.applied:
        money = applied.payment
        kind = "prepayment" if isinstance(money, Prepayment) else "repayment"
        entries.append(
            rules.repayment(
                lid, money.value_date, applied.parts, applied.held,
                reference=money.reference, kind=kind,
            )
        )  # fmt: skip
    for used in state.excess_applied:
        entries.append(rules.repayment(lid, used.day, used.parts, ZERO, from_excess=True))
    for given_back in state.released:
        entries.append(rules.advance_released(lid, given_back.day, given_back.parts))
    for moved in state.capitalised:
        if moved.interest:
            entries.append(rules.capitalisation(lid, moved.day, moved.interest, moved.reference))
    for gone in state.forgiven:
        entries.append(rules.small_balance(lid, gone.day, gone.parts, gone.reference))
    if since is not None:
        entries = [e for e in entries if e.value_date >= since]
    return Postings(entries, accrual_booked)


def _dues(
    booking: LoanBooking,
    state: LoanState,
    posted: Mapping[str, JournalEntry],
    since: date | None,
) -> tuple[list[JournalEntry], Decimal]:
    """The interest of each due date raised so far, and the accrual no due takes. A due
    already posted keeps its accrued part and its side (income or suspense); the first new one
    takes the close's booked accrual, with the accrued parts of posted dues that no longer are
    (a foreclosure or a revision before them removed them: their reversal gives the accrual
    back). With no new due to take it, the accrual stays booked for the next one."""
    through = booking.raised_through
    interest: dict[date, Decimal] = {}
    low = since or date.min  # dues before `since` are as posted: left out
    for item in state.installments:
        if through is not None and low <= item.due_date <= through:
            interest[item.due_date] = interest.get(item.due_date, ZERO) + item.interest
    kept = {f"due:{due.isoformat()}" for due, amount in interest.items() if amount}
    freed = sum(
        (_credited(e, Account.INTEREST_ACCRUED) for k, e in posted.items()
         if k.startswith("due:") and k not in kept),
        ZERO,
    )  # fmt: skip
    entries, accrual_left = [], booking.accrued + freed
    for due, amount in sorted(interest.items()):
        if not amount:
            continue  # an installment without interest raises nothing
        earlier = posted.get(f"due:{due.isoformat()}")
        if earlier is not None:
            accrued = _credited(earlier, Account.INTEREST_ACCRUED)
            npa = any(line.account is Account.INTEREST_SUSPENSE for line in earlier.lines)
        else:
            accrued, npa, accrual_left = accrual_left, booking.npa, ZERO
        entries.append(rules.interest_due(booking.loan_id, due, amount, npa=npa, accrued=accrued))
    return entries, accrual_left


def _charges(
    booking: LoanBooking, state: LoanState, posted: Mapping[str, JournalEntry]
) -> list[JournalEntry]:
    """Each charge levied and not voided: a fee, a penal charge, or a recovery (upfront fees
    collected apart are part of the disbursement's entry)."""
    lid, entries = booking.loan_id, []
    for charge in state.charges:
        if charge.reference == FEES_COLLECTED:
            continue
        if charge.reference.startswith(RECOVERY):
            reference = charge.reference.removeprefix(RECOVERY)
            entries.append(rules.recovery(lid, charge.day, charge.amount, reference))
        elif charge.component is Component.PENAL:
            earlier = posted.get(f"penal:{charge.reference}")
            npa = booking.npa if earlier is None else _credited(earlier, Account.PENAL_SUSPENSE) > 0
            entries.append(
                rules.penal_charge(
                    lid, charge.day, charge.amount, charge.tax, npa=npa, reference=charge.reference
                )
            )
        else:
            entries.append(
                rules.charge(lid, charge.day, charge.amount, charge.tax, charge.reference)
            )
    return entries


def _waivers(loan_id: str, state: LoanState) -> list[JournalEntry]:
    """Each waiver: the part of its charge it forgave."""
    return [
        rules.charge_waiver(
            loan_id,
            w.day,
            w.amount,
            w.tax,
            w.reference,
            penal=w.charge.component is Component.PENAL,
        )
        for w in state.waived
    ]


def recoveries(loan_id: str, written_off_on: date, state: LoanState) -> list[JournalEntry]:
    """The entries of a loan taken off the books on `written_off_on` (written off or settled):
    each payment received after that day, whole, as recovery income."""
    return [
        rules.write_off_recovery(
            loan_id, a.payment.value_date, a.payment.amount, a.payment.reference
        )
        for a in state.applied
        if a.payment.value_date > written_off_on
    ]


def _credited(entry: JournalEntry, account: Account) -> Decimal:
    return sum((line.credit - line.debit for line in entry.lines if line.account is account), ZERO)


def same_entry(a: JournalEntry, b: JournalEntry) -> bool:
    """Whether two entries post the same: kind, value date and lines (in any order)."""

    def key(entry: JournalEntry) -> list[tuple[str, Decimal, Decimal]]:
        return sorted((line.account.value, line.debit, line.credit) for line in entry.lines)

    return (a.event, a.value_date) == (b.event, b.value_date) and key(a) == key(b)
