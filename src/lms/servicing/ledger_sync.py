"""Keeping a loan's ledger on its rules after every servicing operation.

After an event is stored and the loan replayed, `settle_ledger` compares the entries the
posting rules derive from the replayed state (lms.ledger.postings) with the entries posted, by
source: a missing one is posted, one that differs (a backdated payment or a reversal changed
how money was applied) is restated — reversed and posted again — and one no longer implied (a
voided payment or charge) is reversed; every entry written names the event that caused it.
Then the NPA income rule moves suspense, and the loan's ledger is checked against its replayed
balances (lms.servicing.balances): a difference is an alarm (an error under test, a recorded
`LedgerAlarm` in production), never a posting.

Guarantees: idempotent (a second call with nothing new writes nothing); entries are never
updated or deleted; the reversal of a restated entry keeps its value date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.core.events import FEES_COLLECTED, Event
from lms.core.replay import LoanState
from lms.core.terms import BPITreatment
from lms.ledger import rules
from lms.ledger.accounts import Account
from lms.ledger.check import account_balances, suspense_held
from lms.ledger.postings import LoanBooking, recoveries, same_entry, servicing_entries
from lms.ledger.rules import JournalEntry, reversal_of
from lms.ledger.service import LiveEntry, Posting, live_entries, post_entry, post_many
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings
from lms.servicing.balances import loan_expected, penal_unrecognised, unpaid_raised_interest
from lms.servicing.models import LedgerAlarm, Loan, LoanEvent, LoanRestatement
from lms.servicing.service import loan_schedule, loan_terms

ZERO = Decimal(0)


class LedgerMismatchError(AssertionError):
    """A loan's ledger differs from its replayed state (raised under test)."""


def loan_booking(loan: Loan, state: LoanState) -> LoanBooking:
    """The ledger's facts of `loan` beside its replayed state."""
    terms, schedule = loan_terms(loan), loan_schedule(loan)
    assert loan.disbursed_on is not None
    return LoanBooking(
        loan_id=str(loan.id),
        disbursed_on=loan.disbursed_on,
        principal=terms.principal,
        fees=schedule.fee_charges,
        bpi_deducted=schedule.bpi if terms.bpi is BPITreatment.DEDUCT else ZERO,
        fees_collected=any(c.reference == FEES_COLLECTED for c in state.charges),
        raised_through=loan.interest_posted_through,
        npa=loan.asset_class == "NPA",
        accrued=loan.accrued_interest or ZERO,
    )


def settle_ledger(
    uow: UnitOfWork,
    loan: Loan,
    state: LoanState,
    events: list[Event],
    *,
    cause: int | None,
    day: date,
    posting_date: date,
    since: date | None = None,
    known: Mapping[str, int] | None = None,
) -> None:
    """Bring the loan's ledger to what its rules derive from `state` (replayed to the loan's
        last event), because of event `cause` dated `day`. `since`: the event changes nothing
        dated before that day (a payment or prepayment on it: the replay before its value date
        is the same), so only entries from then on are compared; None compares all. `known`: loan
    event ids of sources the caller has at hand (spares reading the loan's events)."""
    if loan.written_off_on is not None:  # off the books: only money received is posted
        _settle_recoveries(uow, loan, state, cause, posting_date, known or {})
        check_loan_ledger(uow, loan, (state, events), cause=cause, on=posting_date)
        return
    booking = loan_booking(loan, state)
    posted = live_entries(uow, str(loan.id), since)
    derived = servicing_entries(
        booking, state, events, {k: e.entry for k, e in posted.items()}, since
    )
    if (loan.accrued_interest or ZERO) != derived.accrual_booked:
        loan.accrued_interest = derived.accrual_booked  # taken by a due raised, or kept
    postings = _postings(uow, loan.id, derived.entries, posted, cause, known or {})
    post_many(uow, postings, posting_date=posting_date)
    # a standard loan's suspense is empty, and stays so unless an entry written moved it
    if loan.asset_class == "NPA" or any(_touches_suspense(p.entry) for p in postings):
        _npa_suspense(uow, loan, state, cause, day, posting_date)
    if day < posting_date:  # past day-ends changed: the close restates them
        uow.session.add(LoanRestatement(loan_id=loan.id, from_date=day))
    check_loan_ledger(uow, loan, (state, events), cause=cause, on=posting_date)


def _settle_recoveries(
    uow: UnitOfWork,
    loan: Loan,
    state: LoanState,
    cause: int | None,
    posting_date: date,
    known: Mapping[str, int],
) -> None:
    """A loan written off or settled on day W: its entries up to W stay as they are; after W
    each payment is a recovery (income when received), and a payment reversed loses its
    recovery like any entry no longer derived."""
    assert loan.written_off_on is not None
    since = loan.written_off_on + timedelta(days=1)
    posted = live_entries(uow, str(loan.id), since)
    derived = recoveries(str(loan.id), loan.written_off_on, state)
    postings = _postings(uow, loan.id, derived, posted, cause, known)
    post_many(uow, postings, posting_date=posting_date)


def _postings(
    uow: UnitOfWork,
    loan_id: int,
    derived: list[JournalEntry],
    posted: dict[str, LiveEntry],
    cause: int | None,
    known: Mapping[str, int],
) -> list[Posting]:
    """What to write: each derived entry not posted as it is (a changed one after the
    reversal of the old), and the reversal of each posted entry no longer derived."""
    left, postings = dict(posted), []
    event_ids: dict[str, int] | None = None
    for entry in derived:
        assert entry.source is not None
        earlier = left.pop(entry.source, None)
        if earlier is not None and same_entry(earlier.entry, entry):
            continue
        if earlier is not None:
            postings.append(_reversal(earlier, cause))
        event_id = earlier.event_id if earlier is not None else known.get(entry.source)
        if event_id is None and entry.source.split(":", 1)[0] not in _NO_EVENT:
            if event_ids is None:  # read only when an entry of an event is new
                event_ids = _event_ids(uow, loan_id)
            event_id = event_ids.get(entry.source)
        postings.append(Posting(entry, event_id, cause or event_id))
    postings += [_reversal(gone, cause) for gone in left.values()]  # a voided payment, charge
    return postings


