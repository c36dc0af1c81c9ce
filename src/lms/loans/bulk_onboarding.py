"""Bulk onboarding: a book of existing loans of one product booked and disbursed at once.

For migrating a portfolio from another system. Schedules come from the vectorised lane
(lms.loans.bulk); each loan gets what `onboard_loan` + `disburse_loan` write (the loan, its
disbursement event, its installments, a balanced disbursement journal entry), written with
PostgreSQL COPY (executemany elsewhere). The APR is not recomputed: it is the origination
system's KFS figure, and `apr` stays empty for these loans.

Guarantees: one transaction (the caller commits); a loan the core refuses raises ScheduleError
naming it and nothing is written; `lms ledger check` passes on the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from lms.core.kfs import fee_amount
from lms.core.terms import BPITreatment, FeePayee, LoanTerms
from lms.db import UnitOfWork
from lms.db.bulk import copy_rows
from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.loans.bulk import LoanColumns, ScheduleBatch, generate_schedules
from lms.loans.catalog import latest_product
from lms.loans.models import FIRST_STAMP, Loan, LoanEvent, LoanInstallment
from lms.loans.service import interest_from, loan_spec, product_template

Row = tuple[Any, ...]


@dataclass(frozen=True)
class BulkBook:
    """Loans of one product and branch: their application ids, customers and columns."""

    external_ids: Sequence[str]
    customer_ids: Sequence[int]
    loans: LoanColumns


def onboard_bulk(uow: UnitOfWork, *, product_code: str, branch_code: str, book: BulkBook) -> int:
    """Book and disburse every loan of `book`; returns how many were written."""
    product = latest_product(uow, product_code)
    template = product_template(product.settings)
    batch = generate_schedules(template, book.loans)  # ScheduleError names a refused loan
    first = _first_free_id(uow)
    now = datetime.now(UTC)
    tables: dict[str, list[Row]] = {"loans": [], "events": [], "entries": [], "lines": []}
    for k in range(len(book.loans)):
        _one(tables, first + k, k, book, batch, product.id, product.settings, branch_code, now)
    writer = _copy if uow.session.get_bind().dialect.name == "postgresql" else _insert
    writer(uow, _table(Loan), _LOAN_COLUMNS, tables["loans"])
    writer(uow, _table(LoanEvent), _EVENT_COLUMNS, tables["events"])
    writer(uow, _table(LoanInstallment), _ROW_COLUMNS, _installments(batch, first))
    writer(uow, _table(JournalEntryRow), _ENTRY_COLUMNS, tables["entries"])
    writer(uow, _table(JournalLineRow), _LINE_COLUMNS, tables["lines"])
    _advance_sequences(uow)
    return len(book.loans)


_LOAN_COLUMNS = (
    "id",
    "external_id",
    "branch_code",
    "product_id",
    "customer_id",
    "principal",
    "annual_rate",
    "terms",
    "status",
    "emi",
    "apr",
    "net_disbursed",
    "excess",
    "disbursed_on",
    "closed_on",
    "interest_posted_through",
    "last_event_on",
    "oldest_unpaid_due",
    "interest_from",
    "created_at",
    *FIRST_STAMP,
)
_EVENT_COLUMNS = ("loan_id", "kind", "value_date", "amount", "created_at")
_ROW_COLUMNS = (
    "loan_id",
    "number",
    "due_date",
    "principal",
    "interest",
    "principal_paid",
    "interest_paid",
)
_ENTRY_COLUMNS = ("id", "loan_id", "event", "value_date", "posting_date", "created_at")
_LINE_COLUMNS = ("entry_id", "loan_id", "account", "debit", "credit")


def _one(
    tables: dict[str, list[Row]],
    loan_id: int,
    k: int,
    book: BulkBook,
    batch: ScheduleBatch,
    product_id: int,
    settings: dict[str, Any],
    branch: str,
    now: datetime,
) -> None:
    terms = batch.terms(k)
    emi, bpi = batch.emi_and_bpi(k)
    deducted = bpi if terms.bpi is BPITreatment.DEDUCT else Decimal(0)
    fees = [(fee.payee, *fee_amount(fee, terms.principal, terms.precision)) for fee in terms.fees]
    lender = sum((b for payee, b, _ in fees if payee is FeePayee.LENDER), Decimal(0))
    others = sum((b for payee, b, _ in fees if payee is FeePayee.THIRD_PARTY), Decimal(0))
    tax = sum((t for _, _, t in fees), Decimal(0))
    principal = terms.precision.apply(terms.principal)
    net = principal - lender - others - tax - deducted
    day = terms.disbursement_date
    tables["loans"].append(
        (
            loan_id,
            book.external_ids[k],
            branch,
            product_id,
            book.customer_ids[k],
            principal,
            terms.annual_rate,
            _spec(settings, terms),
            "active",
            emi,
            None,
            net,
            principal * 0,
            day,
            None,
            None,
            day,
            batch.first_due(k),
            interest_from(terms),
            now,
            *FIRST_STAMP.values(),
        )
    )
    tables["events"].append((loan_id, "disbursement", day, principal, now))
    tables["entries"].append((loan_id, str(loan_id), "disbursement", day, day, now))
    zero = principal * 0
    sides = [
        (Account.LOAN_PRINCIPAL, principal, zero),
        (Account.DISBURSEMENT_BANK, zero, net),
        (Account.FEE_INCOME, zero, lender),
        (Account.THIRD_PARTY_PAYABLE, zero, others),
        (Account.TAX_PAYABLE, zero, tax),
        (Account.INTEREST_INCOME, zero, deducted),
    ]
    tables["lines"].extend((loan_id, str(loan_id), a.value, d, c) for a, d, c in sides if d or c)


def _spec(settings: dict[str, Any], terms: LoanTerms) -> dict[str, Any]:
    return loan_spec(  # the loan's own cycle day, or the product's, always written
        settings,
        principal=terms.principal,
        annual_rate=terms.annual_rate,
        disbursement_date=terms.disbursement_date,
        installments=terms.installments,
        first_due_date=terms.first_due_date,
        due_day=terms.due_day,
    )


def _installments(batch: ScheduleBatch, first: int) -> Iterator[Row]:
    scale = Decimal(1).scaleb(batch.exponent)
    for k in range(len(batch)):
        for number, due, principal, interest, _, _ in batch.rows(k):
            yield (
                first + k,
                number,
                due,
                principal * scale,
                interest * scale,
                Decimal(0),
                Decimal(0),
            )


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _first_free_id(uow: UnitOfWork) -> int:
    """The first id free in both loans and journal_entries (a bulk book uses the same numbers
    for a loan and its disbursement entry); PostgreSQL tables are locked until commit."""
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE loans, journal_entries IN EXCLUSIVE MODE"))
    loans = session.scalar(select(func.max(Loan.id))) or 0
    entries = session.scalar(select(func.max(JournalEntryRow.id))) or 0
    return max(loans, entries) + 1


def _advance_sequences(uow: UnitOfWork) -> None:
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("loans", "journal_entries"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        )


def _copy(uow: UnitOfWork, table: Table, columns: tuple[str, ...], rows: Any) -> None:
    copy_rows(uow, table.name, columns, rows)


def _insert(uow: UnitOfWork, table: Table, columns: tuple[str, ...], rows: Any) -> None:
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        uow.session.execute(insert(table), batch)
