"""Co-lending under /api/v1: arrangements with partner lenders, a loan lent under one, each
lender's books of the arrangement's loans, and the partner's daily statement and settlement
file.

Guarantees: bad input is 422 naming the field and nothing is written; a code taken, a loan
under another arrangement, or a day settled with other figures is 409; a day settled again
with the same figures returns the same file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from lms.colending.models import Arrangement
from lms.colending.service import (
    ArrangementRequest,
    arrangement_by_code,
    blend_of,
    create_arrangement,
    lend_under,
    lender_balances,
)
from lms.colending.settlement import settle, statement
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RequestBody, Shown
from lms.platform.errors import InvalidError

router = APIRouter()
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]


class ArrangementIn(RequestBody):
    code: str = Field(min_length=1, max_length=24)
    partner: str = Field(min_length=1, max_length=120)
    partner_share: Percent  # of each loan
    partner_rate: Percent  # a year, on its share
    own_rate: Percent  # a year, on ours
    fee_share: Percent = Decimal(0)  # the partner's part of fees and charges
    escrow_account: str = Field(min_length=1, max_length=40)


class ArrangementOut(BaseModel):
    code: str
    partner: str
    partner_share: str
    partner_rate: str
    own_rate: str
    blended_rate: str  # the rate a loan under it is booked at
    fee_share: str
    escrow_account: str


class CoLendIn(RequestBody):
    arrangement: str = Field(min_length=1, max_length=24)


class StatementRow(BaseModel):
    loan: str
    asset_class: str
    dpd: int
    principal: Shown  # negative: the partner's funding of a payout
    interest: Shown
    charges: Shown
    held: Shown
    net: Shown  # positive: owed to the partner
    principal_outstanding: Shown


class StatementOut(BaseModel):
    arrangement: str
    day: date
    rows: list[StatementRow]
    net: Shown


def _out(a: Arrangement) -> ArrangementOut:
    return ArrangementOut(code=a.code, partner=a.partner, partner_share=str(a.partner_share),
                          partner_rate=str(a.partner_rate), own_rate=str(a.own_rate),
                          blended_rate=f"{blend_of(a).normalize():f}", fee_share=str(a.fee_share),
                          escrow_account=a.escrow_account)  # fmt: skip


@router.post("/colending/arrangements", status_code=status.HTTP_201_CREATED)
def new_arrangement(body: ArrangementIn, uow: UnitOfWorkDep) -> ArrangementOut:
    row = create_arrangement(uow, ArrangementRequest(**body.model_dump()))
    uow.commit()
    return _out(row)


@router.get("/colending/arrangements")
def arrangements(uow: UnitOfWorkDep) -> list[ArrangementOut]:
    return [_out(a) for a in uow.session.scalars(select(Arrangement).order_by(Arrangement.code))]


@router.post("/loans/{loan_id}/colending", status_code=status.HTTP_201_CREATED)
def co_lend(loan_id: int, body: CoLendIn, uow: UnitOfWorkDep) -> ArrangementOut:
    """Put the loan under an arrangement (booked at its blended rate, within the days the
    partner takes its share)."""
    lend_under(uow, body.arrangement, loan_id, today(uow))
    uow.commit()
    return _out(arrangement_by_code(uow, body.arrangement))


@router.get("/colending/arrangements/{code}/books")
def books(
    code: str, uow: UnitOfWorkDep, lender: Literal["partner", "originator"] = "partner",
    through: date | None = None,
) -> dict[str, Shown]:  # fmt: skip
    """The lender's balance of each account (debit less credit) of the arrangement's loans."""
    found = arrangement_by_code(uow, code)
    return lender_balances(uow, found.id, lender, through or today(uow))


@router.get("/colending/arrangements/{code}/statement")
def day_statement(code: str, uow: UnitOfWorkDep, day: date | None = None) -> StatementOut:
    """The partner's part of the money through the escrow on `day`, loan by loan."""
    found = statement(uow, code, day or today(uow))
    return StatementOut(
        arrangement=code, day=found.day, net=found.total("net"),
        rows=[StatementRow(loan=r.external_id, asset_class=r.asset_class, dpd=r.dpd,
                           principal=r.principal, interest=r.interest, charges=r.charges,
                           held=r.held, net=r.net, principal_outstanding=r.outstanding)
              for r in found.rows],
    )  # fmt: skip


class SettleIn(RequestBody):
    day: date


@router.post("/colending/arrangements/{code}/settlements", status_code=status.HTTP_201_CREATED)
def settle_day(code: str, body: SettleIn, uow: UnitOfWorkDep) -> Response:
    """Settle a closed day with the partner: the settlement recorded, its file returned."""
    if body.day >= today(uow):
        raise InvalidError([("day", f"settle a day before the business date {today(uow)}")])
    _, content = settle(uow, code, body.day)
    uow.commit()
    name = f"settlement-{code}-{body.day}.csv"
    return Response(content, status_code=201, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
