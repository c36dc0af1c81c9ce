"""What a borrower sees of their loans: on the home page, each loan's outstanding, next due
date and amount, what is overdue and the mandate's status; on a loan's page, its terms,
schedule with paid parts, transactions and charges.

Guarantees: read-only; every figure comes from the loan's replay at the business date, as
the staff application and the statement show it, so the three never disagree; nothing
internal (journal entries, audit trail, staff notes) is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.close.portfolio import PlanRow, installment_plan
from lms.core.book import RECOVERY
from lms.core.charge_positions import ChargePosition
from lms.documents.service import loan_statement
from lms.documents.statement import StatementLine
from lms.payments.models import Mandate
from lms.platform.db import UnitOfWork
from lms.portal.access import loans_of
from lms.servicing.charges import positions
from lms.servicing.models import Loan, LoanEvent, Product
from lms.servicing.payment_rules import MONEY_IN
from lms.servicing.service import loan_state

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LoanSummary:
    loan: Loan
    product: str
    joint: bool  # the borrower is a co-borrower of it
    outstanding: Decimal  # principal not yet repaid
    overdue: Decimal  # due and unpaid: installments and charges
    dpd: int
    next_due: tuple[date, Decimal] | None  # the next installment not yet due, unpaid part
    mandate: Mandate | None  # the latest mandate
    excess: Decimal = ZERO  # money held for the next due


@dataclass(frozen=True, slots=True)
class LoanDetail:
    summary: LoanSummary
    plan: list[PlanRow]
    lines: list[StatementLine]  # the loan's transactions, oldest first
    charges: list[ChargePosition] = field(default_factory=list)  # levied, paid, waived, owed
    receipts: dict[str, int] = field(default_factory=dict)  # a payment's reference: its event


def summaries(uow: UnitOfWork, customer_id: int, today: date) -> list[LoanSummary]:
    """The borrower's loans that were paid out, as the home page shows them."""
    return [summary(uow, loan, customer_id, today) for loan in loans_of(uow, customer_id)
            if loan.disbursed_on is not None]  # fmt: skip


def summary(uow: UnitOfWork, loan: Loan, customer_id: int, today: date) -> LoanSummary:
    state = loan_state(uow, loan_id=loan.id, as_of=today)
    upcoming = next((i for i in state.installments if i.due_date > today and i.unpaid), None)
    product = uow.session.get(Product, loan.product_id)
    mandate = uow.session.scalar(
        select(Mandate).where(Mandate.loan_id == loan.id).order_by(Mandate.id.desc()).limit(1)
    )
    closed = loan.status in ("closed", "settled")  # a written-off loan is still owed
    return LoanSummary(
        loan, product.name if product is not None else "", loan.customer_id != customer_id,
        ZERO if closed else state.principal_outstanding,
        ZERO if closed else state.principal_due + state.interest_due + state.charges_due,
        0 if closed else state.dpd,
        (upcoming.due_date, upcoming.unpaid) if upcoming and not closed else None,
        mandate, state.excess,
    )  # fmt: skip


def detail(uow: UnitOfWork, loan: Loan, customer_id: int, today: date) -> LoanDetail:
    """The loan's page: its summary, plan, transactions and charges."""
    _, plan = installment_plan(uow, loan_id=loan.id, today=today)
    _, lines = loan_statement(uow, loan_id=loan.id, as_of=today)
    charges = [c for c in positions(uow, loan.id, today)
               if not c.charge.reference.startswith(RECOVERY)]  # fmt: skip
    paid = uow.session.execute(
        select(LoanEvent.reference, LoanEvent.id)
        .where(LoanEvent.loan_id == loan.id, LoanEvent.kind.in_(MONEY_IN))
    ).all()  # fmt: skip
    receipts = {reference: event_id for reference, event_id in paid if reference}
    return LoanDetail(summary(uow, loan, customer_id, today), plan, lines, charges, receipts)
