"""What a lender owes a borrower once a secured loan is repaid or settled: the original
documents of the security given back and the charge on the asset removed from its registry
(CERSAI, the ROC, the RTO) within 30 days, or compensation for each day of delay (RBI,
"Responsible Lending Conduct", 13 Sep 2023: Rs 5,000 a day, `LMS_RELEASE_DELAY_COMPENSATION`).
Documents the lender lost or damaged give it 30 more days to help the borrower obtain copies.

Guarantees: every closed or settled loan of a secured product has its duty, found from the
loan itself (none is missed for want of a row); a date recorded is neither before the
closure nor after the business date, and once recorded is not changed; the compensation is
exact (whole rupees a day) and counts the days from the deadline to the later of the two
acts, or to today while either is outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, select

from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan, Product, SecurityRelease

RELEASE_DAYS = 30
EXTRA_DAYS = 30  # documents the lender lost: help obtain copies within 30 more days
CLOSED = ("closed", "settled")


@dataclass(frozen=True, slots=True)
class Release:
    """A closed secured loan's duty of release, as it stands."""

    loan_id: int
    loan_number: str
    branch: str
    borrower: str
    closed_on: date
    returned_on: date | None
    charge_removed_on: date | None
    extended_because: str | None

    @property
    def due_by(self) -> date:
        days = RELEASE_DAYS + (EXTRA_DAYS if self.extended_because else 0)
        return self.closed_on + timedelta(days=days)

    @property
    def done(self) -> bool:
        return self.returned_on is not None and self.charge_removed_on is not None

    def days_late(self, today: date) -> int:
        """Days past the deadline until both acts were done (or until `today`)."""
        end = max(self.returned_on or today, self.charge_removed_on or today)
        return max(0, (end - self.due_by).days)

    def compensation(self, today: date) -> Decimal:
        return self.days_late(today) * get_settings().release_delay_compensation


def releases(
    uow: UnitOfWork, *, today: date, branches: frozenset[str] | None, pending: bool = True
) -> list[Release]:
    """The duties of release of closed secured loans (`pending`: those not yet done), of
    `branches` (None: all), the soonest due first."""
    query = _query().order_by(Loan.closed_on, Loan.id)
    if branches is not None:
        query = query.where(Loan.branch_code.in_(sorted(branches)))
    found = [_release(loan, name, row) for loan, name, row in uow.session.execute(query).all()]
    shown = [r for r in found if not (pending and r.done)]
    return sorted(shown, key=lambda r: (r.due_by, r.loan_id))


def release_of(uow: UnitOfWork, loan_id: int) -> Release | None:
    """The loan's duty of release; None for a loan that has none (open, or not secured)."""
    found = uow.session.execute(_query().where(Loan.id == loan_id)).first()
    return _release(found[0], found[1], found[2]) if found is not None else None


def _query() -> Select[Loan, str, SecurityRelease | None]:
    return (
        select(Loan, Customer.name, SecurityRelease)
        .join(Product, Product.id == Loan.product_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .outerjoin(SecurityRelease, SecurityRelease.loan_id == Loan.id)
        .where(Loan.status.in_(CLOSED), Product.secured.is_(True), Loan.closed_on.is_not(None))
    )


def _release(loan: Loan, borrower: str, row: SecurityRelease | None) -> Release:
    assert loan.closed_on is not None  # the query's condition
    return Release(
        loan.id, loan.external_id, loan.branch_code, borrower, loan.closed_on,
        row.returned_on if row else None, row.charge_removed_on if row else None,
        row.extended_because if row else None,
    )  # fmt: skip


def record_release(
    uow: UnitOfWork,
    *,
    loan_id: int,
    today: date,
    actor: str,
    returned_on: date | None = None,
    charge_removed_on: date | None = None,
    extended_because: str | None = None,
) -> Release:
    """Record the documents given back, the charge removed, or (documents lost) the extension
    with its reason; each once."""
    duty = release_of(uow, loan_id)
    if duty is None:
        if uow.session.get(Loan, loan_id) is None:
            raise NotFoundError("loan", loan_id)
        raise ConflictError(f"loan {loan_id} is not a closed loan of a secured product")
    _check(duty, today, returned_on, charge_removed_on, extended_because)
    row = uow.session.scalar(select(SecurityRelease).where(SecurityRelease.loan_id == loan_id))
    if row is None:
        row = SecurityRelease(loan_id=loan_id, updated_at=datetime.now(UTC))
        uow.session.add(row)
    row.returned_on = returned_on or row.returned_on
    row.charge_removed_on = charge_removed_on or row.charge_removed_on
    row.extended_because = (extended_because or "").strip() or row.extended_because
    row.updated_by, row.updated_at = actor, datetime.now(UTC)
    uow.session.flush()
    found = release_of(uow, loan_id)
    assert found is not None
    return found


def _check(
    duty: Release,
    today: date,
    returned_on: date | None,
    charge_removed_on: date | None,
    extended_because: str | None,
) -> None:
    problems = []
    for name, day, before in (("returned_on", returned_on, duty.returned_on),
                              ("charge_removed_on", charge_removed_on, duty.charge_removed_on)):  # fmt: skip
        if day is None:
            continue
        if before is not None:
            problems.append((name, f"was recorded already ({before})"))
        elif not duty.closed_on <= day <= today:
            problems.append((name, f"must be from the closure ({duty.closed_on}) to {today}"))
    if extended_because is not None:
        if duty.extended_because or duty.returned_on:
            problems.append(("extended_because", "the extension is given once, before the return"))
        elif not 3 <= len(extended_because.strip()) <= 500:
            problems.append(("extended_because", "must say why, in 3 to 500 characters"))
    if returned_on is None and charge_removed_on is None and extended_because is None:
        problems.append(("returned_on", "say what was done"))
    if problems:
        raise InvalidError(problems)
