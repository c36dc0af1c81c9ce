"""Taking a repayment: store the payment, replay the loan, post the ledger, update the state.

Guarantees: in one transaction the payment event, the journal entries it causes and the loan's
stored installments change together; the same idempotency key never posts twice; two payments
on one loan are serialised by the loan's row lock.

A payment dated before the loan's last event, and a reversal, are replayed from the start;
the ledger follows by its posting rules (lms.servicing.ledger_sync): entries the replay changed are
restated (reversed and posted again), each naming the event that caused it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.core.events import Event, ReversalReason
from lms.core.replay import LoanState
from lms.ledger import rules
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing import payment_rules
from lms.servicing.ledger_sync import settle_ledger
from lms.servicing.models import Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.payment_rules import MONEY_IN, Payable
from lms.servicing.payment_rules import PaymentRequest as PaymentRequest
from lms.servicing.service import (
    loan_history,
    loan_terms,
    locked_loan,
    payment_rules_of,
    reference_taken,
    replayed,
)
from lms.servicing.stored_state import store_state

_MONEY_IN = MONEY_IN  # event kinds that bring money in (and can be returned)


def record_payment(
    uow: UnitOfWork, *, loan_id: int, request: PaymentRequest, posting_date: date
) -> tuple[LoanEvent, bool]:
    """Apply a repayment to loan `loan_id`; returns (the payment event, whether it is new)."""
    loan, earlier, request = _admitted(uow, loan_id, request, posting_date)
    if earlier is not None:
        return earlier, False
    return _recorded(uow, loan, request, posting_date), True


def try_payment(
    uow: UnitOfWork, *, loan_id: int, request: PaymentRequest, posting_date: date
) -> tuple[LoanEvent, bool] | str:
    """`record_payment`'s answer, or the reason it refuses the payment, given before anything
    is written (a missing or closed loan, a conflicting reference, a value date or an amount
    the payment rules refuse): a caller can hold the money instead, in the same transaction."""
    try:
        loan, earlier, request = _admitted(uow, loan_id, request, posting_date)
    except (ConflictError, InvalidError, NotFoundError) as exc:
        return str(exc)
    if earlier is not None:
        return earlier, False
    return _recorded(uow, loan, request, posting_date), True


def _admitted(
    uow: UnitOfWork, loan_id: int, request: PaymentRequest, posting_date: date
) -> tuple[Loan, LoanEvent | None, PaymentRequest]:
    """The loan, locked, the earlier payment this one repeats (None: a new payment that
    passes every check of the payment rules) and the payment as it will be taken; a refusal
    raises. Writes nothing."""
    loan = locked_loan(uow, loan_id)
    request = _as_recovery(loan, request, posting_date)
    earlier = _repeated(uow, loan, request)
    if earlier is None:
        _check(uow, loan, request, posting_date)
    return loan, earlier, request


def _as_recovery(loan: Loan, request: PaymentRequest, posting_date: date) -> PaymentRequest:
    """Money for a loan written off, dated on or before the write-off (a receipt of that day
    found later, a cheque, a gateway's late webhook): its history up to the write-off is
    closed, so it is taken as a recovery on the day after (refused on the write-off day
    itself: from the next business date)."""
    off = loan.written_off_on
    if loan.status != "written_off" or off is None or request.value_date > off:
        return request
    after = off + timedelta(days=1)
    if after > posting_date:
        raise ConflictError(
            f"loan {loan.id} was written off on {off}: money for it is taken from {after}"
        )
    return replace(request, value_date=after)


def _recorded(
    uow: UnitOfWork, loan: Loan, request: PaymentRequest, posting_date: date
) -> LoanEvent:
    """The new payment stored and applied: the loan replayed, its ledger and figures settled."""
    event = LoanEvent(
        loan_id=loan.id,
        kind=request.kind,
        value_date=request.value_date,
        amount=request.amount,
        reference=request.reference,
        channel=request.channel,
        idempotency_key=request.idempotency_key,
        reschedule=request.reschedule,
        created_at=datetime.now(UTC),
    )
    uow.session.add(event)
    uow.session.flush()
    history = loan_history(uow, loan)
    assert loan.last_event_on is not None
    day, last = request.value_date, loan.last_event_on
    state = replayed(uow, loan, max(day, last), history)
    on_its_day = state if day >= last else replayed(uow, loan, day, history)
    applied = next(a for a in on_its_day.applied if a.payment.reference == request.reference)
    if request.reschedule is not None and applied.held:
        raise ConflictError(
            f"prepayment {request.reference!r} would repay all the principal not yet due:"
            " foreclose the loan instead"
        )
    # a payment changes nothing dated before its value date: only entries from then on compare
    own = {
        f"{'repayment' if request.reschedule is None else 'prepayment'}:{request.reference}": event.id
    }
    _settle(uow, loan, state, history[1], event.id, day, posting_date, since=day, known=own)
    return event


def reverse_payment(
    uow: UnitOfWork,
    *,
    loan_id: int,
    event_id: int,
    known_on: date,
    posting_date: date,
    reason: ReversalReason = ReversalReason.RETURNED,
    return_code: str | None = None,
) -> LoanEvent:
    """Void payment `event_id` as known on `known_on`: returned by the bank (`return_code`, the
    NPCI or cheque return code; the product's bounce charge is levied) or posted in error (no
    charge; the money goes to receipts suspense, to be matched to the right loan)."""
    loan = locked_loan(uow, loan_id)
    payment = uow.session.get(LoanEvent, event_id)
    if payment is None or payment.loan_id != loan.id or payment.kind not in _MONEY_IN:
        raise NotFoundError("payment", event_id)
    if known_on < payment.value_date:
        raise InvalidError(
            [("known_on", f"is before the payment's value date {payment.value_date}")]
        )
    if loan.written_off_on is not None and payment.value_date <= loan.written_off_on:
        raise ConflictError(
            f"loan {loan.id} was written off on {loan.written_off_on}: its history up to then"
            " is closed (a payment before it cannot be reversed)"
        )
    if reference_taken(uow, loan.id, "reversal", payment.reference):
        raise ConflictError(f"payment {event_id} is already reversed")
    returned = reason is ReversalReason.RETURNED
    reversal = LoanEvent(
        loan_id=loan.id,
        kind="reversal",
        value_date=known_on,
        reference=payment.reference,
        reason=f"returned:{return_code or ''}".rstrip(":") if returned else reason.value,
        created_at=datetime.now(UTC),
    )
    uow.session.add(reversal)
    if returned and loan.written_off_on is None:  # off the books: no charge, and no GST
        _levy_bounce_charge(uow, loan, payment, known_on)
    uow.session.flush()
    resettle(uow, loan, day=known_on, posting_date=posting_date, cause=reversal.id)
    if not returned:  # the money stays with the lender, unmatched, until a person places it
        assert payment.amount is not None
        held = rules.receipt_to_suspense(payment.value_date, payment.amount)
        post_entry(uow, held, posting_date=posting_date, cause_event_id=reversal.id)
    return reversal


def book_event(
    uow: UnitOfWork, loan: Loan, *, kind: str, value_date: date, posting_date: date, **fields: Any
) -> LoanEvent:
    """Store an event of `loan` (a refund, a tranche, a rate change: `fields` are its other
    columns) and settle the loan because of it (`resettle`)."""
    event = LoanEvent(
        loan_id=loan.id, kind=kind, value_date=value_date, created_at=datetime.now(UTC), **fields
    )
    uow.session.add(event)
    uow.session.flush()
    resettle(uow, loan, day=value_date, posting_date=posting_date, cause=event.id)
    return event


def resettle(
    uow: UnitOfWork, loan: Loan, *, day: date, posting_date: date, cause: int | None = None
) -> LoanState:
    """After an event on `day` was stored (`cause`, if one): replay the loan to its last event
    (or `day`, if later), raise the dues up to then, store the state and bring the ledger to
    what its rules derive from it."""
    assert loan.last_event_on is not None
    as_of = max(loan.last_event_on, day)
    history = loan_history(uow, loan)
    state = replayed(uow, loan, as_of, history)
    _settle(uow, loan, state, history[1], cause, day, posting_date)
    return state


def _settle(
    uow: UnitOfWork,
    loan: Loan,
    state: LoanState,
    events: list[Event],
    cause: int | None,
    day: date,
    posting_date: date,
    since: date | None = None,
    known: dict[str, int] | None = None,
) -> None:
    """Raise the dues up to the state's day, store the state, settle the ledger (`since`: the
    event changes nothing dated before it; what this call raises or applies anew since the
    loan's last event and last raised due is compared too)."""
    if since is not None:
        since = min([since, *(d + timedelta(days=1) for d in _known_dates(loan))])
    _raise_dues(loan, state)
    store_state(uow, loan, state)
    settle_ledger(
        uow, loan, state, events, cause=cause, day=day, posting_date=posting_date, since=since,
        known=known,
    )  # fmt: skip
    uow.session.flush()


def _known_dates(loan: Loan) -> list[date]:
    """The days through which the loan's ledger was settled: its last event and its last due
    raised (entries after them may be new)."""
    return [d for d in (loan.last_event_on, loan.interest_posted_through) if d is not None]


def _raise_dues(loan: Loan, state: LoanState) -> None:
    """Installments falling due by the state's day have their interest raised (the ledger's
    interest_due entries follow from `interest_posted_through`, as in the daily close)."""
    due = [i.due_date for i in state.installments if i.due_date <= state.as_of]
    if due and (loan.interest_posted_through is None or max(due) > loan.interest_posted_through):
        loan.interest_posted_through = max(due)


def refund_excess(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    value_date: date,
    reference: str,
    posting_date: date,
) -> LoanEvent:
    """Pay unapplied funds back to the borrower (an overpayment, or money left at closure)."""
    loan = locked_loan(uow, loan_id)
    if loan.last_event_on is None:
        raise ConflictError(f"loan {loan_id} is not disbursed; it holds no funds")
    if loan.written_off_on is not None:
        raise ConflictError(f"loan {loan_id} is off the books: what it receives is recovery income")
    if value_date < loan.last_event_on:
        raise ConflictError(
            f"refund date {value_date} is before the loan's last event on {loan.last_event_on}"
        )
    precision = loan_terms(loan).precision
    if precision.apply(amount) != amount:
        raise InvalidError(
            [("amount", f"must be a multiple of the loan's precision {precision.step}")]
        )
    if reference_taken(uow, loan.id, "refund", reference):
        raise ConflictError(f"reference {reference!r} is already a refund of loan {loan.id}")
    before = replayed(uow, loan, value_date)
    if not 0 < amount <= before.excess:
        raise InvalidError(
            [("amount", f"must be more than 0 and at most the unapplied funds {before.excess}")]
        )
    return book_event(
        uow, loan, kind="refund", value_date=value_date, posting_date=posting_date,
        amount=amount, reference=reference,
    )  # fmt: skip


def _levy_bounce_charge(uow: UnitOfWork, loan: Loan, payment: LoanEvent, known_on: date) -> None:
    """The product's bounce charge (with its tax) on a returned payment, owed from `known_on`."""
    product = uow.session.get(Product, loan.product_id)
    if product is None or not product.bounce_charge:
        return
    precision = loan_terms(loan).precision
    amount = precision.apply(product.bounce_charge)
    tax = precision.apply(amount * (product.bounce_charge_tax or Decimal(0)) / 100)
    uow.session.add(
        LoanEvent(
            loan_id=loan.id,
            kind="charge",
            value_date=known_on,
            amount=amount,
            tax=tax,
            reference=f"bounce:{payment.reference}",
            created_at=datetime.now(UTC),
        )
    )


def _repeated(uow: UnitOfWork, loan: Loan, request: PaymentRequest) -> LoanEvent | None:
    """The earlier payment with this idempotency key (a retry), or None; a conflict raises
    (lms.servicing.payment_rules.repeated). One query for all the events it reads."""
    same_reference = LoanEvent.kind.in_(MONEY_IN) & (LoanEvent.reference == request.reference)
    condition = same_reference
    if request.idempotency_key is not None:
        same_key = LoanEvent.idempotency_key == request.idempotency_key
        condition = condition | ((LoanEvent.loan_id == loan.id) & same_key)
    found = uow.session.execute(
        select(LoanEvent, Loan.customer_id)
        .join(Loan, Loan.id == LoanEvent.loan_id)
        .where(condition)
    ).all()
    return payment_rules.repeated(payable(loan), request, [(e, c) for e, c in found])


def _check(uow: UnitOfWork, loan: Loan, request: PaymentRequest, posting_date: date) -> None:
    rules = payment_rules_of(uow, loan.product_id)
    payment_rules.check(payable(loan, rules.backdate_days), request, posting_date)
    if loan.status in ("active", "written_off"):  # a recovery is held to what is owed too
        ceiling = rules.payment_ceiling or payment_rules.DEFAULT_PAYMENT_CEILING
        payment_rules.plausible(request.amount, could_owe(uow, loan.id), ceiling)


def payable(loan: Loan, back: int | None = None) -> Payable:
    """What the payment rules read of a loan (and how far back its product lets a value date
    go; None: the default)."""
    step = loan_terms(loan).precision.step
    return Payable(
        loan.id, loan.customer_id, loan.status, loan.disbursed_on, step,
        payment_rules.DEFAULT_BACKDATE_DAYS if back is None else back,
    )  # fmt: skip


def could_owe(uow: UnitOfWork, loan_id: int) -> Decimal:
    """All a loan could still owe, from its stored state: every installment's unpaid
    principal and interest, and every charge ever levied on it (with its tax)."""
    i, e = LoanInstallment, LoanEvent
    charges = (e.loan_id == loan_id, e.kind.in_(("charge", "penal")))
    mine = i.loan_id == loan_id
    due, paid, charged, taxed = uow.session.execute(
        select(  # one round trip
            select(func.sum(i.principal + i.interest)).where(mine).scalar_subquery(),
            select(func.sum(i.principal_paid + i.interest_paid)).where(mine).scalar_subquery(),
            select(func.sum(e.amount)).where(*charges).scalar_subquery(),
            select(func.sum(e.tax)).where(*charges).scalar_subquery(),
        )
    ).one()
    return sum((v or Decimal(0) for v in (due, charged, taxed)), Decimal(0)) - (paid or 0)