_NO_EVENT = frozenset({"due", "excess", "released"})  # sources of no single loan event


def _reversal(live: LiveEntry, cause: int | None) -> Posting:
    """The mirror of a live entry, on its own value date, naming the event that caused it."""
    mirror = reversal_of(live.entry, live.entry.value_date)
    return Posting(mirror, live.event_id, cause, live.id)


_SUSPENSE = frozenset({Account.INTEREST_SUSPENSE, Account.PENAL_SUSPENSE})


def _touches_suspense(entry: JournalEntry) -> bool:
    return any(line.account in _SUSPENSE for line in entry.lines)


def _event_ids(uow: UnitOfWork, loan_id: int) -> dict[str, int]:
    """The loan event each source posts: payments, charges, waivers, refunds, tranches by
    reference."""
    found: dict[str, int] = {}
    for event_id, kind, reference in uow.session.execute(
        select(LoanEvent.id, LoanEvent.kind, LoanEvent.reference).where(
            LoanEvent.loan_id == loan_id
        )
    ):
        if kind == "disbursement":
            found["disbursement"] = event_id
        elif kind == "payment":
            found[f"repayment:{reference}"] = event_id
            found[f"recovered:{reference}"] = event_id
        elif kind == "refund":
            found[f"refund:{reference}"] = event_id
            found[f"recovery:{reference}"] = event_id
        elif kind in ("charge", "penal", "prepayment", "tranche"):
            found[f"{kind}:{reference}"] = event_id
        elif kind == "charge_waiver":
            found[f"waiver:{reference}"] = event_id
    return found


def _npa_suspense(
    uow: UnitOfWork,
    loan: Loan,
    state: LoanState,
    cause: int | None,
    day: date,
    posting_date: date,
) -> None:
    """RBI income recognition after an event: an NPA's suspense holds the income of its unpaid
    interest and penal charges (a standard loan's holds nothing); what the event changed moves
    between suspense and income."""
    interest_target, penal_target = suspense_targets(loan, state)
    interest, penal = suspense_moves(uow, loan, interest_target, penal_target)
    if interest or penal:
        entry = rules.npa_suspense(str(loan.id), day, interest, penal)
        post_entry(uow, entry, posting_date=posting_date, cause_event_id=cause)


def suspense_targets(loan: Loan, state: LoanState) -> tuple[Decimal, Decimal]:
    """What the loan's interest and penal suspense must hold: on an NPA, the unpaid interest
    of the dues raised (interest paid ahead is no one's income yet: it stays a credit on the
    receivable) and the income part of the penal charges unpaid; else nothing."""
    if loan.asset_class != "NPA":
        return ZERO, ZERO
    unpaid = unpaid_raised_interest(state, loan.interest_posted_through)
    return unpaid, penal_unrecognised(state)


def suspense_moves(
    uow: UnitOfWork, loan: Loan, interest_target: Decimal, penal_target: Decimal
) -> tuple[Decimal, Decimal]:
    """How much interest and penal income to move into suspense (negative: back to income)
    for the loan's suspense accounts to hold the targets."""
    return suspense_moves_of(uow, {loan.id: (interest_target, penal_target)})[loan.id]


def suspense_moves_of(
    uow: UnitOfWork, targets: dict[int, tuple[Decimal, Decimal]]
) -> dict[int, tuple[Decimal, Decimal]]:
    """`suspense_moves` of many loans (by id: their interest and penal targets) in one query."""
    accounts = (Account.INTEREST_SUSPENSE.value, Account.PENAL_SUSPENSE.value)
    held = suspense_held(uow, [str(k) for k in targets])
    moves = {}
    for loan_id, (interest_target, penal_target) in targets.items():
        now = held.get(str(loan_id), {})
        moves[loan_id] = (
            interest_target + now.get(accounts[0], ZERO),  # suspense holds credits
            penal_target + now.get(accounts[1], ZERO),
        )
    return moves


def check_loan_ledger(
    uow: UnitOfWork,
    loan: Loan,
    known: tuple[LoanState, list[Event]] | None = None,
    *,
    cause: int | None,
    on: date,
) -> dict[str, tuple[Decimal, Decimal]]:
    """The loan's accounts whose balance differs from its replayed state ({} when sound). A
    difference raises `LedgerMismatchError` when $LMS_LEDGER_MISMATCH is "raise" (the tests), and
    is otherwise recorded as a `LedgerAlarm` for the finance team."""
    uow.session.flush()
    expected = {a.value: v for a, v in loan_expected(uow, loan, known).items()}
    actual = {a: v for a, v in account_balances(uow.session, str(loan.id)).items() if v}
    gaps = {
        account: (expected.get(account, ZERO), actual.get(account, ZERO))
        for account in sorted(set(expected) | set(actual))
        if expected.get(account, ZERO) != actual.get(account, ZERO)
    }
    if gaps:
        detail = "; ".join(
            f"{a} holds {have}, the loan's state says {want}" for a, (want, have) in gaps.items()
        )
        if get_settings().ledger_mismatch == "raise":
            raise LedgerMismatchError(f"loan {loan.id}: {detail}")
        uow.session.add(
            LedgerAlarm(
                loan_id=loan.id,
                found_on=on,
                cause_event_id=cause,
                detail=detail,
                created_at=datetime.now(UTC),
            )
        )
    return gaps
