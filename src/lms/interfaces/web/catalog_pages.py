"""Branches and benchmarks as pages: the branches with their active loans, and each
benchmark's published rates, a new one asked for on a form and published once a second person
approves it (as POST /api/v1/benchmarks/{benchmark}/rates).

Guarantees: read only but for the request, which is queued (nothing moves until approved), is
checked as the API checks it, needs `catalog.write` and the form token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.catalog_routes import publish_benchmark
from lms.interfaces.api.schemas import BenchmarkRateIn
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import InvalidError
from lms.servicing.models import BenchmarkRate, Branch, Loan

router = APIRouter()


@router.get(f"{ROOT}/branches")
def branches(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    counts = dict(
        uow.session.execute(
            select(Loan.branch_code, func.count()).where(Loan.status == "active")
            .group_by(Loan.branch_code)
        ).all()
    )  # fmt: skip
    shown = [(b, counts.get(b.code, 0)) for b in uow.session.scalars(select(Branch).order_by(Branch.code))
             if who.branches is None or b.code in who.branches]  # fmt: skip
    return page(request, "branches.html", branches=shown)


@router.get(f"{ROOT}/benchmarks")
def benchmarks(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return _drawn(request, uow)


def _drawn(
    request: Request, uow: UnitOfWorkDep, status: int = 200, **extra: object
) -> HTMLResponse:
    rates = uow.session.scalars(
        select(BenchmarkRate).order_by(BenchmarkRate.benchmark, BenchmarkRate.effective_from.desc())
    )
    return page(request, "benchmarks.html", status, rates=list(rates), **extra)


@router.post(f"{ROOT}/benchmarks", dependencies=[FormChecked], response_model=None)
def ask_rate(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    benchmark: Annotated[str, Form(max_length=32)],
    effective_from: Annotated[str, Form(max_length=10)],
    rate: Annotated[str, Form(max_length=12)],
) -> Response:
    """Ask for a benchmark's new rate; a second person approves it in the queue."""
    try:
        body = BenchmarkRateIn.model_validate({"effective_from": effective_from, "rate": rate})
    except ValidationError as exc:
        problems = reasons(exc)
        return _drawn(request, uow, 422, problems=problems)
    try:
        queued = publish_benchmark(benchmark.strip(), body, uow)
    except InvalidError as exc:
        return _drawn(request, uow, 422, problems=[f"{f}: {r}" for f, r in exc.problems])
    return RedirectResponse(f"{ROOT}/approvals?queued={queued.id}", status_code=303)
