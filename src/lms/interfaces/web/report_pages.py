"""The reports as a page: pick a report, its date or period and filters, see it, or take it
as CSV, XLSX or PDF (the same tables as GET /api/v1/reports/{name}).

Guarantee: read only, but for the schedules of reports e-mailed after the close (kept and
cancelled by those with `reports.schedule`, within their branches); within the person's
branches; a bad date or a date not closed is shown on the page, naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lms.close.portfolio import last_closed
from lms.close.reports import NAMES, report
from lms.close.schedules import Asked, add_schedule, cancel_schedule, schedules
from lms.identity.roles import Permission
from lms.interfaces.api.app import ReadUnitOfWorkDep, UnitOfWorkDep, today
from lms.interfaces.api.dashboard_routes import scope_of
from lms.interfaces.api.report_routes import report_answer
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.ledger.accounts import Account
from lms.platform.errors import InvalidError, NotFoundError

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
    return _reports(request, uow, who)


def _reports(
    request: Request, uow: UnitOfWorkDep, who: Staff, status: int = 200, **extra: Any
) -> HTMLResponse:
    day = today(uow)
    shown = schedules(uow, who.branches) if who.may(Permission.REPORTS_SCHEDULE) else []
    return page(request, "reports.html", status, titles=TITLES, as_of=last_closed(day),
                since=day.replace(day=1), until=day, accounts=[a.value for a in Account],
                schedules=shown, **extra)  # fmt: skip


@router.post(f"{ROOT}/reports/schedules", dependencies=[FormChecked], response_model=None)
def add(
    request: Request, uow: UnitOfWorkDep, who: Staff,
    report_name: Annotated[str, Form(alias="report", max_length=32)],
    format: Annotated[str, Form(max_length=4)],
    recipients: Annotated[str, Form(max_length=2000)],
    frequency: Annotated[str, Form(max_length=8)],
    day: Annotated[int, Form(ge=0, le=31)] = 0,
    branch: Annotated[str, Form(max_length=16)] = "",
) -> Response:  # fmt: skip
    """Keep a new schedule: the report e-mailed after each close of a date it falls due on."""
    to = tuple(r.strip() for r in recipients.replace(";", ",").split(",") if r.strip())
    asked = Asked(report_name, format, to, frequency, day, branch or None)
    try:
        row = add_schedule(uow, asked, owner=who.actor, branches=who.branches)
        uow.commit()
    except InvalidError as exc:
        uow.session.rollback()
        return _reports(request, uow, who, 422, schedule_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/reports?scheduled={row.id}#schedules", status_code=303)


@router.post(f"{ROOT}/reports/schedules/{{schedule_id}}/cancellation",
             dependencies=[FormChecked], response_model=None)  # fmt: skip
def cancel(request: Request, uow: UnitOfWorkDep, who: Staff, schedule_id: int) -> Response:
    cancel_schedule(uow, schedule_id, who.branches)
    uow.commit()
    return RedirectResponse(f"{ROOT}/reports?cancelled={schedule_id}#schedules", status_code=303)


@router.get(f"{ROOT}/reports/{{name}}", response_model=None)
def one_report(
    request: Request, uow: ReadUnitOfWorkDep, who: Staff, name: str,
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
