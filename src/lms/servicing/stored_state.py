"""A loan's stored figures made equal to its replayed state: the installments' rows (due dates,
amounts, what is paid of them) and the loan's excess, EMI, last event, oldest unpaid due date
and standing, after every servicing operation.

Guarantees: only what changed is written; a foreclosure or a revision that replaced
installments not yet due has their rows replaced; a loan off the books (written off or
settled) keeps its standing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, delete, insert, select, update

from lms.core.money import ZERO
from lms.core.replay import LoanState
from lms.platform.db import UnitOfWork
from lms.servicing.figures import current_emi
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.payment_rules import first_unpaid_due
from lms.servicing.service import loan_terms


def oldest_unpaid_due(state: LoanState) -> date | None:
    """The due date of the oldest installment that will still be unpaid at its day-end if no
    more money comes (lms.servicing.payment_rules.first_unpaid_due)."""
    return first_unpaid_due(state.installments, state.as_of, state.excess)


_INSTALLMENTS = LoanInstallment.metadata.tables["loan_installments"]
_UPDATE_INSTALLMENT = (
    update(_INSTALLMENTS)
    .where(
        _INSTALLMENTS.c.loan_id == bindparam("key_loan"),
        _INSTALLMENTS.c.number == bindparam("key_number"),
    )
    .values(
        {
            name: bindparam(name)
            for name in ("due_date", "principal", "interest", "principal_paid", "interest_paid")
        }
    )
)


def _keyed(values: dict[str, object]) -> dict[str, object]:
    """Parameters of _UPDATE_INSTALLMENT (the key under names the SET clause does not use)."""
    rest = {k: v for k, v in values.items() if k not in ("loan_id", "number")}
    return {"key_loan": values["loan_id"], "key_number": values["number"], **rest}


def store_state(uow: UnitOfWork, loan: Loan, state: LoanState) -> None:
    """Make the stored installments and the loan's figures equal the replayed state (a
    foreclosure replaces the installments not yet due by one; the stored rows follow). Only
    what changed is written."""
    columns = (
        LoanInstallment.due_date,
        LoanInstallment.principal,
        LoanInstallment.interest,
        LoanInstallment.principal_paid,
        LoanInstallment.interest_paid,
    )
    stored = {
        number: tuple(values)
        for number, *values in uow.session.execute(
            select(LoanInstallment.number, *columns).where(LoanInstallment.loan_id == loan.id)
        )
    }
    names = [column.key for column in columns]
    added: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for item in state.installments:
        wanted = (
            item.due_date,
            item.principal,
            item.interest,
            item.principal_paid,
            item.interest_paid,
        )
        have = stored.pop(item.number, None)
        if have != wanted:
            values = {
                "loan_id": loan.id,
                "number": item.number,
                **dict(zip(names, wanted, strict=True)),
            }
            (added if have is None else changed).append(values)
    if added:
        uow.session.execute(insert(_INSTALLMENTS), added)
    if changed:
        uow.session.execute(_UPDATE_INSTALLMENT, [_keyed(values) for values in changed])
    if stored:  # derived rows of a schedule that a revision or a foreclosure replaced
        uow.session.execute(
            delete(LoanInstallment).where(
                LoanInstallment.loan_id == loan.id, LoanInstallment.number.in_(list(stored))
            )
        )
    loan.excess = state.excess
    loan.emi = current_emi(state, loan_terms(loan), loan.emi)
    loan.last_event_on = state.as_of
    loan.oldest_unpaid_due = oldest_unpaid_due(state)
    loan.principal_outstanding = state.principal_outstanding
    capitalised = sum((c.interest for c in state.capitalised), ZERO)
    if capitalised or loan.capitalised_interest:
        loan.capitalised_interest = capitalised
    if loan.written_off_on is None:  # off the books, a loan keeps its standing
        loan.status, loan.closed_on = (
            ("closed", state.closed_on) if state.closed_on else ("active", None)
        )
