"""Changes to a live loan's schedule that the replay applies to its working book: a
restructure (arrears capitalised, the principal re-amortised), a moratorium granted and its
capitalisations on the deferred due dates (lms.core.relief), and a small-balance waiver.

Guarantees: as lms.core.book's: paid parts never exceed what was owed; installments due on or
before the day are never changed but by being paid (capitalised or forgiven parts count as
paid, recorded in `capitalised` or `forgiven` for the ledger); money paid ahead on replaced
installments goes back to unapplied funds.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from decimal import Decimal

from lms.core.allocation import Component, Part
from lms.core.book import Book, Capitalised, ReplayError
from lms.core.due_day import move_due_day
from lms.core.events import (
    ChargeWaiver,
    LoanMoratorium,
    Restructure,
    SmallBalanceWaiver,
    Tranche,
)
from lms.core.money import ZERO
from lms.core.periods import build_timeline
from lms.core.relief import moratorium_rows
from lms.core.revision import Reschedule, RevisionError
from lms.core.rows import Installment
from lms.core.terms import MoratoriumInterest, TrancheRepayment, pre_emi_running


def arrears_settled(book: Book, day: date) -> list[Part]:
    """What is unpaid of the installments due by `day`, by installment and component, now
    counted paid (by capitalisation or forgiveness: the caller records which)."""
    parts = []
    for row in book.rows[book.first_open : bisect_right(book.due_dates, day)]:
        for component, owed in ((Component.INTEREST, row.interest),
                                (Component.PRINCIPAL, row.principal)):  # fmt: skip
            unpaid = owed - book.paid[row.number, component]
            if unpaid > 0:
                parts.append(Part(row.number, component, unpaid))
                book.paid[row.number, component] = owed
                book.left -= unpaid
    return parts


def restructure(book: Book, event: Restructure) -> None:
    """Capitalise the arrears (if asked), re-amortise the principal, move the installments to
    a new due day, or move the arrears to the end (`Restructure`)."""
    parts = arrears_settled(book, event.day) if event.capitalise else []
    change = sum((p.amount for p in parts), book.zero)
    if parts:
        book.capitalised.append(Capitalised(event.day, event.reference, tuple(parts)))
    rate = book.rate if event.annual_rate is None else event.annual_rate
    moved = event.due_day is not None or event.frequency is not None
    book.refuse_in_relief(event.day, event.reference)
    plan = (event.installments, event.emi)
    if moved:
        try:
            if event.frequency is not None and plan == (None, None):
                raise RevisionError("a new frequency needs the new number of installments or EMI")
            move_due_day(book, event.day, event.due_day, event.frequency)
        except RevisionError as exc:
            raise ReplayError(f"{event.reference!r} on {event.day}: {exc}") from None
    if not (event.to_end and plan == (None, None) and event.annual_rate is None and not moved):
        book.revise(event.day, change, rate, Reschedule.REDUCE_EMI, event.reference, plan,
                    broken=moved)  # fmt: skip
    if event.to_end and not event.capitalise:
        _arrears_to_end(book, event.day)


def _arrears_to_end(book: Book, day: date) -> None:
    """What is unpaid of each installment due by `day` becomes an installment of its own
    after the last, on the loan's next due dates; the installment keeps what was paid."""
    if book.terms is None:
        raise ReplayError("moving the arrears to the end needs the loan's terms")
    timeline = build_timeline(book.terms)
    kept, moved = [], []
    for row in book.rows:
        paid_principal = book.paid[row.number, Component.PRINCIPAL]
        paid_interest = book.paid[row.number, Component.INTEREST]
        owed = row.principal - paid_principal, row.interest - paid_interest
        if row.due_date > day or owed == (book.zero, book.zero):
            kept.append(row)
            continue
        kept.append(row._replace(principal=paid_principal, interest=paid_interest,
                                 total=paid_principal + paid_interest))  # fmt: skip
        moved.append(owed)
    left = sum((p for p, _ in moved), book.zero)
    last = kept[-1].number
    for j, (principal, interest) in enumerate(moved, 1):
        left -= principal
        due = timeline.due_date(last + j - 1)
        kept.append(Installment(last + j, due, principal, interest, principal + interest, left))
    book.set_rows(tuple(kept))


