"""What the bulk payment path reads of many loans at once, in a few queries: the stored
payments a batch's retries and reference checks compare with, and each loan's unpaid
installments by a value date. Reads only; nothing is written.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, or_, select

from lms.core.book import InstallmentState
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among
from lms.servicing.models import Loan, LoanEvent, LoanInstallment
from lms.servicing.payment_rules import MONEY_IN, PaymentRequest

CHUNK = 20_000  # ids per query


def earlier_payments(
    uow: UnitOfWork, wanted: dict[int, PaymentRequest]
) -> dict[int, list[tuple[LoanEvent, int]]]:
    """By loan: the stored events `repeated` reads for its payment (every payment with its
    reference, the loan's events with its idempotency key), with their loan's borrower."""
    by_reference = {request.reference: k for k, request in wanted.items()}
    keys = {k: r.idempotency_key for k, r in wanted.items() if r.idempotency_key is not None}
    found: dict[int, dict[int, tuple[LoanEvent, int]]] = {}
    references, keyed = list(by_reference), list(keys)
    for start in range(0, max(len(references), len(keyed)), CHUNK):
        chunk, loans = references[start : start + CHUNK], keyed[start : start + CHUNK]
        same_reference = and_(among(uow, LoanEvent.reference, chunk), LoanEvent.kind.in_(MONEY_IN))
        same_key = and_(
            among(uow, LoanEvent.loan_id, loans),
            among(uow, LoanEvent.idempotency_key, [keys[k] for k in loans]),
        )
        for event, customer in uow.session.execute(
            select(LoanEvent, Loan.customer_id)
            .join(Loan, Loan.id == LoanEvent.loan_id)
            .where(or_(same_reference, same_key) if loans else same_reference)
        ):
            if event.kind in MONEY_IN and event.reference in by_reference:
                found.setdefault(by_reference[event.reference], {})[event.id] = (event, customer)
            if keys.get(event.loan_id) == event.idempotency_key:
                found.setdefault(event.loan_id, {})[event.id] = (event, customer)
    return {k: list(events.values()) for k, events in found.items()}


def unpaid_installments(
    uow: UnitOfWork, loans: list[int], day: date
) -> tuple[dict[int, list[InstallmentState]], dict[int, date]]:
    """The loans' unpaid installments due by `day` and their next unpaid one after it; and
    the last due date by `day` of those with any (worked out in the database in one query:
    only the rows that matter come back)."""
    rows: dict[int, list[InstallmentState]] = {}
    last: dict[int, date] = {}
    item = LoanInstallment
    unpaid = item.principal + item.interest > item.principal_paid + item.interest_paid
    for start in range(0, len(loans), CHUNK):
        chunk = loans[start : start + CHUNK]
        dates = (
            select(
                item.loan_id,
                func.max(case((item.due_date <= day, item.due_date))).label("last"),
                func.min(case(((item.due_date > day) & unpaid, item.due_date))).label("next"),
            )
            .where(among(uow, item.loan_id, chunk))
            .group_by(item.loan_id)
            .subquery()
        )
        for loan_id, due, *row in uow.session.execute(
            select(item.loan_id, dates.c.last, item.number, item.due_date, item.principal)
            .add_columns(item.interest, item.principal_paid, item.interest_paid)
            .join(dates, dates.c.loan_id == item.loan_id)
            .where(among(uow, item.loan_id, chunk), unpaid)
            .where(or_(item.due_date <= day, item.due_date == dates.c.next))
            .order_by(item.loan_id, item.number)
        ):
            rows.setdefault(loan_id, []).append(InstallmentState(*row))
            if due is not None:
                last[loan_id] = due
    return rows, last
