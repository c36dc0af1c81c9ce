"""Everything staff look at on one loan: its terms, borrower and product, its figures at the
business date, the installment plan with what is paid, every event with the journal entries
it caused, its mandates and its audit trail.

Guarantees: read only (no lock, no replay); figures as lms.close.listing gives them; events in
the order they were recorded, each with its entries (reversals included) and their lines in
id order; the audit trail newest first, at most `AUDIT_SHOWN` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import String, cast, or_, select

from lms.close.listing import LoanLine, loan_lines
from lms.close.portfolio import PlanRow, installment_plan
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.payments.models import Mandate
from lms.platform.audit import AuditRecord
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer, Loan, LoanEvent, Product

AUDIT_SHOWN = 50


@dataclass(frozen=True, slots=True)
class EntryLine:
    account: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    event: str  # the posting rule that made it
    value_date: date
    posting_date: date
    reverses_id: int | None
    lines: list[EntryLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EventView:
    """One event of the loan's history and the entries it caused."""

    event: LoanEvent
    entries: list[Entry]


@dataclass(frozen=True, slots=True)
class LoanView:
    loan: Loan
    customer: Customer
    product: Product
    line: LoanLine
    plan: list[PlanRow]
    events: list[EventView]
    mandates: list[Mandate]
    audit: list[AuditRecord]
    today: date


def loan_view(uow: UnitOfWork, *, loan_id: int, today: date) -> LoanView:
    """The loan `loan_id` as staff see it at the day-end of `today` (NotFoundError if none)."""
    loan, plan = installment_plan(uow, loan_id=loan_id, today=today)
    customer = uow.session.get(Customer, loan.customer_id)
    product = uow.session.get(Product, loan.product_id)
    assert customer is not None and product is not None  # foreign keys
    mandates = uow.session.scalars(
        select(Mandate).where(Mandate.loan_id == loan.id).order_by(Mandate.id)
    )
    return LoanView(
        loan, customer, product, loan_lines(uow, [loan], today)[loan.id], plan,
        _events(uow, loan.id), list(mandates), _audit(uow, loan.id), today,
    )  # fmt: skip


def _events(uow: UnitOfWork, loan_id: int) -> list[EventView]:
    events = list(
        uow.session.scalars(
            select(LoanEvent).where(LoanEvent.loan_id == loan_id).order_by(LoanEvent.id)
        )
    )
    entries: dict[int, Entry] = {}
    caused: dict[int, list[Entry]] = {}
    rows = uow.session.scalars(
        select(JournalEntryRow)
        .where(JournalEntryRow.loan_id == str(loan_id))
        .order_by(JournalEntryRow.id)
    )
    for row in rows:
        entry = Entry(row.id, row.event, row.value_date, row.posting_date, row.reverses_id)
        entries[row.id] = entry
        cause = row.cause_event_id or row.event_id
        if cause is not None:
            caused.setdefault(cause, []).append(entry)
    if entries:
        lines = uow.session.scalars(
            select(JournalLineRow)
            .where(JournalLineRow.entry_id.in_(sorted(entries)))
            .order_by(JournalLineRow.id)
        )
        for line in lines:
            entries[line.entry_id].lines.append(EntryLine(line.account, line.debit, line.credit))
    return [EventView(event, caused.get(event.id, [])) for event in events]


def _audit(uow: UnitOfWork, loan_id: int) -> list[AuditRecord]:
    """The loan's own records and those of its events, newest first."""
    event_ids = select(cast(LoanEvent.id, String)).where(LoanEvent.loan_id == loan_id)
    query = (
        select(AuditRecord)
        .where(
            or_(
                (AuditRecord.entity == "loans") & (AuditRecord.entity_id == str(loan_id)),
                (AuditRecord.entity == "loan_events") & AuditRecord.entity_id.in_(event_ids),
            )
        )
        .order_by(AuditRecord.id.desc())
        .limit(AUDIT_SHOWN)
    )
    return list(uow.session.scalars(query))
