"""What the credit bureaus are told of each loan as of a reporting date, read from the books:
the daily close's snapshot of that day (outstanding, dues, DPD, class), the loan's own dates
and terms, its last payment, and, for a loan off the books, its write-off and settlement.

Which loans: every loan the close of the reporting date saw (active, or closed that day);
loans closed, settled or fully written off since the previous reporting date, once, with
their closing figures; and loans written off and still owed, on every date (their figures by
replaying the loan to the date, since the close no longer keeps them).

Guarantees: read only; figures as of the date (a payment after it changes nothing); the
current balance is the principal outstanding plus the interest due and unpaid, the amount
overdue the principal and interest due and unpaid (charges are not part of either).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from lms.bureau.tudf import Address, Member
from lms.close.models import LoanSnapshot
from lms.collections.models import Settlement
from lms.collections.settlements import bureau_status
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer, Loan, LoanEvent, Product
from lms.servicing.service import loan_state
from lms.servicing.stored_state import oldest_unpaid_due

ZERO = Decimal(0)
PAID = ("payment", "prepayment", "foreclosure")  # events by which the borrower paid
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Figures:
    """One loan as of the reporting date."""

    loan_id: int
    customer_id: int
    number: str  # the loan number the borrower knows (the account number reported)
    bureau_type: str | None  # the product's account type
    opened: date
    closed: date | None
    sanctioned: Decimal
    balance: Decimal
    overdue: Decimal
    dpd: int
    asset_class: str  # STD, SMA, substandard, doubtful, loss
    status: str | None  # restructured, written_off, settled, post_write_off_settled
    suit_filed: bool
    rate: Decimal
    tenure: int | None
    emi: Decimal
    frequency: str | None
    last_paid: date | None = None
    written_off: Decimal | None = None
    written_off_principal: Decimal | None = None
    settled: Decimal | None = None
    overdue_since: date | None = None  # the oldest unpaid due date (a default's spell)
    microfinance: bool = False  # a microfinance product's: reported in its own format
    disbursed: Decimal = ZERO  # the principal paid out
    branch: str = ""
    written_off_on: date | None = None


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A loan left out of a file, and every reason."""

    loan_id: int
    number: str
    customer_id: int
    reasons: tuple[str, ...]


@dataclass(slots=True)
class Written:
    """A chunk of loans as one format writes them: its lines, the loans left out, and the
    loans reported."""

    lines: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    reported: list[Figures] = field(default_factory=list)


class DataFile:
    """A bureau file written a chunk of loans at a time: each format says how a chunk's loans
    are written (`records`) and how its lines become the file (`text`)."""

    def __init__(self, member: Member) -> None:
        self.member = member
        self.lines: list[str] = []

    def add(self, uow: UnitOfWork, chunk: Sequence[Figures], as_of: date) -> Written:
        """Write a chunk's loans; what was written, left out and reported."""
        written = self.records(uow, chunk, as_of)
        self.lines.extend(written.lines)
        return written

    def records(self, uow: UnitOfWork, chunk: Sequence[Figures], as_of: date) -> Written:
        raise NotImplementedError

    def text(self, made: date, as_of: date) -> str:
        """The whole file, made on business date `made`."""
        raise NotImplementedError


def reported_loans(uow: UnitOfWork, as_of: date, since: date) -> Iterator[Figures]:
    """Each loan reported as of `as_of` (closed ones if they closed after `since`), in loan id
    order, in chunks (a whole book is never held at once)."""
    after = 0
    while True:
        rows = _snapshot_rows(uow, as_of, since, after)
        off = _written_off_rows(uow, as_of, after, rows[-1][0].id if len(rows) == _CHUNK else None)
        if not rows and not off:
            return
        paid = _last_paid(uow, [r[0].id for r in rows] + [loan.id for loan, _ in off], as_of)
        settled = _settled(uow, [r[0].id for r in rows if r[0].status == "settled"])
        found = [_from_snapshot(loan, snap, product, paid, settled) for loan, snap, product in rows]
        found += [_from_replay(uow, loan, product, as_of, paid) for loan, product in off]
        found.sort(key=lambda f: f.loan_id)
        yield from found
        if len(rows) < _CHUNK:
            return
        after = rows[-1][0].id


def _snapshot_rows(
    uow: UnitOfWork, as_of: date, since: date, after: int
) -> list[tuple[Loan, LoanSnapshot, Product]]:
    """The loans the close of `as_of` snapshot, and those closed after `since` (by their
    closing day's snapshot)."""
    s = LoanSnapshot
    query = (
        select(Loan, s, Product)
        .join(s, s.loan_id == Loan.id)
        .join(Product, Product.id == Loan.product_id)
        .where(
            Loan.id > after,
            or_(
                s.day == as_of,
                and_(s.day == Loan.closed_on, Loan.closed_on > since, Loan.closed_on < as_of),
            ),
        )
        .order_by(Loan.id)
        .limit(_CHUNK)
    )
    return [(loan, snap, product) for loan, snap, product in uow.session.execute(query)]


