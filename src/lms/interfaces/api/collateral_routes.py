"""Gold loans under /api/v1: the daily gold price kept, items pledged on a loan (checked
against its loan-to-value ceiling and the borrower's weight limits), a loan's collateral with
its latest ratio and margin calls, and the release of the pledge once the loan has closed.

Guarantees: bad figures are 422 naming the field, a loan that cannot take the request 409, and
nothing is written; a pledge retried with the same assay certificates and figures, a price
kept again, or a release retried with the same acknowledgement returns the first result.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from lms.collateral import auction
from lms.collateral.models import GoldAuction, GoldPrice, PropertyPledge
from lms.collateral.property import latest_value
from lms.collateral.service import Item, pledge, record_price
from lms.collateral.watch import holding, release
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import Amount, RequestBody, Shown
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError, NotFoundError

router = APIRouter()
Grams = Field(pattern=r"^\d{1,6}(\.\d{1,3})?$")  # weights to the milligram
Carats = Field(pattern=r"^\d{1,2}(\.\d{1,2})?$")


class PriceIn(RequestBody):
    day: date
    price: Amount  # rupees a gram of 22-carat gold, at the day's close
    source: str = Field(min_length=1, max_length=40)  # who published it


class PriceOut(BaseModel):
    day: date
    price: Shown
    source: str
    recorded_by: str


class ItemIn(RequestBody):
    kind: str = Field(min_length=1, max_length=16)  # gold_ornament or gold_coin
    description: str = Field(min_length=1, max_length=120)
    pieces: int = Field(ge=1, le=1000)
    gross_grams: str = Grams
    net_grams: str = Grams  # the gold content, stones out
    carats: str = Carats  # purity as assayed
    assay_certificate: str = Field(min_length=1, max_length=64)


class PledgeIn(RequestBody):
    items: list[ItemIn] = Field(min_length=1, max_length=50)


class ReleaseIn(RequestBody):
    acknowledgement: str = Field(min_length=1, max_length=200)  # the borrower's receipt


class ItemOut(BaseModel):
    id: int
    kind: str
    description: str
    pieces: int
    gross_grams: str
    net_grams: str
    carats: str
    assay_certificate: str
    status: str  # pledged, released, sold
    pledged_on: date
    released_on: date | None
    acknowledgement: str | None


class CheckOut(BaseModel):
    day: date
    price: str  # the reference price a gram of 22 carats
    value: Shown
    owed: Shown
    ltv: str  # percent
    ceiling: str


class CallOut(BaseModel):
    id: int
    raised_on: date
    ltv: str
    ceiling: str
    pay_down: Shown  # a payment that cures it
    more_value: Shown  # or more gold worth this much
    closed_on: date | None
    outcome: str | None  # met, loan_closed


class SecurityOut(BaseModel):
    id: int
    kind: str
    isin: str
    name: str
    quantity: str
    pledge_reference: str
    status: str  # pledged, released
    pledged_on: date
    released_on: date | None


class PropertyOut(BaseModel):
    id: int
    description: str
    charge_reference: str
    status: str  # pledged, released
    pledged_on: date
    released_on: date | None
    value: Shown | None  # the latest valuation
    valued_on: date | None
    valuer: str | None


class CollateralOut(BaseModel):
    loan_id: int
    items: list[ItemOut]
    securities: list[SecurityOut]
    properties: list[PropertyOut]
    latest_check: CheckOut | None  # the last day-end's ratio
    margin_calls: list[CallOut]


@router.post("/gold/prices", status_code=status.HTTP_201_CREATED)
def keep_price(body: PriceIn, uow: UnitOfWorkDep) -> PriceOut:
    """Keep a day's closing price of 22-carat gold (the same again changes nothing)."""
    if body.day > today(uow):
        raise InvalidError([("day", f"is after the business date {today(uow)}")])
    row = record_price(uow, body.day, body.price, body.source)
    uow.commit()
    return PriceOut(day=row.day, price=row.price, source=row.source, recorded_by=row.recorded_by)


@router.get("/gold/prices")
def prices(uow: UnitOfWorkDep, since: date | None = None) -> list[PriceOut]:
    """The prices kept, newest first (from `since`, or the last 60)."""
    query = select(GoldPrice).order_by(GoldPrice.day.desc())
    query = query.where(GoldPrice.day >= since) if since else query.limit(60)
    return [PriceOut(day=p.day, price=p.price, source=p.source, recorded_by=p.recorded_by)
            for p in uow.session.scalars(query)]  # fmt: skip


@router.post("/loans/{loan_id}/collateral", status_code=status.HTTP_201_CREATED)
def pledge_items(loan_id: int, body: PledgeIn, uow: UnitOfWorkDep) -> CollateralOut:
    """Pledge items on the loan, valued at the business date's reference price."""
    items = [Item(**i.model_dump()) for i in body.items]
    pledge(uow, loan_id, items, today(uow))
    uow.commit()
    return collateral_of(uow, loan_id)


@router.get("/loans/{loan_id}/collateral")
def collateral(loan_id: int, uow: UnitOfWorkDep) -> CollateralOut:
    return collateral_of(uow, loan_id)


