"""REST routes that list and show the book's reference data: branches, products (every version,
with its settings in the shape they are given), customers (searched by name, id, masked PAN)
and staff users. Thin: one query each, shaped for the answer.

Guarantees: nothing here writes; customers and their lists are within the caller's branches
and masked as `customers.pii` decides (lms.interfaces.api.catalog_routes); users' password
hashes and TOTP secrets never leave the server.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, field_serializer
from sqlalchemy import ColumnElement, func, or_, select

from lms.identity.models import User
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.catalog_routes import customer_out
from lms.interfaces.api.schemas import CustomerOut, ProductIn, Shown
from lms.interfaces.api.security import visible_branches
from lms.platform.db.sealed import keyring, phone_digits
from lms.platform.errors import NotFoundError
from lms.servicing.models import PHONE, Branch, Customer, Product

router = APIRouter()
PAISA = Decimal("0.01")


class BranchOut(BaseModel):
    code: str
    name: str


class ProductLine(BaseModel):
    """A product version in the list."""

    id: int
    code: str
    version: int
    name: str
    rate_type: str
    min_amount: Shown
    max_amount: Shown
    min_rate: Shown
    max_rate: Shown
    min_tenure: int
    max_tenure: int
    latest: bool  # the version new loans of this code are booked on


class ProductDetail(ProductIn):
    """A product version with every setting, in the shape POST /products takes (settings it
    does not set are left out)."""

    id: int
    version: int
    created_at: datetime

    @field_serializer("settings")
    def _given(self, settings: BaseModel) -> dict[str, Any]:
        given: dict[str, Any] = settings.model_dump(mode="json", exclude_none=True)
        return given


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_after: int | None = None  # the `after` cursor of the next page; None: the last page


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    branches: list[str] | None  # None: every branch
    active: bool
    second_factor: bool  # a TOTP secret is enrolled
    locked_until: datetime | None
    created_at: datetime
    created_by: str | None


@router.get("/branches")
def list_branches(uow: UnitOfWorkDep, request: Request) -> list[BranchOut]:
    """The branches, by code (a branch role sees its own)."""
    shown = visible_branches(request)
    query = select(Branch).order_by(Branch.code)
    if shown is not None:
        query = query.where(Branch.code.in_(sorted(shown)))
    return [BranchOut(code=b.code, name=b.name) for b in uow.session.scalars(query)]


@router.get("/products")
def list_products(
    uow: UnitOfWorkDep, code: Annotated[str | None, Query(max_length=32)] = None
) -> list[ProductLine]:
    """Every product version, by code and version (`code`: one product's versions)."""
    versions = select(Product.code, func.max(Product.version)).group_by(Product.code)
    latest: dict[str, int] = dict(uow.session.execute(versions).all())
    query = select(Product).order_by(Product.code, Product.version)
    if code is not None:
        query = query.where(Product.code == code)
    return [
        ProductLine(
            id=p.id,
            code=p.code,
            version=p.version,
            name=p.name,
            rate_type=p.rate_type or "fixed",
            min_amount=p.min_amount,
            max_amount=p.max_amount,
            min_rate=p.min_rate,
            max_rate=p.max_rate,
            min_tenure=p.min_tenure,
            max_tenure=p.max_tenure,
            latest=latest[p.code] == p.version,
        )
        for p in uow.session.scalars(query)
    ]


@router.get("/products/{product_id}")
def get_product(product_id: int, uow: UnitOfWorkDep) -> ProductDetail:
    """A product version with all its settings and rules."""
    product = uow.session.get(Product, product_id)
    if product is None:
        raise NotFoundError("product", product_id)
    return ProductDetail.model_validate(product_fields(product))


def product_fields(product: Product) -> dict[str, Any]:
    """A product version as the fields of POST /products (and its id, version, time)."""

    def tax(value: Decimal | None) -> Decimal:
        return Decimal(0) if value is None else value

    def money(value: Decimal | None) -> Decimal | None:  # stored to 4 places, shown to 2
        return None if value is None else value.quantize(PAISA)

    return {
        "id": product.id, "version": product.version, "created_at": product.created_at,
        "code": product.code, "name": product.name, "settings": product.settings,
        "amount": {"min": money(product.min_amount), "max": money(product.max_amount)},
        "rate": {"min": product.min_rate, "max": product.max_rate},
        "tenure": {"min": product.min_tenure, "max": product.max_tenure},
        "waterfall": product.waterfall, "future_rule": product.future_rule or "next",
        "bounce_charge": money(product.bounce_charge), "bounce_charge_tax": tax(product.bounce_charge_tax),
        "foreclosure_charge": product.foreclosure_charge,
        "foreclosure_charge_tax": tax(product.foreclosure_charge_tax),
        "penal_charge": product.penal_rate, "penal_charge_tax": tax(product.penal_tax),
        "rate_type": product.rate_type or "fixed", "benchmark": product.benchmark,
        "reschedule": product.reschedule or "reduce_tenure",
        "fee_collection": product.fee_collection or "deduct", "secured": bool(product.secured),
        "charge_rules": product.charge_rules or [], "small_balance": money(product.small_balance),
        **{k: v for k in ("payment_ceiling", "backdate_days")
           if (v := getattr(product, k)) is not None},
    }  # fmt: skip


@router.get("/customers")
def list_customers(
    uow: UnitOfWorkDep,
    request: Request,
    q: Annotated[str | None, Query(min_length=1, max_length=120)] = None,
    branch: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> CustomerPage:
    """Customers in id order; `q` finds them by name (any part, any case), customer id, PAN
    (masked, XXXXX1234X, or in full: compared by its mask) or phone (+91 and spaces allowed)."""
    query = select(Customer).order_by(Customer.id).limit(limit + 1)
    shown = visible_branches(request, branch)
    if shown is not None:
        query = query.where(Customer.branch_code.in_(sorted(shown)))
    if after is not None:
        query = query.where(Customer.id > after)
    if q is not None:
        query = query.where(customer_match(q))
    found = list(uow.session.scalars(query))
    more = len(found) > limit
    return CustomerPage(
        items=[customer_out(c, request) for c in found[:limit]],
        next_after=found[limit - 1].id if more else None,
    )


def customer_match(q: str) -> Any:
    """The condition a search text `q` puts on customers: name, id, PAN (by its mask) or
    phone (ten digits or more: by its blind index)."""
    text = q.strip()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions: list[ColumnElement[bool]] = [
        func.lower(Customer.name).like(f"%{escaped.lower()}%", escape="\\")
    ]
    if text.isascii() and text.isdigit() and int(text) < 2**31:
        conditions.append(Customer.id == int(text))
    pan = text.upper()
    if len(pan) == 10 and pan.isascii() and pan.isalnum():  # a PAN, masked or in full
        conditions.append(Customer.pan_masked == f"XXXXX{pan[5:9]}X")
    digits = phone_digits(text)
    if digits is not None:  # a phone: by its blind index under every key of the keyring
        conditions.append(Customer.phone_index.in_(keyring().blind_indexes(digits, PHONE)))
    return or_(*conditions)


@router.get("/users")
def list_users(uow: UnitOfWorkDep) -> list[UserOut]:
    """Staff users, by username."""
    return [
        UserOut(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            roles=u.roles,
            branches=u.branches,
            active=u.active,
            second_factor=u.totp_secret is not None,
            locked_until=u.locked_until,
            created_at=u.created_at,
            created_by=u.created_by,
        )
        for u in uow.session.scalars(select(User).order_by(User.username))
    ]
