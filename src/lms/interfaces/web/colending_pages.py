"""The co-lending page: each arrangement's terms and loans, both lenders' books of them today,
the last day settled with the partner, and the partner's statement of a day with its file.

Guarantee: read only (a day is settled through the API or `lms colending settle`, which record
it); the file offered here is the statement as it stands, not a settlement.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from lms.colending.models import Arrangement, CoLentLoan, Settlement
from lms.colending.service import blend_of, books
from lms.colending.settlement import statement, statement_csv
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, Staff

router = APIRouter()


@router.get(f"{ROOT}/colending")
def colending(
    request: Request, uow: UnitOfWorkDep, who: Staff,
    day: Annotated[date | None, Query()] = None,
) -> HTMLResponse:  # fmt: skip
    """Every arrangement, with the statement of `day` (default: the day before today)."""
    now = today(uow)
    shown = day or now - timedelta(days=1)
    rows = []
    for a in uow.session.scalars(select(Arrangement).order_by(Arrangement.code)):
        loans = uow.session.scalar(select(func.count()).select_from(CoLentLoan)
                                   .where(CoLentLoan.arrangement_id == a.id))  # fmt: skip
        last = uow.session.scalar(select(Settlement).where(Settlement.arrangement_id == a.id)
                                  .order_by(Settlement.day.desc()).limit(1))  # fmt: skip
        both = books(uow, a.id, now)
        accounts = sorted(set(both["partner"]) | set(both["originator"]))
        rows.append({"a": a, "blend": blend_of(a), "loans": loans or 0, "last": last,
                     "books": both, "accounts": accounts,
                     "statement": statement(uow, a.code, shown)})  # fmt: skip
    return page(request, "colending.html", rows=rows, day=shown, today=now)


@router.get(f"{ROOT}/colending/{{code}}/statement.csv", response_model=None)
def statement_file(
    uow: UnitOfWorkDep, who: Staff, code: str, day: Annotated[date, Query()]
) -> Response:
    """The partner's statement of `day` as its CSV file (not recorded as settled)."""
    content = statement_csv(statement(uow, code, day))
    name = f"statement-{code}-{day}.csv"
    return Response(content, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
