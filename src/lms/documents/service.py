"""Document use cases: a loan's statement and its Key Facts Statement, from stored data.

Guarantee: read-only; documents are derived from the loan's terms and events exactly as its
state is (same schedule, same replay), so they cannot disagree with it.
"""

from __future__ import annotations

from datetime import date

from lms.db import UnitOfWork
from lms.documents.pdf import kfs_pdf
from lms.documents.statement import StatementLine, statement_lines
from lms.loans.errors import ConflictError
from lms.loans.models import Product
from lms.loans.service import (
    existing_loan,
    loan_history,
    loan_schedule,
    loan_terms,
    loan_waterfall,
)


def loan_statement(
    uow: UnitOfWork, *, loan_id: int, as_of: date
) -> tuple[str, list[StatementLine]]:
    """(a label for the loan, its statement lines up to `as_of`)."""
    loan = existing_loan(uow, loan_id)
    if loan.disbursed_on is None:
        raise ConflictError(f"loan {loan_id} is not disbursed; it has no statement yet")
    rows, events = loan_history(uow, loan)
    waterfall = loan_waterfall(uow, loan)
    terms = loan_terms(loan)
    lines = statement_lines(
        rows, events, terms.principal, loan.disbursed_on, as_of, waterfall, terms
    )
    return f"{loan.external_id} (loan {loan.id})", lines


def loan_kfs(uow: UnitOfWork, *, loan_id: int) -> bytes:
    """The Key Facts Statement of the loan as booked, as PDF bytes."""
    loan = existing_loan(uow, loan_id)
    label = f"{loan.external_id} (loan {loan.id})"
    product = uow.session.get(Product, loan.product_id)
    contingent = "none defined for this product"
    if product is not None and product.bounce_charge:
        contingent = f"bounce charge Rs {product.bounce_charge:f} + {product.bounce_charge_tax or 0}% GST per returned payment"
    return kfs_pdf(
        label,
        f"KFS-{loan.external_id}",
        loan.created_at.date(),
        loan_terms(loan),
        loan_schedule(loan),
        contingent,
    )
