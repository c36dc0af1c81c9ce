"""The catalog's HTTP endpoints under /api/v1: branches, customers (with consents), products and
benchmark rates. Thin: each handler validates the body (pydantic), calls one use case, commits
and shapes the answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from lms.identity import masking
from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.changes import ApprovalOut, accepted, make_product, queue
from lms.interfaces.api.schemas import (
    BenchmarkRateIn,
    BranchIn,
    ConsentIn,
    CustomerIn,
    CustomerOut,
    ProductIn,
    ProductOut,
)
from lms.interfaces.api.security import principal_of
from lms.platform.audit import undone
from lms.platform.errors import InvalidError, NotFoundError
from lms.servicing import catalog
from lms.servicing.models import Consent, Customer, Product

router = APIRouter()


@router.post("/branches", status_code=status.HTTP_201_CREATED)
def create_branch(body: BranchIn, uow: UnitOfWorkDep) -> dict[str, str]:
    branch = catalog.create_branch(uow, code=body.code, name=body.name)
    uow.commit()
    return {"code": branch.code, "name": branch.name}


@router.post("/customers", status_code=status.HTTP_201_CREATED)
def create_customer(body: CustomerIn, uow: UnitOfWorkDep, request: Request) -> CustomerOut:
    customer = catalog.create_customer(uow, **body.model_dump())
    uow.commit()
    return customer_out(customer, request)


@router.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {
            "model": ApprovalOut,
            "description": "a change of an existing product, queued for a second person's approval",
        }
    },
)
def create_product(body: ProductIn, uow: UnitOfWorkDep) -> Any:
    """A new product (201), or a new version of an existing one: queued for approval by
    another person (202), as it changes what later loans are booked on."""
    existing = uow.session.scalar(select(Product.id).where(Product.code == body.code).limit(1))
    if existing is not None:  # checked in full now (a savepoint undone), made when approved
        with undone(uow.session):
            make_product(uow, body)
        return accepted(queue(uow, kind="product_change", request=body.model_dump(mode="json"),
                              subject=f"product {body.code}: a new version"))  # fmt: skip
    product = make_product(uow, body)
    uow.commit()
    return ProductOut(id=product.id, code=product.code, version=product.version, name=product.name)


@router.get("/customers/{customer_id}")
def get_customer(customer_id: int, uow: UnitOfWorkDep, request: Request) -> CustomerOut:
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError("customer", customer_id)
    return customer_out(customer, request)


@router.post("/customers/{customer_id}/consents", status_code=status.HTTP_201_CREATED)
def record_consent(customer_id: int, body: ConsentIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Record a consent the customer gave (never edited; a withdrawal is a new record)."""
    consent = catalog.record_consent(uow, customer_id=customer_id, **body.model_dump())
    uow.commit()
    return {"id": consent.id, "customer_id": customer_id, **body.model_dump()}


@router.get("/customers/{customer_id}/consents")
def list_consents(customer_id: int, uow: UnitOfWorkDep) -> list[dict[str, object]]:
    """The customer's consents, oldest first."""
    if uow.session.get(Customer, customer_id) is None:
        raise NotFoundError("customer", customer_id)
    consents = uow.session.scalars(
        select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.id)
    )
    return [
        {
            "id": c.id,
            "purpose": c.purpose,
            "given_on": c.given_on,
            "channel": c.channel,
            "text_version": c.text_version,
        }
        for c in consents
    ]


@router.post("/benchmarks/{benchmark}/rates", status_code=status.HTTP_202_ACCEPTED)
def publish_benchmark(benchmark: str, body: BenchmarkRateIn, uow: UnitOfWorkDep) -> ApprovalOut:
    """Publish a benchmark's rate from a date, once another person approves it: every active
    floating loan on it is then re-priced (benchmark + its spread) from that date, by its
    product's reschedule choice (the approval's outcome lists them)."""
    if not 0 < len(benchmark) <= 32:
        raise InvalidError([("benchmark", "1 to 32 characters")])
    request = {"benchmark": benchmark, **body.model_dump(mode="json")}
    subject = f"benchmark {benchmark}: {body.rate} % from {body.effective_from}"
    return queue(uow, kind="benchmark_rate", subject=subject, request=request)


def customer_out(customer: Customer, request: Request) -> CustomerOut:
    """The customer as the caller may see them: personal data in clear only for the roles
    that serve or collect from borrowers."""
    aadhaar = None if customer.aadhaar_last4 is None else f"XXXX XXXX {customer.aadhaar_last4}"
    shown = CustomerOut(
        id=customer.id,
        branch_code=customer.branch_code,
        name=customer.name,
        pan=customer.pan_masked,
        aadhaar=aadhaar,
        kind=customer.kind or "individual",
        phone=customer.phone,
        email=customer.email,
        date_of_birth=customer.date_of_birth,
        addresses=customer.addresses or [],
    )
    if principal_of(request).may(Permission.CUSTOMERS_PII):
        return shown
    return shown.model_copy(
        update={
            "phone": masking.last_four(customer.phone),
            "email": masking.email(customer.email),
            "date_of_birth": None,
            "addresses": masking.addresses(customer.addresses),
            "masked": True,
        }
    )
