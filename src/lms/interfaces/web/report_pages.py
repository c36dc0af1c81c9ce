"""The reports as a page: pick a report, its date or period and filters, see it, or take it
as CSV, XLSX or PDF (the same tables as GET /api/v1/reports/{name}).

Guarantee: read only; within the person's branches; a bad date or a date not closed is shown
on the page, naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lms.close.portfolio import last_closed
from lms.close.reports import NAMES, report
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.dashboard_routes import scope_of
from lms.interfaces.api.report_routes import report_answer
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, Staff
from lms.ledger.accounts import Account
from lms.platform.errors import NotFoundError

router = APIRouter()
TITLES = {
    "iracp": "Asset classification and provisioning (IRACP), at a date",
    "sma": "SMA and NPA accounts, at a date",
    "disbursements": "Disbursement register, for a period",
    "collections": "Collection register, for a period",
    "trial_balance": "Trial balance, at a date",
    "interest_income": "Interest income, accrual and suspense, for a period",
    "overdue_ageing": "Overdue ageing, at a date",
    "general_ledger": "General ledger, for a period",
}
SHOWN = 2_000  # rows a report's page shows; its exports hold them all


@router.get(f"{ROOT}/reports")
def reports(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    day = today(uow)
    return page(request, "reports.html", titles=TITLES, as_of=last_closed(day),
                since=day.replace(day=1), until=day,
                accounts=[a.value for a in Account])  # fmt: skip


@router.get(f"{ROOT}/reports/{{name}}", response_model=None)
def one_report(
    request: Request, uow: UnitOfWorkDep, who: Staff, name: str,
    as_of: date | None = None, since: date | None = None, until: date | None = None,
    branch: Annotated[str | None, Query(max_length=16)] = None,
    account: Annotated[str | None, Query(max_length=32)] = None,
    format: Literal["html", "csv", "xlsx", "pdf"] = "html",
) -> Response:  # fmt: skip
    if name not in NAMES:
        raise NotFoundError("report", name)
    day = today(uow)
    table = report(
        uow, name, scope_of(request, branch or None, None, None, None),
        as_of=as_of or last_closed(day), since=since or day.replace(day=1), until=until or day,
        account=account or None,
    )  # fmt: skip
    if format != "html":
        answer = report_answer(table, format, request)
        assert isinstance(answer, Response)
        return answer
    return page(request, "report.html", t=table, query=request.url.query, shown=SHOWN)
