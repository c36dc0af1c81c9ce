"""Bulk onboarding: a book of existing loans of one product booked and disbursed at once.

For migrating a portfolio from another system. Each loan goes through the rules single
onboarding and disbursement use (`onboard_loan` + `disburse_loan`): the product's amount, rate
and tenure ranges on the sanctioned amount (`check_ranges`), a floating loan's spread over its
benchmark on the disbursement date (`loan_spread`), a first tranche for a loan paid out in
tranches (`first_tranche`, and the core's checks of the terms it starts), the schedule and its KFS figures (the vectorised
lane of lms.servicing.bulk, proven equal to the core), and the disbursement's events and
journal entry (lms.servicing.disbursement: fees a product collects apart are owed by the
borrower). A loan paid out in tranches keeps its sanctioned amount, terms and KFS figures (EMI,
net amount) on its row, as onboarding stores them, and pays out, schedules and posts its first
tranche, as disbursement does; its later tranches go through lms.servicing.tranches. Rows are
written set-based (COPY on PostgreSQL, executemany elsewhere; ids from the tables' sequences),
the journal entries by `lms.ledger.service.post_entries` in one call, on one posting date: the
business date of the migration. The APR is not recomputed: it is the origination system's KFS
figure, and `apr` stays empty for these loans (the API shows the APR of their terms).

Guarantees: one transaction (the caller commits); a loan the rules refuse raises an error
naming it (`loans[<index>]...`: InvalidError, with its application id, for a range, a missing
benchmark rate or a first tranche, with the reason single disbursement gives; ScheduleError for
terms the core refuses, a first tranche's included) and nothing is written; each loan's row,
events, installments and journal lines equal what `onboard_loan` + `disburse_loan` (with the
first tranche as its amount) on the same posting date write, the APR apart
(tests/integration/test_bulk_onboarding.py, test_bulk_onboarding_tranches.py); `lms ledger
check` passes on the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any, NamedTuple

from sqlalchemy import Table, insert

from lms.core.terms import LoanTerms
from lms.core.validation import terms_problems
from lms.ledger.periods import check_open
from lms.ledger.rules import JournalEntry, advance_emi
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import copy_rows, insert_rows
from lms.platform.errors import InvalidError
from lms.servicing.bulk import LoanColumns, LoanFigures, ScheduleBatch, generate_schedules
from lms.servicing.catalog import latest_product
from lms.servicing.disbursement import (
    collects_fees,
    disbursement_entry,
    disbursement_events,
    first_tranche,
)
from lms.servicing.models import FIRST_STAMP, Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.onboarding import (
    BenchmarkLookup,
    benchmark_rate,
    check_ranges,
    loan_spread,
)
from lms.servicing.service import interest_from, loan_spec, product_template

Row = tuple[Any, ...]
ORIGIN = "migration"  # the origin of the journal entries bulk onboarding writes


@dataclass(frozen=True)
class BulkBook:
    """Loans of one product and branch: their application ids, customers and columns, and the
    first tranche of each loan paid out in tranches (None, or a None entry: paid in full);
    `branch_codes`, if given, is each loan's own branch instead of the call's."""

    external_ids: Sequence[str]
    customer_ids: Sequence[int]
    loans: LoanColumns
    first_tranches: Sequence[Decimal | None] | None = None
    branch_codes: Sequence[str] | None = None


class _Booking(NamedTuple):
    """A loan as booked: the KFS figures of its sanctioned schedule (the row's EMI and net
    amount, as `onboard_loan` stores them), the figures of what is paid out (its first
    tranche's schedule, or the same), its spread, first tranche, first due date and principal
    outstanding."""

    kfs: LoanFigures
    paid: LoanFigures
    spread: Decimal | None
    first_tranche: Decimal | None
    first_due: date
    outstanding: Decimal  # its installments' principal


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
    posted = posting_date or max(book.loans.disbursement_date, default=date.min)
    check_open(uow, posted)
    product = latest_product(uow, product_code)
    template = product_template(product.settings)
    spreads, tranches = _checked(uow, product, template, book)
    payouts = _Payouts(template, generate_schedules(template, book.loans), tranches)
    bookings = [payouts.booking(k, spreads[k], tranches[k]) for k in range(len(book.loans))]
    collected = collects_fees(product)
    now = datetime.now(UTC)
    loan_rows = [_loan_row(book, k, product, branch_code, b, now) for k, b in enumerate(bookings)]
    loan_ids = insert_rows(uow, _table(Loan), loan_rows, ids=True)
    paid = [b.paid for b in bookings]
    paid_out = _write_events(uow, loan_ids, paid, collected, now)
    _write(uow, _table(LoanInstallment), _ROW_COLUMNS, _installments(payouts, loan_ids))
    entries = [
        # the one place a bulk loan's journal entry is built
        disbursement_entry(loan_id, f.terms, f.fee_charges, f.bpi, collected=collected)
        for loan_id, f in zip(loan_ids, paid, strict=True)
    ]
    kept = [  # advance EMIs kept back from the payout, by their own rule
        (advance_emi(str(loan_id), f.terms.disbursement_date, f.advance), event_id)
        for loan_id, f, event_id in zip(loan_ids, paid, paid_out, strict=True)
        if f.advance
    ]
    _post(uow, [*entries, *(e for e, _ in kept)], [*paid_out, *(i for _, i in kept)], posted)
    return len(loan_ids)


def _checked(
    uow: UnitOfWork, product: Product, template: LoanTerms, book: BulkBook
) -> tuple[list[Decimal | None], list[Decimal | None]]:
    """Each loan's spread (None: a fixed-rate product) and first tranche (None: paid in full),
    after its product ranges (on the sanctioned amount, as onboarding checks them) and its first
    tranche (as disbursement checks it) are checked; the first loan refused is named in the
    error (nothing has been written yet)."""
    loans = book.loans
    amounts = book.first_tranches
    rate_on = _cached_rates()
    spreads, tranches = [], []
    for k in range(len(loans)):
        sanctioned, rate, day = loans.principal[k], loans.annual_rate[k], loans.disbursement_date[k]
        try:
            check_ranges(
                product, principal=sanctioned, annual_rate=rate, installments=loans.installments[k]
            )
            spreads.append(loan_spread(uow, product, rate, day, rate_on))
            amount = None if amounts is None else amounts[k]
            paid = None if amount is None else _first_tranche(loans.terms(template, k), amount)
            tranches.append(paid)
        except InvalidError as exc:
            named = f" (application {book.external_ids[k]})"
            raise InvalidError(
                [(f"loans[{k}].{field}", reason + named) for field, reason in exc.problems]
            ) from None
    return spreads, tranches


def _first_tranche(terms: LoanTerms, amount: Decimal) -> Decimal | None:
    """The loan's first tranche (None: `amount` pays it out in full), refused as
    `disburse_loan` refuses it: by `first_tranche`, then by the core's checks of the terms its
    schedule starts from (`loan_terms` parses them); the amount's problems name the column."""
    try:
        tranche = first_tranche(terms.principal, amount)
    except InvalidError as exc:
        raise InvalidError([(_FIELDS.get(f, f), why) for f, why in exc.problems]) from None
    if tranche is None:
        return None
    problems = terms_problems(replace(terms, principal=tranche))
    if problems:
        raise InvalidError([(_FIELDS.get(p.field, p.field), p.message) for p in problems])
    return tranche


# the disbursement's amount, the principal of the terms it starts: the book's first tranche
_FIELDS = {"amount": "first_tranche", "principal": "first_tranche"}


def _cached_rates() -> BenchmarkLookup:
    """`benchmark_rate`, each date looked up once (a book has one benchmark)."""
    published: dict[date, Decimal | None] = {}

    def rate_on(uow: UnitOfWork, benchmark: str, on: date) -> Decimal | None:
        if on not in published:
            published[on] = benchmark_rate(uow, benchmark, on)
        return published[on]

    return rate_on


class _Payouts:
    """Each loan's schedule as paid out: the sanctioned one, or for a loan paid out in
    tranches its first tranche's (as `loan_terms` starts it), computed for those loans alone."""

    def __init__(
        self, template: LoanTerms, sanctioned: ScheduleBatch, tranches: Sequence[Decimal | None]
    ) -> None:
        self.sanctioned = sanctioned
        indices = [k for k, t in enumerate(tranches) if t is not None]
        amounts = [t for t in tranches if t is not None]
        self._position = {k: j for j, k in enumerate(indices)}
        picked = sanctioned.loans.only(indices)
        columns = replace(picked, principal=amounts, sanctioned=picked.principal)
        self._tranches = generate_schedules(template, columns, numbers=indices) if indices else None

    def of(self, k: int) -> tuple[ScheduleBatch, int]:
        """The batch holding loan `k`'s paid-out schedule, and its index there."""
        j = self._position.get(k)
        if j is None:
            return self.sanctioned, k
        assert self._tranches is not None
        return self._tranches, j

    def booking(self, k: int, spread: Decimal | None, tranche: Decimal | None) -> _Booking:
        """Loan `k` as booked (computes its figures)."""
        kfs = self.sanctioned.figures(k)
        batch, j = self.of(k)
        paid = kfs if batch is self.sanctioned else batch.figures(j)
        outstanding = Decimal(batch.principal_units(j)).scaleb(batch.exponent)
        return _Booking(kfs, paid, spread, tranche, batch.first_due(j), outstanding)


def _loan_row(
    book: BulkBook, k: int, product: Product, branch: str, booking: _Booking, now: datetime
) -> dict[str, Any]:
    """Loan `k` as `onboard_loan` books it and `disburse_loan` leaves it (no APR): the
    sanctioned terms and KFS figures, the first tranche, the paid-out schedule's dates."""
    terms = booking.kfs.terms
    day = terms.disbursement_date
    return {
        "external_id": book.external_ids[k],
        "branch_code": branch if book.branch_codes is None else book.branch_codes[k],
        "product_id": product.id,
        "customer_id": book.customer_ids[k],
        "principal": terms.principal,
        "first_tranche": booking.first_tranche,
        "annual_rate": terms.annual_rate,
        "terms": _spec(product.settings, terms),
        "status": "active",
        "emi": booking.kfs.emi,
        "apr": None,
        "net_disbursed": booking.kfs.net_disbursed,
        "excess": Decimal("0.00"),
        "disbursed_on": day,
        "last_event_on": day,
        "spread": booking.spread,
        "oldest_unpaid_due": booking.first_due,
        "principal_outstanding": booking.outstanding,
        "interest_from": interest_from(booking.paid.terms),
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


def _installments(payouts: _Payouts, loan_ids: Sequence[int]) -> Iterator[Row]:
    scale = Decimal(1).scaleb(payouts.sanctioned.exponent)  # one product: one precision
    zero = Decimal(0)
    for k, loan_id in enumerate(loan_ids):
        batch, j = payouts.of(k)
        for number, due, principal, interest, _, _ in batch.rows(j):
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
