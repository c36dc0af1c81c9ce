"""What a list of loans shows of each beside its own row: the borrower's name, the principal
outstanding, what is overdue, days past due and asset class; and the list's filter values.

Guarantees:
- Read only, two queries for a page of loans whatever its length (the borrowers, and one
  aggregate over the page's installments).
- Figures at the day-end of `today` from the stored installments (equal to the replay of the
  loan's events): principal outstanding is the scheduled principal not yet paid; overdue is
  the principal and interest of installments due on or before `today` not yet paid (charges
  are shown on the loan itself); DPD is `today` - the oldest unpaid due date + 1 once that
  date has come (lms.servicing.service.where_dpd), else 0; the class is the one the daily
  close stamped last.
- A DPD bucket the list does not know is refused, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from lms.close.portfolio import dpd_buckets
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import Customer, Loan, LoanInstallment

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LoanLine:
    """One loan as a list shows it, beside its own row."""

    borrower: str
    principal_outstanding: Decimal
    overdue: Decimal
    dpd: int
    asset_class: str | None


def days_past_due(oldest_unpaid_due: date | None, today: date) -> int:
    """Days past due at the day-end of `today`, from the oldest unpaid due date."""
    if oldest_unpaid_due is None or oldest_unpaid_due > today:
        return 0
    return (today - oldest_unpaid_due).days + 1


def loan_lines(uow: UnitOfWork, loans: list[Loan], today: date) -> dict[int, LoanLine]:
    """Each loan's line, by loan id."""
    if not loans:
        return {}
    ids = [loan.id for loan in loans]
    customers = sorted({loan.customer_id for loan in loans})
    named = select(Customer.id, Customer.name).where(Customer.id.in_(customers))
    names: dict[int, str] = dict(uow.session.execute(named).all())
    i = LoanInstallment
    unpaid = i.principal + i.interest - i.principal_paid - i.interest_paid
    sums = {
        loan_id: (left, overdue)
        for loan_id, left, overdue in uow.session.execute(
            select(
                i.loan_id,
                func.sum(i.principal - i.principal_paid),
                func.sum(case((i.due_date <= today, unpaid), else_=0)),
            )
            .where(i.loan_id.in_(ids))
            .group_by(i.loan_id)
        )
    }
    lines = {}
    for loan in loans:
        left, overdue = sums.get(loan.id, (ZERO, ZERO)) if loan.status == "active" else (0, 0)
        lines[loan.id] = LoanLine(
            names.get(loan.customer_id, ""),
            Decimal(left or 0),
            Decimal(overdue or 0),
            days_past_due(loan.oldest_unpaid_due, today),
            loan.asset_class,
        )
    return lines


def bucket_range(label: str | None) -> tuple[int | None, int | None]:
    """The DPD range (low, high; None: open) of a bucket label of the portfolio summary."""
    if label is None:
        return None, None
    for bucket in dpd_buckets():
        if bucket.label == label:
            return bucket.low, bucket.high
    known = ", ".join(b.label for b in dpd_buckets())
    raise InvalidError([("bucket", f"must be one of {known}")])
