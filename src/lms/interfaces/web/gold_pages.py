"""The gold page: the last gold price and today's valuation price, the open margin calls to
chase (the worst ratio first) and the closed loans whose gold is still to be given back (the
longest waiting first), within the branches the person may see (`lms.collateral.overview`).

Guarantee: read only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lms.collateral.overview import RELEASE_DAYS, gold_overview
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, Staff

router = APIRouter()


@router.get(f"{ROOT}/gold")
def gold(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    day = today(uow)
    shown = gold_overview(uow, branches=who.branches, today=day)
    return page(request, "gold.html", g=shown, today=day, release_days=RELEASE_DAYS)
