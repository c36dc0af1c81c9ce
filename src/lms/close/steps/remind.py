"""Step: reminders to borrowers, queued by the close of a date D for the morning after (the
outbox sends them once the quiet hours end): an installment due in three days (D + 4), due
tomorrow (D + 2), due today (D + 1), and one that fell due on D and is still unpaid at its
day-end (missed). Each names the installment's unpaid amount and its due date.

Guarantees: active loans only, and only installments with something unpaid; each reminder is
queued once (the partition's marker is written with it); opt-outs and the day's cap per
borrower and channel are the outbox's (lms.notices.outbox), so a borrower who opted out gets
a kept, unsent notice and nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.notices.outbox import Message, queue_messages
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment

NAME = "remind"
KEY = "loan"
AHEAD = {1: "due_today", 2: "due_tomorrow", 4: "due_soon"}  # days after the closed date


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    i = LoanInstallment
    ahead = {day + timedelta(days=k): event for k, event in AHEAD.items()}
    unpaid = i.principal + i.interest - i.principal_paid - i.interest_paid
    rows = uow.session.execute(
        select(i.loan_id, i.due_date, unpaid)
        .join(Loan, Loan.id == i.loan_id)
        .where(Loan.id.between(low, high), Loan.status == "active",
               i.due_date.in_([day, *ahead]), unpaid > Decimal(0))
        .order_by(i.loan_id, i.due_date)
    ).all()  # fmt: skip
    messages = [
        Message(loan_id, "missed" if due == day else ahead[due],
                {"amount": str(owed), "due_date": due.isoformat()})
        for loan_id, due, owed in rows
    ]  # fmt: skip
    queue_messages(uow, messages, day + timedelta(days=1))  # the next morning's
    return len({loan_id for loan_id, _, _ in rows})
