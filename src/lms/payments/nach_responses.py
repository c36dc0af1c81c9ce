"""The sponsor bank's NACH response file applied: each debit presented is marked paid, or
returned (the payment reversed, the product's bounce charge levied by the reversal, a notice
queued to the borrower).

Guarantees: the file is refused whole, nothing applied, when a line answers a debit never
presented or another amount than presented, is cut short, or its control line disagrees
(lms.payments.nach_files); a line for a debit already answered does nothing (a file read
twice, or a late duplicate); all in the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.core.events import ReversalReason
from lms.notices.service import queue_notice
from lms.payments.models import Presentation
from lms.payments.nach_files import REASONS, NachFileError, Response, read_response
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among
from lms.platform.errors import InvalidError
from lms.servicing.models import LoanEvent
from lms.servicing.repayments import reverse_payment


@dataclass(frozen=True)
class ResponseResult:
    lines: int
    paid: int
    returned: int
    repeated: int  # answered before: nothing done


def apply_response(uow: UnitOfWork, content: bytes, *, posting_date: date) -> ResponseResult:
    """Apply the sponsor bank's response file."""
    try:
        lines = read_response(content)
    except NachFileError as exc:
        raise InvalidError([("file", str(exc))]) from None
    presented = _presented(uow, lines)
    counts = {"paid": 0, "returned": 0, "repeated": 0}
    for line in lines:
        p = presented[line.reference]
        if p.status != "presented":
            counts["repeated"] += 1
        elif line.paid:
            p.status, p.resolved_at = "paid", datetime.now(UTC)
            counts["paid"] += 1
        else:
            _returned(uow, p, line.reason_code, posting_date)
            counts["returned"] += 1
    uow.session.flush()
    return ResponseResult(len(lines), counts["paid"], counts["returned"], counts["repeated"])


def _presented(uow: UnitOfWork, lines: list[Response]) -> dict[str, Presentation]:
    """The presentations the lines answer, locked (read a few thousand at a time); a line for
    a debit we never presented, or for another amount, refuses the whole (wrong or forged) file."""
    found: dict[str, Presentation] = {}
    references = [line.reference for line in lines]
    for start in range(0, len(references), 5_000):
        chunk = among(uow, Presentation.reference, references[start : start + 5_000])
        query = select(Presentation).where(chunk).order_by(Presentation.id).with_for_update()
        found.update((p.reference, p) for p in uow.session.scalars(query))
    problems = []
    for number, line in enumerate(lines, start=2):
        p = found.get(line.reference)
        if p is None:
            problems.append(("file", f"line {number}: {line.reference!r} was never presented"))
        elif line.amount is not None and line.amount != p.amount:
            problems.append(
                ("file", f"line {number}: {line.amount} answered, {p.amount:.2f} presented")
            )
    if problems:
        raise InvalidError(problems)
    return found


def _returned(uow: UnitOfWork, p: Presentation, reason: str, posting_date: date) -> None:
    payment = uow.session.scalar(
        select(LoanEvent).where(
            LoanEvent.loan_id == p.loan_id,
            LoanEvent.reference == p.reference,
            LoanEvent.kind == "payment",
        )
    )
    if payment is not None:
        reverse_payment(uow, loan_id=p.loan_id, event_id=payment.id, known_on=posting_date,
                        posting_date=posting_date, reason=ReversalReason.RETURNED,
                        return_code=reason)  # fmt: skip
    p.status, p.reason_code, p.resolved_at = "returned", reason, datetime.now(UTC)
    queue_notice(uow, loan_id=p.loan_id, template="nach_returned", day=posting_date, data={
        "amount": str(p.amount.quantize(Decimal("0.01"))), "due_date": p.due_date.isoformat(),
        "reason": REASONS.get(reason, f"reason {reason}"), "reference": p.reference,
    })  # fmt: skip
