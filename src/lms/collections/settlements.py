"""One-time settlements: a borrower who cannot pay it all agrees to pay less, by a plan of
instalments, and the rest is waived once the agreed sum is in.

An offer is checked (`checked_offer`), asked for by one person and agreed on another's approval
(maker-checker: a settlement needs an authority above the one that asked); the close then
follows each open settlement (`follow`): money received on the loan from the day it was agreed
counts towards it once cleared; when the agreed sum is in, the rest of the loan is waived by an entry of the
settlement's rule (lms.servicing.write_offs: the books emptied, the loss named), the loan is
`settled` and the bureaus are told so; a plan instalment unpaid past the grace days
(LMS_SETTLEMENT_GRACE_DAYS) breaks the settlement, and the loan is owed in full as before.

Guarantees: one open settlement per loan; a plan's instalments add up to the agreed sum, fall on
or after the day it is agreed, each on its own day; an agreed sum is less than the loan owes
(else it is a foreclosure, not a settlement); nothing is written when a check fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.collections.models import Settlement
from lms.payments.models import Presentation
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing import write_offs
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.payment_rules import MONEY_IN
from lms.servicing.service import existing_loan, loan_terms, locked_loan, replayed
from lms.servicing.write_offs import recovered, take_off_books

ZERO = Decimal(0)
SETTLEABLE = ("active", "written_off")  # a loan on the books, or written off with its claim


@dataclass(frozen=True, slots=True)
class PlanStep:
    due_on: date
    amount: Decimal


def owed_now(uow: UnitOfWork, loan: Loan, day: date) -> Decimal:
    """What the loan owes on `day` if paid off: principal not repaid, interest and charges
    due and unpaid, less the money it holds."""
    state = replayed(uow, loan, max(day, loan.last_event_on or day))
    return state.principal_outstanding + state.interest_due + state.charges_due - state.excess


def checked_offer(
    uow: UnitOfWork, *, loan_id: int, amount: Decimal, plan: list[PlanStep], day: date
) -> tuple[Loan, Decimal]:
    """The loan and what it owes, if a settlement of `amount` paid by `plan` may be agreed on
    `day`; else the refusal naming the field and the reason."""
    loan = existing_loan(uow, loan_id)
    if loan.status not in SETTLEABLE or loan.last_event_on is None:
        raise ConflictError(f"loan {loan.id} is {loan.status}: it cannot be settled")
    if open_settlement(uow, loan.id) is not None:
        raise ConflictError(f"loan {loan.id} already has an open settlement")
    step = loan_terms(loan).precision
    problems = []
    if amount <= 0 or step.apply(amount) != amount:
        problems.append(("amount", f"must be more than 0, a multiple of {step.step}"))
    days = [p.due_on for p in plan]
    if not plan or days != sorted(set(days)) or days[0] < day:
        problems.append(("plan", f"needs instalments on distinct days from {day} on, in order"))
    elif any(p.amount <= 0 or step.apply(p.amount) != p.amount for p in plan):
        problems.append(("plan", "each instalment must be more than 0, in the loan's unit"))
    elif sum((p.amount for p in plan), ZERO) != amount:
        problems.append(("plan", f"its instalments must add up to the amount {amount}"))
    if problems:
        raise InvalidError(problems)
    owed = owed_now(uow, loan, day)
    if amount >= owed:
        raise InvalidError(
            [("amount", f"must be less than the {owed} the loan owes: else foreclose it")]
        )
    return loan, owed


def agree(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    plan: list[PlanStep],
    asked_by: str,
    approved_by: str,
    day: date,
) -> Settlement:
    """The settlement agreed on `day` (on a second person's approval)."""
    locked_loan(uow, loan_id)  # one settlement agreed at a time per loan
    loan, owed = checked_offer(uow, loan_id=loan_id, amount=amount, plan=plan, day=day)
    last = uow.session.scalar(select(func.max(LoanEvent.id)).where(LoanEvent.loan_id == loan.id))
    row = Settlement(
        loan_id=loan.id, amount=amount, owed=owed, agreed_on=day, status="open",
        asked_by=asked_by, approved_by=approved_by, paid=ZERO, after_event=last or 0,
        plan=[{"due_on": p.due_on.isoformat(), "amount": str(p.amount)} for p in plan],
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def open_settlement(uow: UnitOfWork, loan_id: int) -> Settlement | None:
    return uow.session.scalar(
        select(Settlement).where(Settlement.loan_id == loan_id, Settlement.status == "open")
    )


def follow(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """The close's work on the open settlements of loans `low`..`high` at the day-end of
    `day`: each completed, broken or left open; how many changed. Money counts once it has
    cleared: while a debit presented for the loan awaits the bank's answer, the settlement is
    not completed (it may be broken: what has not cleared does not keep it)."""
    rows = uow.session.scalars(
        select(Settlement)
        .where(Settlement.status == "open", Settlement.loan_id.between(low, high))
        .order_by(Settlement.id)
    ).all()
    changed = 0
    for row in rows:
        loan = locked_loan(uow, row.loan_id)  # a write-off or a payment waits for this one
        paid = _paid_towards(uow, row, day)
        row.paid = paid
        if loan.status not in SETTLEABLE:  # repaid in full or foreclosed meanwhile
            row.status, row.closed_on = "superseded", day
        elif paid >= row.amount and not _awaiting(uow, loan.id):
            complete(uow, row, loan, day)
        elif _late(row, paid - _uncleared(uow, loan.id), day):
            row.status, row.closed_on = "broken", day
        else:
            continue
        changed += 1
    return changed


def _paid_towards(uow: UnitOfWork, row: Settlement, day: date) -> Decimal:
    """Money received on the loan since the settlement was agreed (events after the last one
    it had then: money it owed less of is not counted twice), not returned, by `day`."""
    e = LoanEvent
    returned = select(e.reference).where(e.loan_id == row.loan_id, e.kind == "reversal")
    total = uow.session.scalar(
        select(func.sum(e.amount)).where(
            e.loan_id == row.loan_id, e.kind.in_(MONEY_IN), e.id > row.after_event,
            e.value_date <= day, e.reference.not_in(returned),
        )
    )  # fmt: skip
    return total or ZERO


def _awaiting(uow: UnitOfWork, loan_id: int) -> bool:
    """Whether a debit presented for the loan still awaits the bank's answer."""
    p = Presentation
    found = select(p.id).where(p.loan_id == loan_id, p.status == "presented").limit(1)
    return uow.session.scalar(found) is not None


def _uncleared(uow: UnitOfWork, loan_id: int) -> Decimal:
    """What the debits presented for the loan and not yet answered bring, if they clear."""
    p = Presentation
    total = uow.session.scalar(
        select(func.sum(p.amount)).where(p.loan_id == loan_id, p.status == "presented")
    )
    return total or ZERO


def checked_write_off(
    uow: UnitOfWork, *, loan_id: int, kind: str, reason: str, day: date
) -> tuple[Loan, Decimal]:
    """`lms.servicing.write_offs.checked_write_off`, and refused while a debit presented for
    the loan awaits the bank's answer (its return would reopen the closed history)."""
    loan, loss = write_offs.checked_write_off(
        uow, loan_id=loan_id, kind=kind, reason=reason, day=day
    )
    if _awaiting(uow, loan.id):
        raise ConflictError(
            f"a debit presented for loan {loan.id} awaits the bank's answer: write it off after"
        )
    return loan, loss


def write_off(
    uow: UnitOfWork, *, loan_id: int, kind: str, reason: str, posting_date: date
) -> LoanEvent:
    """Write the loan off (lms.servicing.write_offs), checked as `checked_write_off` does."""
    checked_write_off(uow, loan_id=loan_id, kind=kind, reason=reason, day=posting_date)
    return write_offs.write_off(
        uow, loan_id=loan_id, kind=kind, reason=reason, posting_date=posting_date
    )


def _late(row: Settlement, paid: Decimal, day: date) -> bool:
    """Whether an instalment due more than the grace days before `day` is not yet covered by
    what was paid (instalments are met in order)."""
    grace = timedelta(days=get_settings().settlement_grace_days)
    due = ZERO
    for step in plan_of(row):
        due += step.amount
        if step.due_on + grace < day and paid < due:
            return True
    return False


def complete(uow: UnitOfWork, row: Settlement, loan: Loan, day: date) -> None:
    """The agreed sum is in: the rest of the loan (row-locked) waived on `day` and the loan
    settled."""
    event = LoanEvent(
        loan_id=loan.id, kind="settlement", value_date=day, amount=row.amount,
        reference=f"settlement-{row.id}", created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(event)
    uow.session.flush()
    row.waived = take_off_books(uow, loan, event, day, kind="settlement")
    row.status, row.closed_on = "completed", day
    loan.status, loan.closed_on = "settled", day


def plan_of(row: Settlement) -> list[PlanStep]:
    return [PlanStep(date.fromisoformat(p["due_on"]), Decimal(p["amount"])) for p in row.plan]


def bureau_status(loan: Loan) -> str | None:
    """How the credit bureaus are to be told the account ended, if it did otherwise than
    paid: "written_off", "settled", or "post_write_off_settled" (settled after a write-off)."""
    if loan.status == "settled":
        return "settled" if loan.write_off_kind == "settlement" else "post_write_off_settled"
    if loan.status == "written_off":
        return "written_off"
    return None


@dataclass(frozen=True, slots=True)
class Standing:
    """A loan's standing off the books, as the API and the loan's page show it."""

    status: str
    written_off_on: date | None
    write_off_kind: str | None  # technical, full, settlement
    written_off: Decimal  # taken off the books: the write-off's, and settlements' waivers
    recovered: Decimal  # received since, as recovery income
    bureau_status: str | None
    settlements: list[Settlement]


def standing(uow: UnitOfWork, loan_id: int) -> Standing:
    loan = existing_loan(uow, loan_id)
    rows = list(uow.session.scalars(
        select(Settlement).where(Settlement.loan_id == loan.id).order_by(Settlement.id.desc())
    ))  # fmt: skip
    written_off = uow.session.scalar(
        select(LoanEvent.amount).where(LoanEvent.loan_id == loan.id, LoanEvent.kind == "write_off")
    )
    waived = sum((r.waived or ZERO for r in rows), ZERO)
    return Standing(
        loan.status, loan.written_off_on, loan.write_off_kind, (written_off or ZERO) + waived,
        recovered(uow, loan), bureau_status(loan), rows,
    )  # fmt: skip


def shown(row: Settlement) -> dict[str, Any]:
    """A settlement as the API and the pages show it."""
    return {
        "id": row.id, "loan_id": row.loan_id, "amount": row.amount, "owed": row.owed,
        "agreed_on": row.agreed_on, "status": row.status, "paid": row.paid,
        "waived": row.waived, "closed_on": row.closed_on, "asked_by": row.asked_by,
        "approved_by": row.approved_by, "plan": row.plan,
    }  # fmt: skip
