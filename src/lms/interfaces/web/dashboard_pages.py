"""The dashboards as a page: each table of lms.close.dashboards with its chart, filtered by
branch, product and period, and its CSV and XLSX exports.

Guarantees: the page, the API (GET /api/v1/dashboards/{name}) and the exports show the same
figures (one function makes them); the chart is drawn in the browser from the table's own
figures embedded in the page, by Chart.js served from this server; within the person's
branches.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from lms.close.dashboards import NAMES, dashboard
from lms.interfaces.api.app import ReadUnitOfWorkDep, today
from lms.interfaces.api.dashboard_routes import TableOut, answered, scope_of
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, Staff
from lms.platform.errors import NotFoundError
from lms.servicing.models import Branch, Product

router = APIRouter()
Branch_ = Annotated[str | None, Query(max_length=16)]
Product_ = Annotated[int | None, Query(ge=1, lt=2**31)]


@router.get(f"{ROOT}/dashboards")
def dashboards(
    request: Request, uow: ReadUnitOfWorkDep, who: Staff, branch: Branch_ = None,
    product_id: Product_ = None, since: date | None = None, until: date | None = None,
) -> HTMLResponse:  # fmt: skip
    scope = scope_of(request, branch or None, product_id, since, until)
    day = today(uow)
    tables = [dashboard(uow, name, scope, day) for name in NAMES]
    branches = [b for b in uow.session.scalars(select(Branch).order_by(Branch.code))
                if who.branches is None or b.code in who.branches]  # fmt: skip
    products = list(uow.session.scalars(select(Product).order_by(Product.code, Product.version)))
    query = request.url.query
    data = {t.name: {"columns": t.columns, "rows": _plain(answered(t, "json")),
                     "chart": {"kind": t.chart[0], "x": t.chart[1], "series": t.chart[2]}}
            for t in tables}  # fmt: skip
    return page(request, "dashboards.html", tables=tables, data=data, branches=branches,
                products=products,
                f={"branch": branch, "product_id": product_id, "since": since, "until": until},
                query=query)  # fmt: skip


def _plain(shown: object) -> list[list[object]]:
    """The JSON rows of a table (amounts as decimal text) from `answered`."""
    assert isinstance(shown, TableOut)
    return shown.rows


@router.get(f"{ROOT}/dashboards/{{name}}/export", response_model=None)
def export(
    request: Request, uow: ReadUnitOfWorkDep, who: Staff, name: str,
    format: Literal["csv", "xlsx"] = "csv", branch: Branch_ = None,
    product_id: Product_ = None, since: date | None = None, until: date | None = None,
) -> Response:  # fmt: skip
    """A dashboard's table as a CSV or XLSX file."""
    if name not in NAMES:
        raise NotFoundError("dashboard", name)
    scope = scope_of(request, branch or None, product_id, since, until)
    answer = answered(dashboard(uow, name, scope, today(uow)), format)
    assert isinstance(answer, Response)
    return answer
