"""Everything staff look at on one loan: its terms, borrower and product, its figures at the
business date, the installment plan with what is paid, its charges (paid, waived, unpaid),
its DPD and class month by month, every event with the journal entries it caused, its
mandates, the messages sent to its borrower and its audit trail.

Guarantees: read only (no lock; one replay, for the charges); figures as lms.close.listing
gives them; events in
the order they were recorded, each with its entries (reversals included) and their lines in
id order; the audit trail newest first, at most `AUDIT_SHOWN` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import String, cast, or_, select

from lms.close.listing import LoanLine, loan_lines
from lms.close.models import LoanSnapshot
from lms.close.portfolio import PlanRow, installment_plan, projected_plan
from lms.core.charge_positions import ChargePosition
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.notices.models import Notice
from lms.payments.models import Mandate
from lms.platform.audit import AuditRecord
from lms.platform.db import UnitOfWork
from lms.servicing.charges import positions
from lms.servicing.models import Customer, Loan, LoanEvent, Product

AUDIT_SHOWN = 50
MESSAGES_SHOWN = 50
MONTHS_SHOWN = 24


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
    charges: list[ChargePosition] = field(default_factory=list)  # levied, paid, waived, unpaid
    dpd_history: list[DpdPoint] = field(default_factory=list)  # month-ends, newest first
    messages: list[Notice] = field(default_factory=list)  # newest first
    # interest on the actual balance: the next installments as they will stand on the next
    # due date if nothing more is paid, and that date
    projected: list[PlanRow] = field(default_factory=list)
    projected_to: date | None = None


@dataclass(frozen=True, slots=True)
class DpdPoint:
    """The loan at a month's last day-end the close kept (or the latest one)."""

    day: date
    dpd: int
    asset_class: str
    overdue: Decimal


def loan_view(uow: UnitOfWork, *, loan_id: int, today: date) -> LoanView:
    """The loan `loan_id` as staff see it at the day-end of `today` (NotFoundError if none)."""
    loan, plan = installment_plan(uow, loan_id=loan_id, today=today)
    customer = uow.session.get(Customer, loan.customer_id)
    product = uow.session.get(Product, loan.product_id)
    assert customer is not None and product is not None  # foreign keys
    mandates = uow.session.scalars(
        select(Mandate).where(Mandate.loan_id == loan.id).order_by(Mandate.id)
    )
    notices = select(Notice).where(Notice.loan_id == loan.id).order_by(Notice.id.desc())
    return LoanView(
        loan, customer, product, loan_lines(uow, [loan], today)[loan.id], plan,
        _events(uow, loan.id), list(mandates), _audit(uow, loan.id), today,
        positions(uow, loan.id, today), _dpd_history(uow, loan.id),
        list(uow.session.scalars(notices.limit(MESSAGES_SHOWN))),
        *_projected(uow, loan, today),
    )  # fmt: skip


def _projected(uow: UnitOfWork, loan: Loan, today: date) -> tuple[list[PlanRow], date | None]:
    """A loan with interest on the actual balance: its next three installments as they will
    stand on the next due date if nothing more is paid (none for other loans)."""
    if not loan.terms.get("interest_on_actual_balance"):
        return [], None
    _, to, plan = projected_plan(uow, loan_id=loan.id, today=today)
    return [row for row in plan if to is not None and row.due_date >= to][:3], to


def _dpd_history(uow: UnitOfWork, loan_id: int) -> list[DpdPoint]:
    """The last day-end of each month the close kept for the loan (the latest day-end for the
    month running), newest first, at most `MONTHS_SHOWN`."""
    s = LoanSnapshot
    rows = uow.session.execute(
        select(s.day, s.dpd, s.asset_class, s.principal_due + s.interest_due)
        .where(s.loan_id == loan_id)
        .order_by(s.day.desc())
        .limit(MONTHS_SHOWN * 31)
    )
    points: dict[tuple[int, int], DpdPoint] = {}
    for day, dpd, asset_class, overdue in rows:
        points.setdefault((day.year, day.month), DpdPoint(day, dpd, asset_class, overdue))
    return list(points.values())[:MONTHS_SHOWN]


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
