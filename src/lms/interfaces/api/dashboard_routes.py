"""The dashboards' figures under /api/v1: each a table (columns and rows) as JSON, CSV or XLSX,
filtered by branch, product and period, within the caller's branches (lms.close.dashboards).

Guarantee: read only; an unknown dashboard is 404, a bad filter 422 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from lms.close.dashboards import NAMES, Scope, Table, dashboard
from lms.documents.tables import table_csv, table_xlsx
from lms.interfaces.api.app import ReadUnitOfWorkDep, today
from lms.interfaces.api.security import visible_branches
from lms.platform.errors import NotFoundError

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableOut(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]  # amounts as decimal text, counts as numbers, None as null


def scope_of(
    request: Request, branch: str | None, product_id: int | None, since: date | None,
    until: date | None,
) -> Scope:  # fmt: skip
    return Scope(None, product_id, since, until, visible_branches(request, branch))


@router.get("/dashboards/{name}", response_model=None)
def figures(
    name: str,
    request: Request,
    uow: ReadUnitOfWorkDep,
    branch: Annotated[str | None, Query(max_length=16)] = None,
    product_id: Annotated[int | None, Query(ge=1, lt=2**31)] = None,
    since: date | None = None,
    until: date | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> TableOut | Response:
    """A dashboard's table: disbursements, collections, buckets, npa, roll_rates, vintages,
    league, cases, case_buckets, promises or agents."""
    if name not in NAMES:
        raise NotFoundError("dashboard", name)
    table = dashboard(uow, name, scope_of(request, branch, product_id, since, until), today(uow))
    return answered(table, format)


def answered(table: Table, format: str) -> TableOut | Response:
    """The table as JSON, or as a CSV or XLSX file to download."""
    if format == "csv":
        return Response(table_csv(table.columns, table.rows), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{table.name}.csv"'})  # fmt: skip
    if format == "xlsx":
        return Response(table_xlsx(table.title, table.columns, table.rows), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{table.name}.xlsx"'})  # fmt: skip
    rows = [[str(v) if not isinstance(v, int | None) else v for v in row] for row in table.rows]
    return TableOut(name=table.name, title=table.title, columns=list(table.columns), rows=rows)
