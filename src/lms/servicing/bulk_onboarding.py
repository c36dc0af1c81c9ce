"""Bulk onboarding: a book of existing loans of one product booked and disbursed at once.

For migrating a portfolio from another system. Each loan goes through the rules single
onboarding and disbursement use (`onboard_loan` + `disburse_loan`): the product's amount, rate
and tenure ranges (`check_ranges`), a floating loan's spread over its benchmark on the
disbursement date (`loan_spread`), the schedule and its KFS figures (the vectorised lane of
lms.servicing.bulk, proven equal to the core), and the disbursement's events and journal entry
(lms.servicing.disbursement: fees a product collects apart are owed by the borrower). Rows are
written set-based (COPY on PostgreSQL, executemany elsewhere; ids from the tables' sequences),
the journal entries by `lms.ledger.service.post_entries` in one call, on one posting date: the
business date of the migration. The APR is not recomputed: it is the origination system's KFS
figure, and `apr` stays empty for these loans.

Guarantees: one transaction (the caller commits); a loan the rules refuse raises an error
naming it (`loans[<index>]...`: InvalidError, with its application id, for a range or a missing
benchmark rate; ScheduleError for terms the core refuses) and nothing is written; each loan's
row, events, installments and journal lines equal what `onboard_loan` + `disburse_loan` on the
same posting date write, the APR apart (tests/integration/test_bulk_onboarding.py); `lms ledger
check` passes on the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import Table, insert

from lms.core.terms import LoanTerms
from lms.ledger.rules import JournalEntry
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import copy_rows, insert_rows
from lms.platform.errors import InvalidError
from lms.servicing.bulk import LoanColumns, LoanFigures, ScheduleBatch, generate_schedules
from lms.servicing.catalog import latest_product
from lms.servicing.disbursement import collects_fees, disbursement_entry, disbursement_events
from lms.servicing.models import FIRST_STAMP, Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.onboarding import benchmark_rate, check_ranges, loan_spread
from lms.servicing.service import interest_from, loan_spec, product_template

Row = tuple[Any, ...]
ORIGIN = "migration"  # the origin of the journal entries bulk onboarding writes


@dataclass(frozen=True)
class BulkBook:
    """Loans of one product and branch: their application ids, customers and columns."""

    external_ids: Sequence[str]
    customer_ids: Sequence[int]
    loans: LoanColumns


def onboard_bulk(
    uow: UnitOfWork,
    *,
    product_code: str,
    branch_code: str,
    book: BulkBook,
    posting_date: date | None = None,
) -> int:
    """Book and disburse every loan of `book`, its journal entries posted on `posting_date`
    (the business date of the migration; default: the book's latest disbursement date).
    Returns how many loans were written."""
    product = latest_product(uow, product_code)
    spreads = _checked_spreads(uow, product, book)
    batch = generate_schedules(product_template(product.settings), book.loans)
    collected = collects_fees(product)
    now = datetime.now(UTC)
    figures = [batch.figures(k) for k in range(len(book.loans))]
    loan_rows = [
        _loan_row(book, k, product, branch_code, figures[k], spreads[k], batch, now)
        for k in range(len(figures))
    ]
    loan_ids = insert_rows(uow, _table(Loan), loan_rows, ids=True)
    paid_out = _write_events(uow, loan_ids, figures, collected, now)
    _write(uow, _table(LoanInstallment), _ROW_COLUMNS, _installments(batch, loan_ids))
    entries = [
        # the one place a bulk loan's journal entry is built
        disbursement_entry(loan_id, f.terms, f.fee_charges, f.bpi, collected=collected)
        for loan_id, f in zip(loan_ids, figures, strict=True)
    ]
    posted = posting_date or max(book.loans.disbursement_date, default=date.min)
    _post(uow, entries, paid_out, posted)
    return len(loan_ids)


def _checked_spreads(uow: UnitOfWork, product: Product, book: BulkBook) -> list[Decimal | None]:
    """Each loan's spread (None: a fixed-rate product), after its product ranges are checked;
    the first loan refused is named in the error (nothing has been written yet)."""
    loans = book.loans
    published: dict[date, Decimal | None] = {}

    def rate_on(uow: UnitOfWork, benchmark: str, on: date) -> Decimal | None:
        if on not in published:
            published[on] = benchmark_rate(uow, benchmark, on)
        return published[on]

    spreads = []
    for k in range(len(loans)):
        rate, day = loans.annual_rate[k], loans.disbursement_date[k]
        try:
            check_ranges(
                product,
                principal=loans.principal[k],
                annual_rate=rate,
                installments=loans.installments[k],
            )
            spreads.append(loan_spread(uow, product, rate, day, rate_on))
        except InvalidError as exc:
            named = f" (application {book.external_ids[k]})"
            raise InvalidError(
                [(f"loans[{k}].{field}", reason + named) for field, reason in exc.problems]
            ) from None
    return spreads


def _loan_row(
    book: BulkBook,
    k: int,
    product: Product,
    branch: str,
    figures: LoanFigures,
    spread: Decimal | None,
    batch: ScheduleBatch,
    now: datetime,
) -> dict[str, Any]:
    """Loan `k` as `onboard_loan` books it and `disburse_loan` leaves it (no APR)."""
    terms = figures.terms
    day = terms.disbursement_date
    return {
        "external_id": book.external_ids[k],
        "branch_code": branch,
        "product_id": product.id,
        "customer_id": book.customer_ids[k],
        "principal": terms.principal,
        "annual_rate": terms.annual_rate,
        "terms": _spec(product.settings, terms),
        "status": "active",
        "emi": figures.emi,
        "apr": None,
        "net_disbursed": figures.net_disbursed,
        "excess": Decimal("0.00"),
        "disbursed_on": day,
        "last_event_on": day,
        "spread": spread,
        "oldest_unpaid_due": batch.first_due(k),
        "interest_from": interest_from(terms),
        "created_at": now,
        **FIRST_STAMP,
    }


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


def _write_events(
    uow: UnitOfWork,
    loan_ids: Sequence[int],
    figures: Sequence[LoanFigures],
    collected: bool,
    now: datetime,
) -> list[int]:
    """Each loan's paying-out events; returns the id of each loan's disbursement event."""
    events = [disbursement_events(f.terms, f.fee_charges, collected=collected) for f in figures]
    rows = [
        {"loan_id": loan_id, "created_at": now, **event._asdict()}
        for loan_id, loan_events in zip(loan_ids, events, strict=True)
        for event in loan_events
    ]
    ids = insert_rows(uow, _table(LoanEvent), rows, ids=True)
    return [ids[end - 1] for end in accumulate(len(e) for e in events)]  # the last is paid out


def _post(
    uow: UnitOfWork, entries: Sequence[JournalEntry], event_ids: Sequence[int], posting_date: date
) -> None:
    """Post each loan's disbursement entry under its disbursement event (`event_ids`, in the
    same order), with the origin ORIGIN."""
    caller_origin, uow.origin = uow.origin, ORIGIN
    try:
        post_entries(uow, entries, posting_date=posting_date, event_ids=event_ids)
    finally:
        uow.origin = caller_origin


_ROW_COLUMNS = (
    "loan_id",
    "number",
    "due_date",
    "principal",
    "interest",
    "principal_paid",
    "interest_paid",
)


def _installments(batch: ScheduleBatch, loan_ids: Sequence[int]) -> Iterator[Row]:
    scale = Decimal(1).scaleb(batch.exponent)
    zero = Decimal(0)
    for k, loan_id in enumerate(loan_ids):
        for number, due, principal, interest, _, _ in batch.rows(k):
            yield (loan_id, number, due, principal * scale, interest * scale, zero, zero)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _write(uow: UnitOfWork, table: Table, columns: tuple[str, ...], rows: Iterator[Row]) -> None:
    """Many rows as tuples: COPY on PostgreSQL, one executemany elsewhere."""
    if uow.session.get_bind().dialect.name == "postgresql":
        copy_rows(uow, table.name, columns, rows)
        return
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        uow.session.execute(insert(table), batch)
