"""Loans paid out in tranches (a house under construction, a project loan): the first tranche
is paid by `disburse_loan(amount=...)`; each later one here.

Guarantees: the tranches never add up to more than the sanctioned amount; each is a stored
event replayed with the loan (the installments not yet due are worked out again over the same
tenure, with interest on the new money from its day), posted as a disbursement entry in the
same transaction; the same reference twice is refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.repayments import book_event
from lms.servicing.service import loan_terms, locked_loan, reference_taken


def disburse_tranche(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    value_date: date,
    reference: str,
    posting_date: date,
) -> LoanEvent:
    """Pay out a further `amount` of loan `loan_id` on `value_date`."""
    loan = locked_loan(uow, loan_id)
    _check(uow, loan, amount, value_date, reference, posting_date)
    return book_event(
        uow, loan, kind="tranche", value_date=value_date, posting_date=posting_date,
        amount=amount, reference=reference,
    )  # fmt: skip


def _check(
    uow: UnitOfWork,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    reference: str,
    posting_date: date,
) -> None:
    if loan.status != "active" or loan.first_tranche is None or loan.disbursed_on is None:
        raise ConflictError(
            f"loan {loan.id} is not an active loan paid out in tranches; its first tranche is"
            " paid by the disbursement with an amount"
        )
    paid_out = uow.session.scalar(
        select(func.coalesce(func.sum(LoanEvent.amount), 0)).where(
            LoanEvent.loan_id == loan.id, LoanEvent.kind.in_(("disbursement", "tranche"))
        )
    )
    left = loan.principal - Decimal(paid_out or 0)
    problems = []
    precision = loan_terms(loan).precision
    if not 0 < amount <= left or precision.apply(amount) != amount:
        problems.append(
            ("amount", f"must be above 0, at most the {left} still undisbursed, on the paisa grid")
        )
    if not loan.disbursed_on < value_date <= posting_date:
        problems.append(
            ("value_date", f"must be after the first tranche and not after {posting_date}")
        )
    if reference_taken(uow, loan.id, "tranche", reference):
        problems.append(("reference", f"{reference!r} is already a tranche of loan {loan.id}"))
    if problems:
        raise InvalidError(problems)
