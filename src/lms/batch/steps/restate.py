"""Step (first of the close): restate past day-ends that a backdated event changed.

A payment, reversal or other event dated before the day it was booked changes the loan's days
past due on the days between; the borrower's classification on those days may change with it
(NPA is borrower-level). For each borrower with such a loan, day by day from the earliest
changed date to yesterday, this step replays the changed loans (the others keep their recorded
DPD), classifies the borrower's facilities again (lms.core.classification) and rewrites those
days' snapshots; the loans' current stamps then continue from the restated yesterday.

Partitioned by borrower. Penal charges and provisions already booked for past month ends are
not restated (the next ones follow the restated days).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from lms.batch.models import LoanSnapshot
from lms.core.classification import Facility, classify
from lms.db import UnitOfWork
from lms.loans.models import Loan, LoanRestatement
from lms.loans.service import replayed

NAME = "restate"
KEY = "customer"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    pending = uow.session.execute(
        select(
            LoanRestatement.id, LoanRestatement.loan_id, LoanRestatement.from_date, Loan.customer_id
        )
        .join(Loan, Loan.id == LoanRestatement.loan_id)
        .where(Loan.customer_id.between(low, high), LoanRestatement.restated_on.is_(None))
    ).all()
    by_borrower: dict[int, dict[int, date]] = {}
    for _, loan_id, since, customer in pending:
        changed = by_borrower.setdefault(customer, {})
        changed[loan_id] = min(since, changed.get(loan_id, since))
    for customer, changed in by_borrower.items():
        _restate(uow, customer, changed, day)
    if pending:
        uow.session.execute(
            update(LoanRestatement)
            .where(LoanRestatement.id.in_([row[0] for row in pending]))
            .values(restated_on=day)
            .execution_options(synchronize_session=False)
        )
    return sum(len(changed) for changed in by_borrower.values())


def _restate(uow: UnitOfWork, customer: int, changed: dict[int, date], day: date) -> None:
    loans = {
        loan.id: loan
        for loan in uow.session.scalars(select(Loan).where(Loan.customer_id == customer))
    }
    start = min(changed.values())
    snapshots = {
        (s.loan_id, s.day): s
        for s in uow.session.scalars(
            select(LoanSnapshot).where(
                LoanSnapshot.loan_id.in_(list(loans)),
                LoanSnapshot.day >= start - timedelta(days=1),
                LoanSnapshot.day < day,
            )
        )
    }
    since = {k: s.npa_since for (k, d), s in snapshots.items() if d == start - timedelta(days=1)}
    current = start
    while current < day:
        rows = [(k, d) for (k, d) in snapshots if d == current]
        if rows:
            since = _restate_day(uow, loans, changed, snapshots, current, since)
        current += timedelta(days=1)
    for loan_id, loan in loans.items():  # today's close continues from the restated yesterday
        if (loan_id, day - timedelta(days=1)) in snapshots:
            loan.npa_since = since.get(loan_id)
    uow.session.flush()


def _restate_day(
    uow: UnitOfWork,
    loans: dict[int, Loan],
    changed: dict[int, date],
    snapshots: dict[tuple[int, date], LoanSnapshot],
    current: date,
    since: dict[int, date | None],
) -> dict[int, date | None]:
    facilities = []
    for loan_id, loan in loans.items():
        snapshot = snapshots.get((loan_id, current))
        if snapshot is None:
            continue
        if loan_id in changed and current >= changed[loan_id]:
            state = replayed(uow, loan, current)
            snapshot.dpd = state.dpd
            snapshot.principal_outstanding = state.principal_outstanding
            snapshot.principal_due, snapshot.interest_due = state.principal_due, state.interest_due
            snapshot.excess = state.excess
            snapshot.status = "closed" if state.closed_on else "active"
        facilities.append(Facility(loan_id, loan.customer_id, snapshot.dpd, since.get(loan_id)))
    stamps = classify(facilities, current)
    for loan_id, stamp in stamps.items():
        snapshot = snapshots[(loan_id, current)]
        snapshot.asset_class, snapshot.category = stamp.asset_class.value, stamp.category.value
        snapshot.npa_since = stamp.npa_since
    return {loan_id: stamp.npa_since for loan_id, stamp in stamps.items()}
