"""Step: stamp each loan's asset class at the day-end (STD, SMA-0/1/2, NPA), borrower-level
(lms.core.classification): one NPA facility makes all the borrower's facilities NPA the same
day, and they are upgraded only when nothing is overdue on any; and the NPA's age category.
Each close is one step of `lms.core.classification.classify_history`: today's DPD with the NPA
dates stamped yesterday, through the same `classify` that `lms simulate` folds over a loan's
days, so the two agree.

A restructure's hold (an NPA through its specified period) is the loan's own data
(`restructured_on`, `npa_held_until`), read with the rest.
Partitioned by borrower (customer ids), so a borrower's loans are always classified together.
Set-based: the partition's active loans are read once into a temporary table; the borrowers
with no loan NPA or past the NPA threshold are stamped by one UPDATE (each loan its own DPD's
class: the rule's case for them); the facilities of the others are read from that copy, the
pure rule stamps them, and only the loans whose stamp changed are written, in one statement. A loan that becomes NPA has its
interest receivable moved from income to suspense (and back on an upgrade), in one query and
two statements.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    case,
    func,
    insert,
    or_,
    select,
    update,
)

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
    accrued: dict[int, Decimal | None] = {}
    unpaid = dict.fromkeys(flipped, Decimal(0))
    for loan_id, interest, capitalised in uow.session.execute(
        select(Loan.id, Loan.accrued_interest, Loan.capitalised_interest).where(
            among(uow, Loan.id, ids)
        )
    ):
        accrued[loan_id], unpaid[loan_id] = interest, capitalised or Decimal(0)
    for loan_id, raised in uow.session.execute(
        # the loans that changed side: the unpaid interest of the dues raised (and above,
        # what restructures capitalised)
        select(
            LoanInstallment.loan_id,
            func.sum(LoanInstallment.interest - LoanInstallment.interest_paid),
        )
        .join(Loan, Loan.id == LoanInstallment.loan_id)
        .where(among(uow, LoanInstallment.loan_id, ids), among(uow, Loan.id, ids))
        # dues are raised up to the day at most: the (loan, due date) index reads only those
        .where(LoanInstallment.due_date <= day)
        .where(LoanInstallment.due_date <= Loan.interest_posted_through)
        .group_by(LoanInstallment.loan_id)
    ):
        unpaid[loan_id] += raised
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
    for loan_id, to_npa in flipped.items():
        taken = (accrued.get(loan_id) or Decimal(0)) if to_npa else Decimal(0)
        if taken:
            entries.append(rules.accrual(str(loan_id), day, -taken))
    npa = [loan_id for loan_id, to_npa in flipped.items() if to_npa]
    if npa:  # accrues no more: one statement for all of them, the same values for each
        uow.session.execute(
            update(Loan).where(among(uow, Loan.id, npa))
            .values(accrued_through=None, accrued_interest=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
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

# The partition's active loans, read once (the loans of a range of borrowers lie all over the
# loan table: each pass over them reads most of its pages): which borrowers are NPA-prone, the
# facilities the pure rule classifies, the loans whose own-DPD stamp changes and the count all
# come from this copy. Written only by this step, in its own transaction; dropped at its end.
_PART = Table(
    "_classify_part",
    MetaData(),
    Column("id", Integer),
    Column("customer_id", Integer),
    Column("dpd", Integer),
    Column("npa_since", Date),
    Column("asset_class", String(8)),
    Column("asset_category", String(16)),
    Column("restructured_on", Date),
    Column("npa_held_until", Date),
    prefixes=["TEMPORARY"],
)


def _own_class(dpd: Any) -> Any:
    """A loan's class by its own DPD: the rule's case for a borrower with no NPA."""
    dpd = func.coalesce(dpd, 0)
    return case(
        (dpd > _RULE.sma2, AssetClass.SMA2.value),
        (dpd > _RULE.sma1, AssetClass.SMA1.value),
        (dpd > 0, AssetClass.SMA0.value),
        else_=AssetClass.STANDARD.value,
    )


def _npa_prone(day: date) -> Any:
    """The borrowers with a loan NPA (by its date or its stamp: an upgrade moves its income
    back), past the NPA threshold or held NPA by a restructure: classified by the pure rule,
    borrower by borrower (one NPA facility makes all the borrower's facilities NPA)."""
    p = _PART.c
    npa = or_(p.npa_since.is_not(None), p.asset_class == AssetClass.NPA.value)
    held = (p.restructured_on <= day) & (p.npa_held_until > day)
    return select(p.customer_id).where(or_(npa, held, func.coalesce(p.dpd, 0) > _RULE.npa))


def _stamp_npa_free(uow: UnitOfWork, prone: Any) -> None:
    """Every other borrower's loans, in one statement: each loan's class is its own DPD's,
    standard category, no NPA date: the rule's own case for a borrower with no NPA
    (tests/unit/test_classification.py); only the loans whose stamp changes, the stamp worked
    out from the loan row as it stands when written."""
    p = _PART.c
    standard = AssetCategory.STANDARD.value
    changing = (
        select(p.id)
        .where(
            p.customer_id.not_in(prone),
            p.asset_class.is_distinct_from(_own_class(p.dpd))
            | p.asset_category.is_distinct_from(standard),
        )
        .subquery()
    )
    uow.session.execute(
        update(Loan)
        .where(Loan.id == changing.c.id)
        .values(asset_class=_own_class(Loan.dpd), asset_category=standard)
        .execution_options(synchronize_session=False)
    )


def _read_partition(uow: UnitOfWork, low: int, high: int) -> None:
    columns: list[Any] = [Loan.id, Loan.customer_id, Loan.dpd, Loan.npa_since]
    columns += [Loan.asset_class, Loan.asset_category, Loan.restructured_on, Loan.npa_held_until]
    connection = uow.session.connection()
    _PART.create(connection)
    in_partition = (Loan.customer_id.between(low, high), Loan.status == "active")
    connection.execute(
        insert(_PART).from_select(_PART.c.keys(), select(*columns).where(*in_partition))
    )


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    _read_partition(uow, low, high)
    prone = _npa_prone(day)
    _stamp_npa_free(uow, prone)
    p = _PART.c
    rows = uow.session.execute(
        select(p.id, p.customer_id, p.dpd, p.npa_since, p.asset_class, p.asset_category).where(
            p.customer_id.in_(prone)
        )
    ).all()
    holds = {
        loan: (start, until)
        for loan, start, until in uow.session.execute(
            select(p.id, p.restructured_on, p.npa_held_until).where(
                p.customer_id.in_(prone), p.npa_held_until.is_not(None)
            )
        )
    }
    total = uow.session.scalar(select(func.count()).select_from(_PART))
    _PART.drop(uow.session.connection())
    stamps = classify(
        (
            Facility(loan, customer, dpd or 0, since, holds.get(loan))
            for loan, customer, dpd, since, _, _ in rows
        ),
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
