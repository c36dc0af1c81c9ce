"""Many repayments at once (a bank statement, a file of collections): the ordinary ones
set-based, the rest one by one through `record_payment`.

Every payment is decided by the rules of lms.servicing.payment_rules, the functions the exact
path calls: a retry (its idempotency key) gets its earlier payment, a conflicting reference
or invalid input is refused with the same reason, for all the batch's loans in a few queries.
A payment the batch alone pays its loan with and whose reference no other payment in it uses
is then ordinary, the fast path, if it is an ordinary repayment (not a part-prepayment) and
its loan is proven handled: every event of the loan is of a kind in `FAST_KINDS` (an
allow-list: a kind added later, a waiver, a write-off, goes one by one until a test proves
it), it is not an NPA, holds no unapplied funds, has its dues raised through the value date,
its last event before the value date, the reference was never used before by any loan, and
the amount is no more than the loan owes by its value date (`owed_on`) and all placed by the
product's waterfall (so nothing is held; paying all of it on a loan with nothing left to fall
due closes the loan that day). Its parts are what the waterfall (lms.core.allocation) gives
over what is owed, exactly as a replay would give them; they are written for the whole batch
in a few statements: the payment events, the installments' paid amounts, the loans' last
event and oldest unpaid due date (`first_unpaid_due`), the journal entries by the posting
rule of a repayment, and a restatement mark for a payment dated before the posting date (the
next close restates the days between).

Guarantees: the result for each payment is the one `record_payment` gives taking the batch in
order (a test compares the two on the same book, journal sources included); a payment it
refuses (a conflict, invalid input) writes nothing and is reported with its reason, and the
others go on; an error it finds only while replaying a loan (a broken history) fails the
whole batch, which then writes nothing. Loans are locked in id order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.core.allocation import Bucket, Component, Part, Waterfall, allocate
from lms.core.book import InstallmentState
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, insert_rows, update_rows
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.bulk_reads import CHUNK, earlier_payments, unpaid_installments
from lms.servicing.models import Loan, LoanEvent, LoanInstallment, LoanRestatement
from lms.servicing.payment_rules import (
    DEFAULT_BACKDATE_DAYS,
    Payable,
    PaymentRequest,
    check,
    first_unpaid_due,
    owed_on,
    repeated,
)
from lms.servicing.repayments import try_payment
from lms.servicing.service import payment_rules_of

# The event kinds a loan's history may hold for the fast path to take a payment for it: those
# the stored installments and figures fully account for (tests/integration/test_bulk_payments
# compares loans with each of them through both paths). Charges, refunds and reversals leave
# owed amounts or returned money outside the installments: one by one, as is any kind not here.
FAST_KINDS = ("disbursement", "payment", "prepayment", "tranche", "rate_change")

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
    principal_outstanding: Decimal  # the loan's after the payment


def post_payments(
    uow: UnitOfWork, payments: Sequence[tuple[int, PaymentRequest]], *, posting_date: date
) -> list[Outcome]:
    """Take each (loan id, payment); outcomes in the same order."""
    ordinary, decided = _sorted_out(uow, payments, posting_date)
    written = _write(uow, ordinary, posting_date)
    outcomes = []
    for loan_id, request in payments:
        key = (loan_id, request.reference)
        event = written.get(key)
        if event is not None:
            outcomes.append(Outcome(loan_id, request, event, True))
        elif key in decided:
            outcomes.append(decided[key])
        else:
            outcomes.append(_one_by_one(uow, loan_id, request, posting_date))
    return outcomes


def _one_by_one(
    uow: UnitOfWork, loan_id: int, request: PaymentRequest, posting_date: date
) -> Outcome:
    """Through `try_payment`: refused without writing anything if `record_payment` would
    refuse it (no savepoint per payment: PostgreSQL keeps a lock for each until the end, and
    a statement may hold tens of thousands)."""
    taken = try_payment(uow, loan_id=loan_id, request=request, posting_date=posting_date)
    if isinstance(taken, str):
        return Outcome(loan_id, request, None, False, taken)
    event, new = taken
    return Outcome(loan_id, request, event.id, new)


def _sorted_out(
    uow: UnitOfWork, payments: Sequence[tuple[int, PaymentRequest]], posting_date: date
) -> tuple[list[_Ordinary], dict[tuple[int, str], Outcome]]:
    """The ordinary payments (see the module's text) with their parts; and the outcomes of
    those decided without writing (refused, or a retry), by (loan, reference)."""
    per_loan = Counter(loan_id for loan_id, _ in payments)
    per_reference = Counter(request.reference for _, request in payments)
    wanted = {
        loan_id: request
        for loan_id, request in payments
        if per_loan[loan_id] == 1
        and per_reference[request.reference] == 1
        and request.kind == "payment"
    }
    loans = _loans(uow, sorted(wanted))
    decided, fresh = _decided(uow, {k: wanted[k] for k in loans}, loans, posting_date)
    outside = _not_forward(uow, {k: wanted[k] for k in fresh})
    plain = [
        k
        for k in fresh
        if k not in outside
        and loans[k]["asset_class"] != "NPA"
        and loans[k]["excess"] == 0
        and loans[k]["last_event_on"] is not None
        and wanted[k].value_date >= loans[k]["last_event_on"]
    ]
    found = []
    for day in sorted({wanted[k].value_date for k in plain}):
        on_day = [k for k in plain if wanted[k].value_date == day]
        rows, last_due = unpaid_installments(uow, on_day, day)
        for k in on_day:
            settled = _settle(k, wanted[k], loans[k], rows.get(k, []), last_due.get(k))
            if settled is not None:
                found.append(settled)
    return found, decided


def _decided(
    uow: UnitOfWork,
    wanted: dict[int, PaymentRequest],
    loans: dict[int, dict[str, Any]],
    posting_date: date,
) -> tuple[dict[tuple[int, str], Outcome], list[int]]:
    """By the payment rules: the outcomes of the payments refused or retried, by (loan,
    reference); and the loans whose payment passes every check with a reference no loan has
    used."""
    found = earlier_payments(uow, wanted)
    decided: dict[tuple[int, str], Outcome] = {}
    fresh = []
    for k, request in wanted.items():
        row = loans[k]
        loan = Payable(
            k, row["customer_id"], row["status"], row["disbursed_on"], row["step"],
            row["backdate_days"],
        )  # fmt: skip
        try:
            earlier = repeated(loan, request, found.get(k, ()))
            if earlier is None:
                check(loan, request, posting_date)
        except (ConflictError, InvalidError) as exc:
            decided[k, request.reference] = Outcome(k, request, None, False, str(exc))
            continue
        if earlier is not None:
            decided[k, request.reference] = Outcome(k, request, earlier.id, False)
        elif k not in found:  # else paid another loan of the borrower's: one by one
            fresh.append(k)
    return decided, fresh


def _settle(
    loan_id: int,
    request: PaymentRequest,
    loan: dict[str, Any],
    rows: list[InstallmentState],
    last_due: date | None,
) -> _Ordinary | None:
    """The payment's parts if it is ordinary for this loan, else None. `rows`: its unpaid
    installments due by the value date and its next unpaid one after; `last_due`: its last
    due date by the value date."""
    day = request.value_date
    waterfall: Waterfall = loan["waterfall"]
    if any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order):
        return None
    raised = loan["interest_posted_through"]
    if last_due is not None and (raised is None or last_due > raised):
        return None  # dues to raise first: the full path does that
    owed = owed_on(rows, day, waterfall)
    if request.amount > sum((o.amount for o in owed), Decimal(0)):
        return None  # something would be held, or the loan would close
    parts, left = allocate(request.amount, owed, day, waterfall)
    if left:
        return None  # the product's waterfall leaves some unplaced: held, by the full path
    after = _with_parts(rows, parts)
    changed = {part.installment for part in parts}
    paid = {i.number: (i.principal_paid, i.interest_paid) for i in after if i.number in changed}
    principal = sum((p.amount for p in parts if p.component is Component.PRINCIPAL), Decimal(0))
    return _Ordinary(
        loan_id, request, parts, paid, first_unpaid_due(after, day, Decimal(0)),
        loan["principal_outstanding"] - principal,
    )  # fmt: skip


def _with_parts(rows: list[InstallmentState], parts: tuple[Part, ...]) -> list[InstallmentState]:
    """The installments with the payment's parts paid."""
    paid = {row.number: [row.principal_paid, row.interest_paid] for row in rows}
    for part in parts:  # principal or interest: an installment has no other component
        paid[part.installment][0 if part.component is Component.PRINCIPAL else 1] += part.amount
    return [
        InstallmentState(r.number, r.due_date, r.principal, r.interest, *paid[r.number])
        for r in rows
    ]


def _loans(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The loans' figures the rule reads, rows locked (in id order)."""
    found: dict[int, dict[str, Any]] = {}
    waterfalls: dict[int, Waterfall] = {}
    backdate: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for row in uow.session.execute(
            select(
                Loan.id,
                Loan.customer_id,
                Loan.status,
                Loan.disbursed_on,
                Loan.asset_class,
                Loan.excess,
                Loan.last_event_on,
                Loan.interest_posted_through,
                Loan.principal_outstanding,
                Loan.product_id,
                Loan.terms["precision"].label("precision"),
            )
            .where(among(uow, Loan.id, chunk))
            .order_by(Loan.id)
            .with_for_update()
        ).mappings():
            product = row["product_id"]
            if product not in waterfalls:
                rules = payment_rules_of(uow, product)
                waterfalls[product] = rules.waterfall
                back = rules.backdate_days
                backdate[product] = DEFAULT_BACKDATE_DAYS if back is None else back
            step = _step(row["precision"])
            found[row["id"]] = {
                **row, "step": step, "waterfall": waterfalls[product],
                "backdate_days": backdate[product],
            }  # fmt: skip
    return found


def _step(precision: Any) -> Decimal:
    """The loan's precision step (its amounts are multiples of it), from its terms' value."""
    if precision is None:
        return Decimal("0.01")
    return Decimal(str(precision["step"] if isinstance(precision, dict) else precision))


def _not_forward(uow: UnitOfWork, wanted: dict[int, PaymentRequest]) -> set[int]:
    """Those loans of `wanted` whose payment the replay would not apply last: with an event of
    a kind not in `FAST_KINDS`, or on or after the payment's value date unless it is a payment
    of that same day the replay takes before it (same-day payments go in reference order)."""
    found: set[int] = set()
    if not wanted:
        return found
    loans, earliest = list(wanted), min(r.value_date for r in wanted.values())
    for start in range(0, len(loans), CHUNK):
        for loan_id, kind, day, reference in uow.session.execute(
            select(LoanEvent.loan_id, LoanEvent.kind, LoanEvent.value_date, LoanEvent.reference)
            .where(among(uow, LoanEvent.loan_id, loans[start : start + CHUNK]))
            .where(LoanEvent.kind.not_in(FAST_KINDS) | (LoanEvent.value_date >= earliest))
        ):
            request = wanted[loan_id]
            if (
                kind not in FAST_KINDS
                or day > request.value_date
                or (
                    day == request.value_date
                    and not (kind == "payment" and (reference or "") < request.reference)
                )
            ):
                found.add(loan_id)
    return found


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
                "idempotency_key": o.request.idempotency_key,
                "created_at": now,
                "actor": uow.actor,
            }
            for o in ordinary
        ],
        ids=True,
    )
    ids = {(o.loan_id, o.request.reference): e for o, e in zip(ordinary, events, strict=True)}
    for o, event_id in zip(ordinary, events, strict=True):  # written by rows, not the ORM
        uow.audit(
            "insert", "loan_events", event_id, loan_id=o.loan_id, kind="payment",
            amount=o.request.amount, value_date=o.request.value_date,
            reference=o.request.reference, channel=o.request.channel,
        )  # fmt: skip
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
            "principal_outstanding": o.principal_outstanding,
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
