"""Step: each loan's required provision at a month end, written into its snapshot of the day.

Banks and NBFCs (lms.core.provisioning): the rate of the loan's asset category, secured or not,
times its principal outstanding. NBFC-MFIs: the loan's aged part, 50 % / 100 % of the unpaid
principal of its instalments 90-179 / 180+ days past due; the portfolio floor (1 % of all that
is outstanding) is applied by the next step (provision_entry), which books the book's total.

Settings: $LMS_LENDER_TYPE (bank, nbfc, nbfc_mfi; default nbfc) and $LMS_PROVISION_RATES, a
JSON object overriding any rate (for example {"standard": "0.25"}).
Set-based: one query reads the partition's snapshots (or overdue instalments), one statement
writes the figures. Guarantee: provisions follow the stamps of the same close.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.close.models import LoanSnapshot
from lms.core.classification import AssetCategory
from lms.core.provisioning import ProvisionRates, mfi_aged, provision
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import update_rows
from lms.platform.settings import lender_rates
from lms.servicing.models import Loan, LoanInstallment, Product
from lms.servicing.service import replayed

NAME = "provision"
KEY = "loan"
_SNAPSHOTS = LoanSnapshot.metadata.tables["loan_snapshots"]


def month_end(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


def relief_restructured(reason: str | None, specified_until: date | None, day: date) -> bool:
    """Whether a loan is a standard account restructured under a relief scheme still in its
    specified period on `day` (the higher provision: lms.core.provisioning)."""
    return reason == "relief_scheme" and specified_until is not None and day < specified_until


def relief_restructured_sql(day: date) -> Any:
    """`relief_restructured` of the loan row, as SQL."""
    return (Loan.restructure_reason == "relief_scheme") & (Loan.specified_until > day)


def run(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    if not month_end(day):
        return 0
    rates = lender_rates()
    if uow.session.get_bind().dialect.name == "postgresql" and not rates.mfi:
        return _written(uow, day, low, high)  # by the snapshot step, in its INSERT
    required = (
        _aged(uow, rates, day, low, high) if rates.mfi else _by_category(uow, rates, day, low, high)
    )
    figures = [{"day": day, "loan_id": k, "provision": v} for k, v in required.items()]
    update_rows(uow, _SNAPSHOTS, ("day", "loan_id"), figures)
    return len(required)


def loan_provision(
    uow: UnitOfWork, rates: ProvisionRates, loan: Loan, snapshot: LoanSnapshot
) -> Decimal:
    """One loan's figure for its (restated) month-end snapshot, as `run` works it out."""
    if rates.mfi:
        state = replayed(uow, loan, snapshot.day)
        return mfi_aged(
            rates,
            [
                ((snapshot.day - i.due_date).days + 1, i.principal - i.principal_paid)
                for i in state.installments
                if i.due_date <= snapshot.day and i.principal > i.principal_paid
            ],
        )
    product = uow.session.get(Product, loan.product_id)
    secured = bool(product and product.secured)
    category = AssetCategory(snapshot.category)
    relief = relief_restructured(loan.restructure_reason, loan.specified_until, snapshot.day)
    return provision(
        rates, category, snapshot.principal_outstanding, secured=secured, restructured=relief
    )


def _by_category(
    uow: UnitOfWork, rates: ProvisionRates, day: date, low: int, high: int
) -> dict[int, Decimal]:
    rows = uow.session.execute(
        select(
            LoanSnapshot.loan_id,
            LoanSnapshot.principal_outstanding,
            LoanSnapshot.category,
            Product.secured,
            Loan.restructure_reason,
            Loan.specified_until,
        )
        .join(Loan, Loan.id == LoanSnapshot.loan_id)
        .join(Product, Product.id == Loan.product_id)
        .where(LoanSnapshot.day == day, LoanSnapshot.loan_id.between(low, high))
    ).all()
    return {
        loan: provision(
            rates, AssetCategory(category), principal, secured=bool(secured),
            restructured=relief_restructured(reason, until, day),
        )
        for loan, principal, category, secured, reason, until in rows
    }  # fmt: skip


def _aged(
    uow: UnitOfWork, rates: ProvisionRates, day: date, low: int, high: int
) -> dict[int, Decimal]:
    loans = uow.session.scalars(
        select(LoanSnapshot.loan_id).where(
            LoanSnapshot.day == day, LoanSnapshot.loan_id.between(low, high)
        )
    ).all()
    overdue: dict[int, list[tuple[int, Decimal]]] = {loan: [] for loan in loans}
    for loan, due, unpaid in uow.session.execute(
        select(
            LoanInstallment.loan_id,
            LoanInstallment.due_date,
            LoanInstallment.principal - LoanInstallment.principal_paid,
        )
        .join(
            LoanSnapshot,
            (LoanSnapshot.loan_id == LoanInstallment.loan_id) & (LoanSnapshot.day == day),
        )
        .where(
            LoanInstallment.loan_id.between(low, high),
            LoanInstallment.due_date <= day - timedelta(days=89),  # 90 or more days past due
            LoanInstallment.principal > LoanInstallment.principal_paid,
        )
    ):
        overdue[loan].append(((day - due).days + 1, unpaid))
    return {loan: mfi_aged(rates, ages) for loan, ages in overdue.items()}


def _written(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """How many of the partition's snapshots of `day` hold a provision."""
    return int(
        uow.session.scalar(
            select(func.count()).where(
                LoanSnapshot.day == day,
                LoanSnapshot.loan_id.between(low, high),
                LoanSnapshot.provision.is_not(None),
            )
        )
        or 0
    )