def forgive(book: Book, event: SmallBalanceWaiver) -> None:
    """Forgive all that is unpaid of the installments due by the day and of the charges:
    the installments' parts recorded (`forgiven`), each charge's as a waiver."""
    day = event.day
    parts = arrears_settled(book, day)
    if parts:
        book.forgiven.append(Capitalised(day, event.reference, tuple(parts)))
    for k, charge in enumerate(book.charges, 1):
        owed = book.charge_unpaid(k, charge)
        if owed > 0:
            book.waive(ChargeWaiver(day, charge.reference, owed, f"{event.reference}:{k}"))
    if book.closed_on is None and book.left == ZERO:
        book.closed_on = day


def grant(book: Book, event: LoanMoratorium) -> None:
    """Defer the next installments (lms.core.relief); a capitalising moratorium marks its
    due dates, on which `capitalise_deferred` adds their unpaid interest to the principal."""
    if book.terms is None or book.rate is None:
        raise ReplayError(f"{event.reference!r} revises the schedule: the terms are needed")
    book.refuse_in_relief(event.day, event.reference)
    book.release_after(event.day)
    count = sum(1 for r in book.rows if r.due_date > event.day)
    try:
        rows = moratorium_rows(
            book.terms, book.rows, event.day, event.periods, event.interest, book.rate
        )
    except RevisionError as exc:
        raise ReplayError(f"{event.reference!r} on {event.day}: {exc}") from None
    deferred = [r.due_date for r in rows if r.due_date > event.day][: event.periods]
    book.relief_until = deferred[-1] if deferred else None
    book.interest_waived = event.interest is MoratoriumInterest.WAIVED
    if event.interest is MoratoriumInterest.FIRST_INSTALLMENT:  # what each deferred row owes
        owed = moratorium_rows(book.terms, book.rows, event.day, event.periods,
                               MoratoriumInterest.COLLECTED, book.rate)  # fmt: skip
        book.deferred_interest = {r.due_date: r.interest for r in owed if r.due_date in deferred}
    if event.interest is MoratoriumInterest.CAPITALISED:
        for k, due in enumerate(deferred):
            book.capitalise_at[due] = (event.reference, event.periods - k - 1, count)
    book.set_rows(rows)


def capitalise_deferred(book: Book, day: date) -> None:
    """On a capitalising moratorium's due date, after the day's money: what is unpaid of
    the installment's interest joins the principal, and what follows is worked out again."""
    reference, left, count = book.capitalise_at.pop(day)
    assert book.terms is not None and book.rate is not None
    row = next((r for r in book.rows if r.due_date == day), None)
    if row is None:  # a foreclosure replaced the installment: nothing is left to capitalise
        return
    unpaid = row.interest - book.paid[row.number, Component.INTEREST]
    if unpaid > 0:
        book.paid[row.number, Component.INTEREST] = row.interest
        part = Part(row.number, Component.INTEREST, unpaid)
        book.capitalised.append(Capitalised(day, f"{reference}@{day.isoformat()}", (part,)))
    rows = moratorium_rows(book.terms, book.rows, day, left, MoratoriumInterest.CAPITALISED,
                           book.rate, count, unpaid)  # fmt: skip
    book.set_rows(rows)


def disburse(book: Book, tranche: Tranche) -> None:
    """A further tranche: the principal grows and, by the terms' tranche repayment, the tenure
    is kept (a new EMI), the EMI is kept (full EMI), or interest only is paid until the last
    tranche, from which the EMI runs over the loan's number of installments (pre-EMI)."""
    terms = book.terms
    mode = terms.tranche_repayment if terms is not None else TrancheRepayment.EMI
    keep = Reschedule.REDUCE_TENURE if mode is TrancheRepayment.FULL_EMI else Reschedule.REDUCE_EMI
    plan: tuple[int | None, Decimal | None] = (None, None)
    if mode is TrancheRepayment.PRE_EMI and terms is not None:
        if pre_emi_running(terms, book.tranched, tranche.amount):
            keep = Reschedule.INTEREST_ONLY
        else:  # the last tranche: the EMI from the installment running
            plan = (terms.installments, None)
    book.revise(tranche.day, tranche.amount, book.rate, keep, tranche.reference, plan)
    book.tranched += tranche.amount
