"""Step: the daily portfolio snapshot, one row per loan and day (outstanding, dues, excess,
DPD, class, category), for reports that read history without replaying loans.

Active loans, and loans closed that day. Set-based: one INSERT ... SELECT per partition, the
principal outstanding read from the loan row (kept by every writer of its installments), the
dues summed from the installments due and unpaid (and at month ends on PostgreSQL, each
loan's required provision: see `_provision`). On PostgreSQL the snapshots are partitioned by
month, each month's made here before its first snapshot (`month_partition`). Guarantee:
written once per loan and day (the close marks the partition done in the same transaction,
and the key refuses a second row).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    Numeric,
    String,
    case,
    false,
    func,
    insert,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.sql.functions import coalesce

from lms.close.models import LoanSnapshot
from lms.close.steps.provision import month_end, relief_restructured_sql
from lms.core.book import LoanState
from lms.core.classification import AssetCategory
from lms.core.provisioning import percent
from lms.platform.db import UnitOfWork
from lms.platform.db.types import Money
from lms.platform.settings import lender_rates
from lms.servicing.models import Loan, LoanInstallment, Product

ZERO = Decimal(0)
NAME = "snapshot"
KEY = "loan"


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    sums = _sums(day, low, high)
    source = (
        select(
            literal(day),
            Loan.id,
            Loan.status,
            Loan.principal_outstanding,
            coalesce(sums.c.p_due, ZERO),
            coalesce(sums.c.i_due, ZERO),
            Loan.excess,
            coalesce(Loan.dpd, literal(0, Integer)),
            coalesce(Loan.asset_class, literal("STD", String)),
            coalesce(Loan.asset_category, literal("standard", String)),
            Loan.npa_since,
        )
        .outerjoin(sums, sums.c.loan_id == Loan.id)
        .where(
            Loan.id.between(low, high),
            (Loan.status == "active") | (Loan.closed_on == day),  # closed loans once, then no more
        )
    )
    provision = _provision(uow, day, Loan.principal_outstanding)
    if provision is not None:
        source = source.add_columns(provision).join(Product, Product.id == Loan.product_id)
    columns = [*_COLUMNS, *(["provision"] if provision is not None else [])]
    table = LoanSnapshot.metadata.tables["loan_snapshots"]
    month_partition(uow, day)
    uow.session.execute(insert(table).from_select(columns, source))
    written = (
        select(func.count())
        .select_from(LoanSnapshot)
        .where(LoanSnapshot.day == day, LoanSnapshot.loan_id.between(low, high))
    )
    return int(uow.session.scalar(written) or 0)


_COLUMNS = (
    "day", "loan_id", "status", "principal_outstanding", "principal_due", "interest_due",
    "excess", "dpd", "asset_class", "category", "npa_since",
)  # fmt: skip


def _sums(day: date, low: int, high: int) -> Any:
    """Per loan of the partition with something due by `day` and unpaid: the principal and
    interest of it, summed from its installments (a loan with none has no row: zero).

    Only the loans whose oldest unpaid due date is on or before `day`, and only their
    installments from that date on, are read: with no unapplied funds, every installment
    before that date is paid in full (`first_unpaid_due`); a loan holding funds may have
    skipped installments they cover, so all of its installments due are read."""
    i = LoanInstallment
    since = case((Loan.excess > ZERO, literal(date.min)), else_=Loan.oldest_unpaid_due)
    return (
        select(
            i.loan_id,
            func.sum(i.principal - i.principal_paid).label("p_due"),
            func.sum(i.interest - i.interest_paid).label("i_due"),
        )
        .join(Loan, Loan.id == i.loan_id)
        .where(
            Loan.id.between(low, high),
            (Loan.oldest_unpaid_due <= day) | (Loan.excess > ZERO),
            i.loan_id.between(low, high),
            i.due_date <= day,
            i.due_date >= since,
            # an installment paid in full adds nothing to the sums: left out of them
            (i.principal_paid != i.principal) | (i.interest_paid != i.interest),
        )
        .group_by(i.loan_id)
        .subquery()
    )


def _provision(uow: UnitOfWork, day: date, outstanding: Any) -> Any:
    """On PostgreSQL at a month end, for a bank or an NBFC: the provision `lms.core.provisioning
    .provision` requires of each loan, worked out in the INSERT: the rate of its category and
    security (from the rule's own `percent`) times its principal outstanding, rounded half up
    to the paisa as the rule rounds (tests compare the two on every snapshot). Else None: the
    provision step writes the figures."""
    rates = lender_rates()
    if uow.session.get_bind().dialect.name != "postgresql" or rates.mfi or not month_end(day):
        return None
    category = coalesce(Loan.asset_category, literal("standard", String))
    secured = coalesce(Product.secured, false())
    relief = (category == AssetCategory.STANDARD.value) & relief_restructured_sql(day)
    restructured = literal(percent(rates, AssetCategory.STANDARD, secured=False, restructured=True))
    rate = case(
        (relief, restructured),
        *(
            (
                (category == kind.value) & (secured == held),
                literal(percent(rates, kind, secured=held)),
            )
            for kind in AssetCategory
            for held in (True, False)
        ),
    )
    exact = type_coerce(outstanding, Numeric(18, 4)) * rate / 100
    return type_coerce(func.round(exact, 2), Money)


def month_table(day: date) -> tuple[str, date, date]:
    """The partition of the snapshots of `day`'s month (PostgreSQL): its name and its bounds,
    its first day and the next month's."""
    first = day.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return f"loan_snapshots_y{first:%Y}m{first:%m}", first, after


def month_partition(uow: UnitOfWork, day: date) -> None:
    """PostgreSQL: the snapshots are partitioned by month (migration 0060); the month of `day`
    gets its partition before its first snapshot, made by the first partition of the close
    that needs it. Workers racing to make it queue on an advisory lock taken only when it is
    missing; the later ones find it made (a new statement sees the first one's commit)."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    name, first, after = month_table(day)
    connection = uow.session.connection()
    missing = "SELECT to_regclass(%(n)s) IS NULL"
    if not connection.exec_driver_sql(missing, {"n": name}).scalar():
        return
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('loan_snapshots'))")
    if connection.exec_driver_sql(missing, {"n": name}).scalar():
        connection.exec_driver_sql(
            f"CREATE TABLE {name} PARTITION OF loan_snapshots"
            f" FOR VALUES FROM ('{first}') TO ('{after}')"
        )


def rewrite(snapshot: LoanSnapshot, state: LoanState) -> None:
    """Write a loan's replayed state of the snapshot's day into it (its stamps are the
    classification's, not touched here)."""
    snapshot.dpd = state.dpd
    snapshot.principal_outstanding = state.principal_outstanding
    snapshot.principal_due, snapshot.interest_due = state.principal_due, state.interest_due
    snapshot.excess = state.excess
    snapshot.status = "closed" if state.closed_on else "active"
