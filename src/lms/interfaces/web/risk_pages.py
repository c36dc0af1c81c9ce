"""The risk page: the delinquency models with their measures beside the DPD rule, the book by
risk band, the realised bad rate per band against the predicted, the stability of the score and
its features, the open early warnings, the portfolio forecast, and the alerts
(`lms.risk.overview`).

Guarantee: read only; a person limited to some branches sees one of theirs at a time (the
first unless they pick another); another branch is refused as not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, Staff
from lms.platform.errors import NotFoundError
from lms.risk.forecast import STATES
from lms.risk.overview import overview
from lms.servicing.models import Branch

router = APIRouter()


@router.get(f"{ROOT}/risk")
def risk(
    request: Request, uow: UnitOfWorkDep, who: Staff,
    branch: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:  # fmt: skip
    mine = [b for b in uow.session.scalars(select(Branch).order_by(Branch.code))
            if who.branches is None or b.code in who.branches]  # fmt: skip
    if branch and branch not in {b.code for b in mine}:
        raise NotFoundError("branch", branch)
    chosen = branch or (None if who.branches is None else (mine[0].code if mine else "-"))
    shown = overview(uow, branch=chosen)
    return page(request, "risk.html", o=shown, branches=mine, branch=chosen, states=STATES,
                book=who.branches is None)  # fmt: skip
