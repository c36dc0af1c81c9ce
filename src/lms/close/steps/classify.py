"""Step: stamp each loan's asset class at the day-end (STD, SMA-0/1/2, NPA), borrower-level
(lms.core.classification): one NPA facility makes all the borrower's facilities NPA the same
day, and they are upgraded only when nothing is overdue on any; and the NPA's age category.
Each close is one step of `lms.core.classification.classify_history`: today's DPD with the NPA
dates stamped yesterday, through the same `classify` that `lms simulate` folds over a loan's
days, so the two agree.

Partitioned by borrower (customer ids), so a borrower's loans are always classified together.
Set-based: the borrowers with no loan NPA or past the NPA threshold are stamped by one UPDATE
(each loan its own DPD's class: the rule's case for them); the facilities of the others are
read in one query, the pure rule stamps them, and only the loans whose stamp changed are
written, in one statement. A loan that becomes NPA has its
interest receivable moved from income to suspense (and back on an upgrade), in one query and
two statements.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select, update

from lms.core.classification import AssetCategory, AssetClass, Facility, Thresholds, classify
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, update_rows
from lms.servicing.balances import loan_penal_unrecognised
from lms.servicing.ledger_sync import suspense_moves_of
from lms.servicing.models import Loan, LoanEvent, LoanInstallment

NAME = "classify"
KEY = "customer"

_LOANS = Loan.metadata.tables["loans"]


def _move_interest(uow: UnitOfWork, day: date, flipped: dict[int, bool]) -> None:
    """Interest raised and not received moves from income to suspense when a loan becomes NPA,
    and what suspense holds back to income when it is upgraded; interest accrued and not due
    is taken back from income at the NPA and accrues no more (RBI income recognition); so are
    penal charges levied and not received. The amounts are the targets of the income rule
    (lms.servicing.ledger_sync.suspense_targets) less what suspense holds, so the close and
    servicing never move the same income twice."""
    if not flipped:
        return
    ids = list(flipped)
    accrued: dict[int, Decimal | None] = dict(
        uow.session.execute(
            select(Loan.id, Loan.accrued_interest).where(among(uow, Loan.id, ids))
        ).all()
    )
    unpaid = dict.fromkeys(flipped, Decimal(0))
    unpaid.update(  # the loans that changed side: the unpaid interest of the dues raised
        (k, v)
        for k, v in uow.session.execute(
            select(
                LoanInstallment.loan_id,
                func.sum(LoanInstallment.interest - LoanInstallment.interest_paid),
            )
            .join(Loan, Loan.id == LoanInstallment.loan_id)
            .where(among(uow, LoanInstallment.loan_id, ids))
            .where(LoanInstallment.due_date <= Loan.interest_posted_through)
            .group_by(LoanInstallment.loan_id)
        )
    )
    penal = set(_with_penal(uow, ids))
    targets = {
        loan_id: (
            unpaid[loan_id] if to_npa else Decimal(0),
            _penal_unrecognised(uow, loan_id) if to_npa and loan_id in penal else Decimal(0),
        )
        for loan_id, to_npa in flipped.items()
    }
    entries = []
    for loan_id, (interest_move, penal_move) in suspense_moves_of(uow, targets).items():
        if interest_move:
            entries.append(rules.income_to_suspense(str(loan_id), day, interest_move))
        if penal_move:
            entries.append(rules.income_to_suspense(str(loan_id), day, penal_move, penal=True))
    cleared = []
    for loan_id, to_npa in flipped.items():
        taken = (accrued.get(loan_id) or Decimal(0)) if to_npa else Decimal(0)
        if taken:
            entries.append(rules.accrual(str(loan_id), day, -taken))
        if to_npa:
            cleared.append({"id": loan_id, "accrued_through": None, "accrued_interest": None})
    update_rows(uow, _LOANS, ("id",), cleared)
    post_entries(uow, entries, posting_date=day)


def _penal_unrecognised(uow: UnitOfWork, loan_id: int) -> Decimal:
    loan = uow.session.get(Loan, loan_id)
    assert loan is not None
    return loan_penal_unrecognised(uow, loan)


def _with_penal(uow: UnitOfWork, loans: list[int]) -> list[int]:
    return list(
        uow.session.scalars(
            select(LoanEvent.loan_id)
            .where(among(uow, LoanEvent.loan_id, loans), LoanEvent.kind == "penal")
            .distinct()
        )
    )


_RULE = Thresholds()


def _npa_prone(in_partition: tuple[Any, ...]) -> Any:
    """The borrowers with a loan NPA (by its date or its stamp: an upgrade moves its income
    back) or past the NPA threshold: classified by the pure rule, borrower by borrower (one NPA
    facility makes all the borrower's facilities NPA)."""
    dpd = func.coalesce(Loan.dpd, 0)
    npa = or_(Loan.npa_since.is_not(None), Loan.asset_class == AssetClass.NPA.value)
    return select(Loan.customer_id).where(*in_partition, or_(npa, dpd > _RULE.npa))


def _stamp_npa_free(uow: UnitOfWork, in_partition: tuple[Any, ...], prone: Any) -> None:
    """Every other borrower's loans, in one statement: each loan's class is its own DPD's
    (`facility_class`), standard category, no NPA date: the rule's own case for a borrower
    with no NPA (tests/unit/test_classification.py); only the loans whose stamp changes."""
    dpd = func.coalesce(Loan.dpd, 0)
    own = case(
        (dpd > _RULE.sma2, AssetClass.SMA2.value),
        (dpd > _RULE.sma1, AssetClass.SMA1.value),
        (dpd > 0, AssetClass.SMA0.value),
        else_=AssetClass.STANDARD.value,
    )
    standard = AssetCategory.STANDARD.value
    uow.session.execute(
        update(Loan)
        .where(
            *in_partition,
            Loan.customer_id.not_in(prone),
            Loan.asset_class.is_distinct_from(own) | Loan.asset_category.is_distinct_from(standard),
        )
        .values(asset_class=own, asset_category=standard)
        .execution_options(synchronize_session=False)
    )


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    in_partition = (Loan.customer_id.between(low, high), Loan.status == "active")
    prone = _npa_prone(in_partition)
    _stamp_npa_free(uow, in_partition, prone)
    rows = uow.session.execute(
        select(
            Loan.id,
            Loan.customer_id,
            Loan.dpd,
            Loan.npa_since,
            Loan.asset_class,
            Loan.asset_category,
        ).where(*in_partition, Loan.customer_id.in_(prone))
    ).all()
    total = uow.session.scalar(select(func.count()).where(*in_partition))
    stamps = classify(
        (Facility(loan, customer, dpd or 0, since) for loan, customer, dpd, since, _, _ in rows),
        day,
    )
    changed = [
        {
            "id": loan,
            "asset_class": stamps[loan].asset_class.value,
            "npa_since": stamps[loan].npa_since,
            "asset_category": stamps[loan].category.value,
        }
        for loan, _, _, since, cls, category in rows
        if (cls, since, category)
        != (stamps[loan].asset_class.value, stamps[loan].npa_since, stamps[loan].category.value)
    ]
    update_rows(uow, _LOANS, ("id",), changed)
    flipped = {
        loan: stamps[loan].asset_class is AssetClass.NPA
        for loan, _, _, _, cls, _ in rows
        if (cls == AssetClass.NPA.value) != (stamps[loan].asset_class is AssetClass.NPA)
    }
    _move_interest(uow, day, flipped)
    uow.session.execute(  # a loan closed since its last stamp is standard again
        update(Loan)
        .where(
            Loan.customer_id.between(low, high),
            Loan.status == "closed",
            Loan.asset_class.is_not(None),
            Loan.asset_class != "STD",
        )
        .values(asset_class="STD", npa_since=None, asset_category="standard")
        .execution_options(synchronize_session=False)
    )
    return int(total or 0)
