"""REST routes that only read: a loan's installment plan and the portfolio summary of a closed
date (the loan list is GET /loans in lms.interfaces.api.routes). Thin: parse, call one read of
lms.close.portfolio, shape the answer.

Guarantee: nothing here writes; a bad parameter is a problem+json naming it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request

from lms.close.portfolio import (
    Cell,
    dpd_buckets,
    last_closed,
    portfolio_summary,
    projected_plan,
)
from lms.interfaces.api.app import ReadUnitOfWorkDep, UnitOfWorkDep, today
from lms.interfaces.api.schemas import PlanRowOut, PortfolioSummaryOut, ScheduleOut, SummaryCellOut
from lms.interfaces.api.security import visible_branches

router = APIRouter()


@router.get("/loans/{loan_id}/schedule")
def schedule(loan_id: int, uow: UnitOfWorkDep, projected: bool = False) -> ScheduleOut:
    """The loan's installment plan as it stands (revised by prepayments and rate changes),
    what is paid of each installment and the principal left after it. `projected`: as it
    will stand on the next due date if nothing more is paid (with interest on the actual
    balance, the running installment's interest after late or early money)."""
    day = today(uow)
    loan, to, plan = projected_plan(uow, loan_id=loan_id, today=day, projected=projected)
    return ScheduleOut(
        loan_id=loan.id,
        status=loan.status,
        as_of=day,
        projected_to=to,
        installments=[PlanRowOut.model_validate(row, from_attributes=True) for row in plan],
    )


@router.get("/portfolio/summary")
def summary(
    uow: ReadUnitOfWorkDep, request: Request, as_of: date | None = None
) -> PortfolioSummaryOut:
    """Loans active at the day-end of `as_of` (default: the last date closed) by branch and
    DPD bucket: how many, principal outstanding, principal and interest overdue; from the
    daily close's snapshots of that date."""
    day = as_of or last_closed(today(uow))
    shown = visible_branches(request)
    cells = [c for c in portfolio_summary(uow, day=day) if shown is None or c.branch in shown]
    labels = [bucket.label for bucket in dpd_buckets()]
    return PortfolioSummaryOut(
        as_of=day,
        buckets=labels,
        cells=[SummaryCellOut.model_validate(cell, from_attributes=True) for cell in cells],
        totals=[
            SummaryCellOut.model_validate(_total(label, cells), from_attributes=True)
            for label in labels
        ],
    )


def _total(label: str, cells: list[Cell]) -> Cell:
    mine = [cell for cell in cells if cell.bucket == label]
    zero = Decimal(0)
    return Cell(
        "*",
        label,
        sum(cell.loans for cell in mine),
        sum((cell.principal_outstanding for cell in mine), zero),
        sum((cell.principal_overdue for cell in mine), zero),
        sum((cell.interest_overdue for cell in mine), zero),
    )