@router.post("/loans/{loan_id}/collateral/release")
def release_items(loan_id: int, body: ReleaseIn, uow: UnitOfWorkDep) -> CollateralOut:
    """Give a closed loan's gold back to the borrower today, with their acknowledgement."""
    release(uow, loan_id, today(uow), body.acknowledgement)
    uow.commit()
    return collateral_of(uow, loan_id)


def collateral_of(uow: UnitOfWork, loan_id: int) -> CollateralOut:
    """A loan's items, its latest check and its margin calls."""
    held = holding(uow, loan_id)
    check = held.check
    return CollateralOut(
        loan_id=loan_id,
        items=[ItemOut(id=i.id, kind=i.kind, description=i.description, pieces=i.pieces,
                       gross_grams=figure(i.gross_grams), net_grams=figure(i.net_grams),
                       carats=figure(i.carats), assay_certificate=i.assay_certificate,
                       status=i.status, pledged_on=i.pledged_on, released_on=i.released_on,
                       acknowledgement=i.acknowledgement) for i in held.items],
        securities=[SecurityOut(id=x.id, kind=x.kind, isin=x.isin, name=x.name,
                                quantity=figure(x.quantity), pledge_reference=x.pledge_reference,
                                status=x.status, pledged_on=x.pledged_on,
                                released_on=x.released_on) for x in held.securities],
        properties=[_property(uow, p) for p in held.properties],
        latest_check=None if check is None else CheckOut(
            day=check.day, price=f"{check.price:.2f}", value=check.value, owed=check.owed,
            ltv=str(check.ltv), ceiling=str(check.ceiling)),
        margin_calls=[CallOut(id=c.id, raised_on=c.raised_on, ltv=str(c.ltv),
                              ceiling=str(c.ceiling), pay_down=c.pay_down,
                              more_value=c.more_value, closed_on=c.closed_on,
                              outcome=c.outcome) for c in held.calls],
    )  # fmt: skip


def _property(uow: UnitOfWork, row: PropertyPledge) -> PropertyOut:
    valued = latest_value(uow, row.id)
    return PropertyOut(id=row.id, description=row.description,
                       charge_reference=row.charge_reference, status=row.status,
                       pledged_on=row.pledged_on, released_on=row.released_on,
                       value=valued.value if valued else None,
                       valued_on=valued.valued_on if valued else None,
                       valuer=valued.valuer if valued else None)  # fmt: skip


def figure(value: Decimal) -> str:
    return f"{value.normalize():f}"


class SaleIn(RequestBody):
    proceeds: Amount  # what the gold fetched
    buyer: str = Field(min_length=1, max_length=120)


class RefundIn(RequestBody):
    reference: str = Field(min_length=1, max_length=64)  # the transfer's UTR


class AuctionOut(BaseModel):
    loan_id: int
    status: str  # notified, sold, cancelled
    noticed_on: date
    earliest_on: date
    overdue: Shown  # what the notice asked for
    failures: int
    sold_on: date | None
    buyer: str | None
    value: Shown | None
    reserve: Shown | None
    proceeds: Shown | None
    applied: Shown | None
    surplus: Shown | None
    surplus_due_by: date | None
    refunded_on: date | None
    refund_reference: str | None


def _auction(row: GoldAuction) -> AuctionOut:
    return AuctionOut.model_validate(row, from_attributes=True)


@router.post("/loans/{loan_id}/auction", status_code=status.HTTP_201_CREATED)
def auction_notice(loan_id: int, uow: UnitOfWorkDep) -> AuctionOut:
    """Give the borrower of a gold loan in default the auction notice (again: the same one)."""
    row = auction.give_notice(uow, loan_id, today(uow))
    uow.commit()
    return _auction(row)


@router.get("/loans/{loan_id}/auction")
def auction_state(loan_id: int, uow: UnitOfWorkDep) -> AuctionOut:
    row = auction.auction_of(uow, loan_id)
    if row is None:
        raise NotFoundError("auction of loan", loan_id)
    return _auction(row)


@router.post("/loans/{loan_id}/auction/failures")
def auction_failed(loan_id: int, uow: UnitOfWorkDep) -> AuctionOut:
    """Today's auction drew no bid at the reserve price."""
    row = auction.record_failure(uow, loan_id, today(uow))
    uow.commit()
    return _auction(row)


@router.post("/loans/{loan_id}/auction/sale")
def auction_sale(loan_id: int, body: SaleIn, uow: UnitOfWorkDep) -> AuctionOut:
    """The pledge sold today: the proceeds applied to the loan, any surplus owed back."""
    row = auction.record_sale(uow, loan_id, today(uow), body.proceeds, body.buyer)
    uow.commit()
    return _auction(row)


@router.post("/loans/{loan_id}/auction/refund")
def auction_refund(loan_id: int, body: RefundIn, uow: UnitOfWorkDep) -> AuctionOut:
    """The auction's surplus paid to the borrower today."""
    row = auction.refund_surplus(uow, loan_id, today(uow), body.reference)
    uow.commit()
    return _auction(row)
