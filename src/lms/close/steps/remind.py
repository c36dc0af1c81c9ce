"""Step: reminders to borrowers, queued by the close of a date D for the morning after (the
outbox sends them once the quiet hours end): an installment due in three days (D + 4), due
tomorrow (D + 2), due today (D + 1), and one that fell due on D and is still unpaid at its
day-end (missed). Each names the installment's unpaid amount and its due date.

On PostgreSQL the partition's reminders are found and queued in one statement
(lms.notices.queue_sql, proven equal to the outbox's own queueing by a test); elsewhere they
are read and queued through lms.notices.outbox.

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
from lms.notices.queue_sql import queue_messages_sql
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment

NAME = "remind"
KEY = "loan"
AHEAD = {1: "due_today", 2: "due_tomorrow", 4: "due_soon"}  # days after the closed date


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    events = {day: "missed", **{day + timedelta(days=k): e for k, e in AHEAD.items()}}
    if uow.session.get_bind().dialect.name == "postgresql":
        return _in_the_database(uow, day, low, high, events)
    i = LoanInstallment
    unpaid = i.principal + i.interest - i.principal_paid - i.interest_paid
    rows = uow.session.execute(
        select(i.loan_id, i.due_date, unpaid)
        .join(Loan, Loan.id == i.loan_id)
        .where(Loan.id.between(low, high), Loan.status == "active",
               # the range on both tables: the installments read by their (loan, due date)
               i.loan_id.between(low, high),  # index, not the whole table per partition
               i.due_date.in_(list(events)), unpaid > Decimal(0))
        .order_by(i.loan_id, i.due_date)
    ).all()  # fmt: skip
    messages = [
        Message(loan_id, events[due], {"amount": str(owed), "due_date": due.isoformat()})
        for loan_id, due, owed in rows
    ]
    queue_messages(uow, messages, day + timedelta(days=1))  # the next morning's
    return len({loan_id for loan_id, _, _ in rows})


# the same reminders as the query above, in the same order, as queue_messages_sql reads them
# (the amount as the stored amounts' text, as str() of the Decimal read gives it)
_REMINDERS = """
SELECT i.loan_id, l.customer_id, CASE i.due_date {events} END AS template,
       json_build_object('amount', (i.principal + i.interest - i.principal_paid
                                    - i.interest_paid)::text,
                         'due_date', to_char(i.due_date, 'YYYY-MM-DD')) AS data,
       row_number() OVER (ORDER BY i.loan_id, i.due_date) AS ord
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE l.id BETWEEN %(low)s AND %(high)s AND l.status = 'active'
  AND i.loan_id BETWEEN %(low)s AND %(high)s AND i.due_date = ANY(%(dues)s)
  AND i.principal + i.interest - i.principal_paid - i.interest_paid > 0
"""


def _in_the_database(
    uow: UnitOfWork, day: date, low: int, high: int, events: dict[date, str]
) -> int:
    """`run` on PostgreSQL: the partition's reminders queued in one statement; how many loans
    were reminded."""
    cases = " ".join(
        f"WHEN DATE '{due.isoformat()}' THEN '{event}'" for due, event in events.items()
    )
    source = _REMINDERS.format(events=cases)
    params = {"low": low, "high": high, "dues": list(events)}
    _, loans = queue_messages_sql(uow, source, params, day + timedelta(days=1))  # the next
    return loans  # morning's
