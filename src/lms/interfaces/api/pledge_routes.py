"""Collateral beyond gold under /api/v1: securities' closing prices kept, shares and fund units
pledged on a loan within its drawing power, and property mortgaged for a loan with its
valuations.

Guarantees: bad figures are 422 naming the field and nothing is written; a pledge or mortgage
retried with the same references gives back what it gave; other figures under a reference
already used are 409.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from lms.collateral import property as homes
from lms.collateral import securities
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.collateral_routes import CollateralOut, collateral_of, figure
from lms.interfaces.api.schemas import Amount, RequestBody
from lms.platform.errors import InvalidError, NotFoundError

router = APIRouter()


class SecurityPriceIn(RequestBody):
    isin: str = Field(min_length=12, max_length=12)
    day: date
    price: Decimal = Field(gt=0, le=10**9, allow_inf_nan=False)  # a fund's NAV: four places
    source: str = Field(min_length=1, max_length=40)


class SecurityPriceOut(BaseModel):
    isin: str
    day: date
    price: str
    source: str


class SecurityIn(RequestBody):
    kind: str = Field(min_length=1, max_length=12)  # equity, equity_fund, debt_fund
    isin: str = Field(min_length=1, max_length=12)
    name: str = Field(min_length=1, max_length=120)
    quantity: str = Field(pattern=r"^\d{1,12}(\.\d{1,3})?$")
    pledge_reference: str = Field(min_length=1, max_length=64)  # the depository's pledge


class SecuritiesIn(RequestBody):
    items: list[SecurityIn] = Field(min_length=1, max_length=50)


@router.post("/securities/prices", status_code=status.HTTP_201_CREATED)
def keep_security_price(body: SecurityPriceIn, uow: UnitOfWorkDep) -> SecurityPriceOut:
    """Keep a security's closing price (a fund's NAV) of a day (the same again does nothing)."""
    if body.day > today(uow):
        raise InvalidError([("day", f"is after the business date {today(uow)}")])
    row = securities.record_security_price(uow, body.isin, body.day, body.price, body.source)
    uow.commit()
    return SecurityPriceOut(isin=row.isin, day=row.day, price=figure(Decimal(row.price)),
                            source=row.source)  # fmt: skip


@router.post("/loans/{loan_id}/securities", status_code=status.HTTP_201_CREATED)
def pledge_securities(loan_id: int, body: SecuritiesIn, uow: UnitOfWorkDep) -> CollateralOut:
    """Pledge shares or fund units on the loan, within its drawing power at today's prices."""
    items = [securities.Security(**i.model_dump()) for i in body.items]
    securities.pledge_securities(uow, loan_id, items, today(uow))
    uow.commit()
    return collateral_of(uow, loan_id)


class PropertyIn(RequestBody):
    description: str = Field(min_length=1, max_length=200)
    charge_reference: str = Field(min_length=1, max_length=64)  # CERSAI security interest id
    value: Amount
    valued_on: date
    valuer: str = Field(min_length=1, max_length=120)


class ValuationIn(RequestBody):
    value: Amount
    valued_on: date
    valuer: str = Field(min_length=1, max_length=120)


@router.post("/loans/{loan_id}/property", status_code=status.HTTP_201_CREATED)
def mortgage(loan_id: int, body: PropertyIn, uow: UnitOfWorkDep) -> CollateralOut:
    """Record the property mortgaged for the loan, within its loan-to-value ceiling."""
    valued = homes.Valuation(body.valued_on, body.value, body.valuer)
    homes.mortgage(uow, loan_id, body.description, body.charge_reference, valued, today(uow))
    uow.commit()
    return collateral_of(uow, loan_id)


@router.post("/loans/{loan_id}/property/{property_id}/valuations",
             status_code=status.HTTP_201_CREATED)  # fmt: skip
def revalue(loan_id: int, property_id: int, body: ValuationIn, uow: UnitOfWorkDep) -> CollateralOut:
    """A new valuation of a property mortgaged for the loan."""
    if body.valued_on > today(uow):
        raise InvalidError([("valued_on", f"is after the business date {today(uow)}")])
    found = collateral_of(uow, loan_id)
    if property_id not in {p.id for p in found.properties}:
        raise NotFoundError("property of the loan", property_id)
    homes.revalue(uow, property_id, homes.Valuation(body.valued_on, body.value, body.valuer))
    uow.commit()
    return collateral_of(uow, loan_id)
