"""Charges the daily close levies (penal charges, charges by rule): written as events and
their journal entries set-based, by the same posting rules servicing uses; the few loans whose
money pays the charge at once (unapplied funds, or a payment that day) are replayed one by one.

Guarantee: each charge is one event and one entry of its kind's rule (a penal charge's income
held in suspense on an NPA); a loan that fails is recorded for the step and skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import update

from lms.close.failures import per_loan
from lms.close.models import LoanSnapshot
from lms.close.steps.snapshot import rewrite
from lms.ledger import rules
from lms.ledger.rules import JournalEntry
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, insert_rows
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.repayments import resettle
from lms.servicing.service import locked_loan

_CHUNK = 10_000


class Levy(NamedTuple):
    loan: int
    amount: Decimal
    tax: Decimal
    held: bool  # money held or received that day pays it at once: the loan is replayed
    npa: bool  # a penal charge's income is held in suspense until received
    kind: str  # "penal" or "charge"
    reference: str


def _entry(charge: Levy, day: date) -> JournalEntry:
    loan, amount, tax, reference = str(charge.loan), charge.amount, charge.tax, charge.reference
    if charge.kind == "penal":
        return rules.penal_charge(loan, day, amount, tax, npa=charge.npa, reference=reference)
    return rules.charge(loan, day, amount, tax, reference)


def levy(uow: UnitOfWork, day: date, charges: list[Levy], step: str) -> None:
    """Levy `charges` on `day` as events and their journal entries, in a few statements; a
    loan whose money pays its charge at once is replayed (a failure recorded for `step`)."""
    if not charges:
        return
    now = datetime.now(UTC)

    def events(levies: list[Levy]) -> list[int]:
        return insert_rows(
            uow,
            LoanEvent.metadata.tables["loan_events"],
            [
                {"loan_id": c.loan, "kind": c.kind, "value_date": day, "amount": c.amount,
                 "tax": c.tax, "reference": c.reference, "created_at": now}
                for c in levies
            ],
            ids=True,
        )  # fmt: skip

    plain = [c for c in charges if not c.held]
    entries = [_entry(c, day) for c in plain]
    event_ids: list[int | None] = list(events(plain))
    post_entries(uow, entries, posting_date=day, event_ids=event_ids)
    # the charge is the loan's latest event: its stored state (installments untouched) is its
    # state on the day, and the ledger check reads the charge from there
    loans = sorted({c.loan for c in plain})
    for start in range(0, len(loans), _CHUNK):  # SQLite binds at most 32,766 values
        uow.session.execute(
            update(Loan)
            .where(among(uow, Loan.id, loans[start : start + _CHUNK]), Loan.last_event_on < day)
            .values(last_event_on=day)
            .execution_options(synchronize_session=False)
        )
    for charge in (c for c in charges if c.held):  # unapplied funds (or that day's payments)
        loan_id = charge.loan  # pay the charge: the charge and its replay together, or neither
        with per_loan(uow, day, step, loan_id):
            (event_id,) = events([charge])
            loan = locked_loan(uow, loan_id)
            state = resettle(uow, loan, day=day, posting_date=day, cause=event_id)
            snapshot = uow.session.get(LoanSnapshot, (day, loan_id))
            if snapshot is not None:
                rewrite(snapshot, state)
