"""Many repayments at once (a bank statement, a file of collections): the ordinary ones
set-based, the rest one by one through `record_payment`.

An ordinary payment is one the loan's stored state settles without a replay: the only payment
for its loan in the batch, on an active loan that is not an NPA, holds no unapplied funds and
was never charged (no fee or penal event) nor refunded or returned, whose dues are raised
through the value date, dated after the loan's last event, with a reference never used
before, a multiple of the loan's precision, no more than the loan owes by its value date and
all placed by the product's waterfall (so nothing is held; paying all of it on a loan with
nothing left to fall due closes the loan that day). Its parts are what the waterfall
(lms.core.allocation) gives over the stored unpaid installments, exactly as a replay would
give them; they are written for the whole batch in a few statements: the payment events, the
installments' paid amounts, the loans' last event and oldest unpaid due date, the journal
entries, and a restatement mark for a payment dated before the posting date (the next close
restates the days between).

Guarantees: the result for each payment is the one `record_payment` gives (a test compares the
two on the same book); a payment it refuses (a conflict, invalid input) writes nothing and is
reported with its reason, and the others go on; an error it finds only while replaying a
loan (a broken history) fails the whole batch, which then writes nothing. Loans are locked in
id order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from lms.core.allocation import Bucket, Component, Owed, Part, Waterfall, allocate
from lms.db import UnitOfWork
from lms.db.bulk import among, insert_rows, update_rows
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.loans.models import Loan, LoanEvent, LoanInstallment, LoanRestatement
from lms.loans.repayments import PaymentRequest, payment_refusal, record_payment
from lms.loans.service import loan_waterfall_of

_CHUNK = 20_000  # ids per query
_EVENTS = LoanEvent.metadata.tables["loan_events"]
_INSTALLMENTS = LoanInstallment.metadata.tables["loan_installments"]
_LOANS = Loan.metadata.tables["loans"]


@dataclass(frozen=True)
class Outcome:
    loan_id: int
    request: PaymentRequest
    event_id: int | None  # the payment's event (an earlier one for a repeat); None if refused
    new: bool  # False: refused, or a repeat of a payment already taken
    error: str | None = None


@dataclass
class _Ordinary:
    loan_id: int
    request: PaymentRequest
    parts: tuple[Part, ...]
    paid: dict[int, tuple[Decimal, Decimal]]  # installment: (principal, interest) paid after
    oldest_unpaid: date | None  # None: it repays the loan, which closes on the value date


def post_payments(
    uow: UnitOfWork, payments: Sequence[tuple[int, PaymentRequest]], *, posting_date: date
) -> list[Outcome]:
    """Take each (loan id, payment); outcomes in the same order."""
    ordinary = _ordinary(uow, payments, posting_date)
    written = _write(uow, ordinary, posting_date)
    outcomes = []
    for loan_id, request in payments:
        event = written.get((loan_id, request.reference))
        if event is not None:
            outcomes.append(Outcome(loan_id, request, event, True))
        else:
            outcomes.append(_one_by_one(uow, loan_id, request, posting_date))
    return outcomes


def _one_by_one(
    uow: UnitOfWork, loan_id: int, request: PaymentRequest, posting_date: date
) -> Outcome:
    """Through `record_payment`, refused without writing anything if it would refuse it (no
    savepoint per payment: PostgreSQL keeps a lock for each until the end, and a statement
    may hold tens of thousands)."""
    refusal = payment_refusal(uow, loan_id=loan_id, request=request, posting_date=posting_date)
    if refusal is not None:
        return Outcome(loan_id, request, None, False, refusal)
    event, new = record_payment(uow, loan_id=loan_id, request=request, posting_date=posting_date)
    return Outcome(loan_id, request, event.id, new)


def _ordinary(
    uow: UnitOfWork, payments: Sequence[tuple[int, PaymentRequest]], posting_date: date
) -> list[_Ordinary]:
    """The payments that are ordinary (see the module's text), with their parts."""
    per_loan = Counter(loan_id for loan_id, _ in payments)
    per_reference = Counter(request.reference for _, request in payments)
    wanted = {
        loan_id: request
        for loan_id, request in payments
        if per_loan[loan_id] == 1
        and per_reference[request.reference] == 1
        and request.kind == "payment"
        and request.amount > 0
        and request.value_date <= posting_date
        and request.idempotency_key is None
    }
    loans = _loans(uow, sorted(wanted))
    # charges, and refunds or returned payments (a refund beyond what a returned payment left
    # is owed back as a charge the replay makes): the full path
    charged = _with_events(
        uow, list(loans), ("charge", "penal", "charge_reversal", "refund", "reversal")
    )
    taken = _references_taken(uow, [wanted[k].reference for k in loans])
    plain = {
        k: row
        for k, row in loans.items()
        if k not in charged
        and wanted[k].reference not in taken
        and row["status"] == "active"
        and row["asset_class"] != "NPA"
        and row["excess"] == 0
        and row["last_event_on"] is not None
        and wanted[k].value_date > row["last_event_on"]  # the same day: replayed by reference
        and wanted[k].amount % row["step"] == 0
    }
    found = []
    for day in sorted({wanted[k].value_date for k in plain}):
        on_day = [k for k in plain if wanted[k].value_date == day]
        rows, dates = _installments(uow, on_day, day)
        for loan_id in on_day:
            settled = _settle(
                loan_id, wanted[loan_id], plain[loan_id], rows.get(loan_id, []), dates[loan_id]
            )
            if settled is not None:
                found.append(settled)
    return found


def _settle(
    loan_id: int,
    request: PaymentRequest,
    loan: dict[str, Any],
    rows: list[tuple[Any, ...]],
    dates: tuple[date | None, date | None],
) -> _Ordinary | None:
    """The payment's parts if it is ordinary for this loan, else None. `rows`: its unpaid
    installments due by the value date; `dates`: its last due date by then and its next
    unpaid one after."""
    day = request.value_date
    waterfall: Waterfall = loan["waterfall"]
    if any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order):
        return None
    raised, (last_due, next_due) = loan["interest_posted_through"], dates
    if last_due is not None and (raised is None or last_due > raised):
        return None  # dues to raise first: the full path does that
    owed = []
    for number, due, principal, interest, principal_paid, interest_paid in rows:
        for component, left in (
            (Component.INTEREST, interest - interest_paid),
            (Component.PRINCIPAL, principal - principal_paid),
        ):
            if left > 0:
                owed.append(Owed(number, due, component, left))
    if request.amount > sum((o.amount for o in owed), Decimal(0)):
        return None  # something would be held, or the loan would close
    parts, left = allocate(request.amount, owed, day, waterfall)
    if left:
        return None  # the product's waterfall leaves some unplaced: held, by the full path
    paid = {n: (pp, ip) for n, _, _, _, pp, ip in rows}
    for part in parts:
        principal_paid, interest_paid = paid[part.installment]
        if part.component is Component.PRINCIPAL:
            paid[part.installment] = (principal_paid + part.amount, interest_paid)
        else:
            paid[part.installment] = (principal_paid, interest_paid + part.amount)
    unpaid = [due for n, due, p, i, *_ in rows if p + i > sum(paid[n])]
    changed = {part.installment for part in parts}
    oldest = min(unpaid) if unpaid else next_due
    return _Ordinary(loan_id, request, parts, {n: paid[n] for n in changed}, oldest)


