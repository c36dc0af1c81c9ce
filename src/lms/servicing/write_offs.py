"""Taking a loan off the books: a write-off (technical or full) and, for a compromise
settlement paid in full, the waiver of the rest (lms.collections.settlements decides when).

A write-off moves what the ledger holds for the loan on the business date (principal, interest
and charges receivable, the accrual, less the income held in suspense and the money held
unapplied) to the write-off expense in one entry of its own rule. From that day the loan's
history is closed: nothing is posted for it but money received, each payment a recovery (income
when received, RBI); the close no longer accrues, raises, levies or provisions for it.

- **technical**: the books only; the borrower still owes every rupee (the schedule, the
  statement and the collection case go on, and the claim is reported to the bureaus as written
  off); the status `written_off`.
- **full**: the lender also gives the claim up as lost: the account is closed at the loan
  level and its collection case closed; money that still comes is a recovery all the same.

Guarantees: nothing is written when a check fails; the loan is row-locked; the entry empties
every account of `WRITTEN_DOWN` for the loan, and the ledger check holds after it; the write-off
event records its actor, kind and reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lms.ledger import rules
from lms.ledger.accounts import Account
from lms.ledger.check import account_balances
from lms.ledger.rules import WRITTEN_DOWN
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.ledger_sync import check_loan_ledger
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.service import locked_loan

ZERO = Decimal(0)
KINDS = ("technical", "full")
# why a loan is written off (kept on its event, reported by reason)
REASONS = (
    "loss_asset",  # classified loss, or provisioned in full: no realistic recovery
    "deceased",  # the borrower died and nothing can be recovered from the estate
    "untraceable",  # the borrower cannot be found
    "fraud",
    "uneconomic",  # recovery would cost more than it brings
)


def held_on_books(uow: UnitOfWork, loan: Loan) -> dict[Account, Decimal]:
    """What the ledger holds for the loan on the accounts a write-off empties (debit minus
    credit)."""
    balances = account_balances(uow.session, str(loan.id))
    return {a: balances.get(a.value, ZERO) for a in WRITTEN_DOWN if balances.get(a.value)}


def checked_write_off(
    uow: UnitOfWork, *, loan_id: int, kind: str, reason: str, day: date
) -> tuple[Loan, Decimal]:
    """The loan (row-locked) and what writing it off on `day` would lose, if it may be
    written off; else the refusal naming the field and the reason."""
    loan = locked_loan(uow, loan_id)
    problems = []
    if kind not in KINDS:
        problems.append(("kind", f"must be one of {', '.join(KINDS)}"))
    if reason not in REASONS:
        problems.append(("reason", f"must be one of {', '.join(REASONS)}"))
    if problems:
        raise InvalidError(problems)
    if loan.status != "active" or loan.last_event_on is None:
        raise ConflictError(f"loan {loan.id} is {loan.status}: only an active loan is written off")
    if day < loan.last_event_on:
        raise ConflictError(
            f"the business date {day} is before the loan's last event on {loan.last_event_on}"
        )
    loss = sum(held_on_books(uow, loan).values(), ZERO)
    if loss <= 0:
        raise ConflictError(
            f"loan {loan.id} owes nothing on the books: there is nothing to write off"
        )
    return loan, loss


def write_off(
    uow: UnitOfWork, *, loan_id: int, kind: str, reason: str, posting_date: date
) -> LoanEvent:
    """Write the loan off on `posting_date` (the business date)."""
    loan, loss = checked_write_off(uow, loan_id=loan_id, kind=kind, reason=reason, day=posting_date)
    event = LoanEvent(
        loan_id=loan.id, kind="write_off", value_date=posting_date, amount=loss,
        reference="write-off", reason=f"{kind}:{reason}", created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(event)
    uow.session.flush()
    take_off_books(uow, loan, event, posting_date, kind=kind)
    loan.status = "written_off"
    return event


def take_off_books(
    uow: UnitOfWork, loan: Loan, event: LoanEvent, day: date, *, kind: str
) -> Decimal:
    """Post the entry that empties the loan's accounts on `day` (a write-off, or with `kind`
    "settlement" a settlement's waiver) for `event`, and close its books from that day: the
    loss (nothing is posted when the books hold nothing, a loan already written off)."""
    held = held_on_books(uow, loan)
    loss = sum(held.values(), ZERO)
    if held:
        settlement = kind == "settlement"
        entry = rules.write_off(
            str(loan.id), day, held, event.reference or "", settlement=settlement
        )
        post_entry(uow, entry, posting_date=day, event_id=event.id)
    loan.written_off_on = loan.written_off_on or day
    loan.write_off_kind = loan.write_off_kind or kind
    loan.accrued_interest, loan.accrued_through = ZERO, None
    check_loan_ledger(uow, loan, cause=event.id, on=day)
    return loss


def recovered(uow: UnitOfWork, loan: Loan) -> Decimal:
    """Money received on the loan since it left the books (its recovery income)."""
    income = account_balances(uow.session, str(loan.id)).get(Account.RECOVERY_INCOME.value)
    return -(income or ZERO)
