"""The reports under /api/v1 (lms.close.reports): each as JSON, CSV, XLSX or PDF, for a date
(`as_of`: default the last closed date) or a period (`since`..`until`: default the month of the
business date so far), filtered by branch and product within the caller's branches.

Guarantee: read only; an unknown report is 404, a bad filter or a date not closed 422 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lms.close.dashboards import Table
from lms.close.portfolio import last_closed
from lms.close.reports import NAMES, report
from lms.documents.tables import table_pdf
from lms.interfaces.api.app import ReadUnitOfWorkDep, today
from lms.interfaces.api.dashboard_routes import TableOut, answered, scope_of
from lms.platform.errors import NotFoundError

router = APIRouter()


@router.get("/reports/{name}", response_model=None)
def get_report(
    name: str,
    request: Request,
    uow: ReadUnitOfWorkDep,
    as_of: date | None = None,
    since: date | None = None,
    until: date | None = None,
    branch: Annotated[str | None, Query(max_length=16)] = None,
    product_id: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
    account: Annotated[str | None, Query(max_length=32)] = None,
    format: Literal["json", "csv", "xlsx", "pdf"] = "json",
) -> TableOut | Response:
    """A report: iracp, sma, disbursements, collections, trial_balance, interest_income,
    overdue_ageing or general_ledger (of one `account`, or all)."""
    if name not in NAMES:
        raise NotFoundError("report", name)
    day = today(uow)
    table = report(
        uow, name, scope_of(request, branch, product_id, None, None),
        as_of=as_of or last_closed(day), since=since or day.replace(day=1), until=until or day,
        account=account,
    )  # fmt: skip
    return report_answer(table, format, request)


def report_answer(table: Table, format: str, request: Request) -> TableOut | Response:
    """The report in `format`; a PDF names who asked for it and the filters."""
    if format != "pdf":
        return answered(table, format)
    who = getattr(request.state, "principal", None)
    note = f"Made by {getattr(who, 'actor', '-')}; filters: {request.url.query or 'none'}."
    return Response(table_pdf(table.title, note, table.columns, table.rows),
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{table.name}.pdf"'})  # fmt: skip
