"""Step (first of the close): restate past day-ends that a backdated event changed.

A payment, reversal or other event dated before the day it was booked changes the loan's days
past due on the days between; the borrower's classification on those days may change with it
(NPA is borrower-level). For each borrower with such a loan, day by day from the earliest
changed date to yesterday, this step replays the changed loans (the others keep their recorded
DPD), classifies the borrower's facilities again (lms.core.classification) and rewrites those
days' snapshots; the loans' current stamps then continue from the restated yesterday.

A changed loan's overdue charges by rule levied since the change are checked again
(lms.close.steps.charges.restate_overdue_charges): one whose installment was in fact paid by
the day it was levied is reversed.

At each restated month end, a changed loan's penal charge for the month is worked out again
from the restated days (lms.close.steps.penal.restate_month): a wrong one is reversed and the
right one levied on the month end, and the loan is replayed and its ledger moved to match (one
adjustment entry). Its required provision of that day is worked out again too; the ledger's
provisions follow at the next month end (provision_entry books the whole book's requirement).

Partitioned by borrower.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from lms.close.models import LoanSnapshot
from lms.close.steps.charges import restate_overdue_charges
from lms.close.steps.penal import restate_month
from lms.close.steps.provision import loan_provision, month_end
from lms.close.steps.snapshot import rewrite
from lms.core.classification import Facility, classify
from lms.platform.db import UnitOfWork
from lms.platform.settings import lender_rates
from lms.servicing.models import Loan, LoanRestatement
from lms.servicing.repayments import resettle
from lms.servicing.service import locked_loan, replayed

NAME = "restate"
KEY = "customer"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    pending = uow.session.execute(
        select(
            LoanRestatement.id,
            LoanRestatement.loan_id,
            LoanRestatement.from_date,
            Loan.customer_id,
            Loan.written_off_on,
        )
        .join(Loan, Loan.id == LoanRestatement.loan_id)
        .where(Loan.customer_id.between(low, high), LoanRestatement.restated_on.is_(None))
    ).all()
    by_borrower: dict[int, dict[int, date]] = {}
    for _, loan_id, since, customer, off in pending:
        if off is not None:  # off the books: its history up to then is closed, not restated
            continue
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
    current, recharged = start, dict[int, int]()
    while current < day:
        rows = [(k, d) for (k, d) in snapshots if d == current]
        if rows:
            since = _restate_day(uow, loans, changed, snapshots, current, since)
            if month_end(current):
                recharged |= _restate_month_end(uow, loans, changed, snapshots, current, day)
        current += timedelta(days=1)
    for loan_id, changed_on in changed.items():  # overdue charges a backdated payment undid
        cause = restate_overdue_charges(uow, loans[loan_id], changed_on, day)
        if cause is not None:
            recharged.setdefault(loan_id, cause)
    for loan_id, cause in sorted(recharged.items()):  # the right penal charges, posted today
        resettle(uow, locked_loan(uow, loan_id), day=day, posting_date=day, cause=cause)
    for loan_id, loan in loans.items():  # today's close continues from the restated yesterday
        if (loan_id, day - timedelta(days=1)) in snapshots:
            loan.npa_since = since.get(loan_id)
    uow.session.flush()


def _restate_month_end(
    uow: UnitOfWork,
    loans: dict[int, Loan],
    changed: dict[int, date],
    snapshots: dict[tuple[int, date], LoanSnapshot],
    current: date,
    day: date,
) -> dict[int, int]:
    """The changed loans' penal charges and provisions of the month end `current`; the loans
    whose penal charge changed, with the first event that changed it."""
    uow.session.flush()  # the month's penal is summed from the stored snapshots
    rates = lender_rates()
    recharged: dict[int, int] = {}
    for loan_id, since in changed.items():
        snapshot = snapshots.get((loan_id, current))
        if since > current or snapshot is None:
            continue
        cause = restate_month(uow, loans[loan_id], current, day)
        if cause is not None:
            recharged.setdefault(loan_id, cause)
        snapshot.provision = loan_provision(uow, rates, loans[loan_id], snapshot)
    return recharged


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
            rewrite(snapshot, replayed(uow, loan, current))
        held = None  # a restructure's NPA hold, as the classify step reads it
        if loan.restructured_on is not None and loan.npa_held_until is not None:
            held = (loan.restructured_on, loan.npa_held_until)
        facilities.append(
            Facility(loan_id, loan.customer_id, snapshot.dpd, since.get(loan_id), held)
        )
    stamps = classify(facilities, current)
    for loan_id, stamp in stamps.items():
        snapshot = snapshots[(loan_id, current)]
        snapshot.asset_class, snapshot.category = stamp.asset_class.value, stamp.category.value
        snapshot.npa_since = stamp.npa_since
    return {loan_id: stamp.npa_since for loan_id, stamp in stamps.items()}