def _loans(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The loans' figures the rule reads, rows locked (in id order)."""
    found: dict[int, dict[str, Any]] = {}
    waterfalls: dict[int, Waterfall] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in uow.session.execute(
            select(
                Loan.id,
                Loan.status,
                Loan.asset_class,
                Loan.excess,
                Loan.last_event_on,
                Loan.interest_posted_through,
                Loan.product_id,
                Loan.terms["precision"].label("precision"),
            )
            .where(among(uow, Loan.id, chunk))
            .order_by(Loan.id)
            .with_for_update()
        ).mappings():
            product = row["product_id"]
            if product not in waterfalls:
                waterfalls[product] = loan_waterfall_of(uow, product)
            found[row["id"]] = {
                **row,
                "step": _step(row["precision"]),
                "waterfall": waterfalls[product],
            }
    return found


def _step(precision: Any) -> Decimal:
    """The loan's precision step (its amounts are multiples of it), from its terms' value."""
    if precision is None:
        return Decimal("0.01")
    return Decimal(str(precision["step"] if isinstance(precision, dict) else precision))


def _with_events(uow: UnitOfWork, loans: list[int], kinds: tuple[str, ...]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(loans), _CHUNK):
        found.update(
            uow.session.scalars(
                select(LoanEvent.loan_id)
                .where(among(uow, LoanEvent.loan_id, loans[start : start + _CHUNK]))
                .where(LoanEvent.kind.in_(kinds))
            )
        )
    return found


def _references_taken(uow: UnitOfWork, references: list[str]) -> set[str]:
    """Those of `references` any loan has taken a payment with already."""
    found: set[str] = set()
    for start in range(0, len(references), _CHUNK):
        found.update(
            r
            for r in uow.session.scalars(
                select(LoanEvent.reference).where(
                    among(uow, LoanEvent.reference, references[start : start + _CHUNK]),
                    LoanEvent.kind.in_(("payment", "prepayment")),
                )
            )
            if r is not None
        )
    return found


def _installments(
    uow: UnitOfWork, loans: list[int], day: date
) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, tuple[date | None, date | None]]]:
    """The loans' unpaid installments due by `day`; and per loan its last due date by `day`
    and its next unpaid due date after it (summed in the database: only the rows that matter
    come back)."""
    rows: dict[int, list[tuple[Any, ...]]] = {}
    dates: dict[int, tuple[date | None, date | None]] = dict.fromkeys(loans, (None, None))
    paid = LoanInstallment.principal_paid + LoanInstallment.interest_paid
    unpaid = LoanInstallment.principal + LoanInstallment.interest > paid
    for start in range(0, len(loans), _CHUNK):
        chunk = loans[start : start + _CHUNK]
        for loan_id, *row in uow.session.execute(
            select(
                LoanInstallment.loan_id,
                LoanInstallment.number,
                LoanInstallment.due_date,
                LoanInstallment.principal,
                LoanInstallment.interest,
                LoanInstallment.principal_paid,
                LoanInstallment.interest_paid,
            )
            .where(among(uow, LoanInstallment.loan_id, chunk), LoanInstallment.due_date <= day)
            .where(unpaid)
            .order_by(LoanInstallment.loan_id, LoanInstallment.number)
        ):
            rows.setdefault(loan_id, []).append(tuple(row))
        for loan_id, last, following in uow.session.execute(
            select(
                LoanInstallment.loan_id,
                func.max(case((LoanInstallment.due_date <= day, LoanInstallment.due_date))),
                func.min(
                    case(((LoanInstallment.due_date > day) & unpaid, LoanInstallment.due_date))
                ),
            )
            .where(among(uow, LoanInstallment.loan_id, chunk))
            .group_by(LoanInstallment.loan_id)
        ):
            dates[loan_id] = (last, following)
    return rows, dates