def _written_off_rows(
    uow: UnitOfWork, as_of: date, after: int, upto: int | None
) -> list[tuple[Loan, Product]]:
    """Loans written off by `as_of` (and not settled before it): none has a snapshot."""
    query = (
        select(Loan, Product)
        .join(Product, Product.id == Loan.product_id)
        .where(
            Loan.id > after,
            Loan.written_off_on <= as_of,
            or_(Loan.closed_on.is_(None), Loan.closed_on >= as_of),
            ~exists().where(LoanSnapshot.loan_id == Loan.id, LoanSnapshot.day == as_of),
        )
        .order_by(Loan.id)
    )
    if upto is not None:
        query = query.where(Loan.id <= upto)
    return [(loan, product) for loan, product in uow.session.execute(query)]


def _last_paid(uow: UnitOfWork, loan_ids: list[int], as_of: date) -> dict[int, date]:
    """Each loan's last day of money received by `as_of` (a payment reversed by then does
    not count)."""
    if not loan_ids:
        return {}
    reversal = aliased(LoanEvent)
    reversed_by = exists().where(
        reversal.loan_id == LoanEvent.loan_id,
        reversal.kind == "reversal",
        reversal.reference == LoanEvent.reference,
        reversal.value_date <= as_of,
    )
    query = (
        select(LoanEvent.loan_id, func.max(LoanEvent.value_date))
        .where(
            LoanEvent.loan_id.in_(loan_ids),
            LoanEvent.kind.in_(PAID),
            LoanEvent.value_date <= as_of,
            ~reversed_by,
        )
        .group_by(LoanEvent.loan_id)
    )
    return dict(uow.session.execute(query).all())


def _settled(uow: UnitOfWork, loan_ids: list[int]) -> dict[int, Decimal]:
    """What each settled loan's borrower paid under the settlement."""
    if not loan_ids:
        return {}
    query = select(Settlement.loan_id, Settlement.amount).where(
        Settlement.loan_id.in_(loan_ids), Settlement.status == "completed"
    )
    return dict(uow.session.execute(query).all())


def _from_snapshot(
    loan: Loan,
    snap: LoanSnapshot,
    product: Product,
    paid: dict[int, date],
    settled: dict[int, Decimal],
) -> Figures:
    closed = snap.status in ("closed", "settled")
    status = bureau_status(loan) if snap.status == "settled" else None
    return Figures(
        **_terms(loan, product),
        closed=loan.closed_on if closed else None,
        balance=ZERO if closed else snap.principal_outstanding + snap.interest_due,
        overdue=ZERO if closed else snap.principal_due + snap.interest_due,
        dpd=0 if closed else snap.dpd,
        asset_class=_class(snap.asset_class, snap.category),
        status=status or ("restructured" if loan.restructured_on else None),
        last_paid=paid.get(loan.id),
        settled=settled.get(loan.id),
        # the spell's first overdue day as the day's DPD counts it (the due date's own day-end
        # the first), not the loan's state today
        overdue_since=None if closed or not snap.dpd else snap.day - timedelta(days=snap.dpd - 1),
    )


def _from_replay(
    uow: UnitOfWork, loan: Loan, product: Product, as_of: date, paid: dict[int, date]
) -> Figures:
    """A loan written off: what the borrower still owes by its events, and what was taken
    off the books (the principal part: what was outstanding on the write-off's day)."""
    state = loan_state(uow, loan_id=loan.id, as_of=as_of)
    assert loan.written_off_on is not None
    at_write_off = loan_state(uow, loan_id=loan.id, as_of=loan.written_off_on)
    written_off = uow.session.scalar(
        select(LoanEvent.amount).where(LoanEvent.loan_id == loan.id, LoanEvent.kind == "write_off")
    )
    return Figures(
        **_terms(loan, product),
        closed=None,
        balance=state.principal_outstanding + state.interest_due,
        overdue=state.principal_due + state.interest_due,
        dpd=state.dpd,
        asset_class=_class(loan.asset_class or "NPA", loan.asset_category or "loss"),
        status="written_off",
        last_paid=paid.get(loan.id),
        written_off=written_off,
        written_off_on=loan.written_off_on,
        written_off_principal=at_write_off.principal_outstanding,
        overdue_since=oldest_unpaid_due(state),
    )


def _terms(loan: Loan, product: Product) -> dict[str, Any]:
    terms = loan.terms
    assert loan.disbursed_on is not None
    return {
        "loan_id": loan.id, "customer_id": loan.customer_id, "number": loan.external_id,
        "bureau_type": product.bureau_type, "microfinance": bool(product.microfinance),
        "opened": loan.disbursed_on, "disbursed": loan.principal,
        "branch": loan.branch_code,
        "sanctioned": Decimal(str(terms.get("sanctioned") or loan.principal)),
        "suit_filed": loan.suit_filed_on is not None, "rate": loan.annual_rate,
        "tenure": terms.get("installments"), "emi": loan.emi,
        "frequency": None if terms.get("method") == "bullet" else terms.get("frequency", "monthly"),
    }  # fmt: skip


def _class(asset_class: str, category: str) -> str:
    """The RBI's class as the file's code names it: standard, special mention, or the NPA's
    category."""
    if asset_class == "STD":
        return "STD"
    if asset_class.startswith("SMA"):
        return "SMA"
    return "loss" if category == "loss" else "doubtful" if "doubtful" in category else "substandard"


def customer_addresses(customer: Customer) -> tuple[Address, ...]:
    """The customer's addresses as the bureaus' formats take them."""
    return tuple(
        Address(a.get("text", ""), a.get("state"), a.get("pin", ""), a.get("kind", ""))
        for a in customer.addresses or ()
    )