def _write(
    uow: UnitOfWork, ordinary: list[_Ordinary], posting_date: date
) -> dict[tuple[int, str], int]:
    """Write the ordinary payments; their event ids by (loan, reference)."""
    if not ordinary:
        return {}
    now = datetime.now(UTC)
    events = insert_rows(
        uow,
        _EVENTS,
        [
            {
                "loan_id": o.loan_id,
                "kind": "payment",
                "value_date": o.request.value_date,
                "amount": o.request.amount,
                "reference": o.request.reference,
                "channel": o.request.channel,
                "created_at": now,
            }
            for o in ordinary
        ],
        ids=True,
    )
    ids = {(o.loan_id, o.request.reference): e for o, e in zip(ordinary, events, strict=True)}
    paid = [
        {"loan_id": o.loan_id, "number": n, "principal_paid": p, "interest_paid": i}
        for o in ordinary
        for n, (p, i) in o.paid.items()
    ]
    update_rows(uow, _INSTALLMENTS, ("loan_id", "number"), paid)
    figures = [
        {
            "id": o.loan_id,
            "last_event_on": o.request.value_date,
            "oldest_unpaid_due": o.oldest_unpaid,
            "status": "active" if o.oldest_unpaid else "closed",
            "closed_on": None if o.oldest_unpaid else o.request.value_date,
        }
        for o in ordinary
    ]
    update_rows(uow, _LOANS, ("id",), sorted(figures, key=lambda f: f["id"]))
    entries = [
        rules.repayment(
            str(o.loan_id), o.request.value_date, o.parts, Decimal(0), reference=o.request.reference
        )
        for o in ordinary
    ]
    post_entries(uow, entries, posting_date=posting_date, event_ids=events)
    backdated = [
        {"loan_id": o.loan_id, "from_date": o.request.value_date}
        for o in ordinary
        if o.request.value_date < posting_date
    ]
    insert_rows(uow, LoanRestatement.metadata.tables["loan_restatements"], backdated)
    return ids
