"""Products as pages: every version, and one version's settings as a form. Changing a product
makes a new version only once a second person approves it (the approvals queue), exactly as
`POST /api/v1/products` does for an existing code.

Guarantees: the form's values are checked as the API checks a product (the same model and the
same service, tried in a savepoint that is undone) before anything is queued, each refusal
named on the page; nothing changes until the approval; the maker cannot approve it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from lms.interfaces.api.app import UnitOfWorkDep
from lms.interfaces.api.changes import make_product, queue
from lms.interfaces.api.directory_routes import list_products, product_fields
from lms.interfaces.api.schemas import ProductIn
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.audit import undone
from lms.platform.errors import InvalidError, NotFoundError
from lms.servicing.models import Product

router = APIRouter()
# the form's fields beside the name and whether it is secured: ranges (min and max), rules
RANGES = ("amount", "rate", "tenure")
RULES = ("bounce_charge", "bounce_charge_tax", "foreclosure_charge", "foreclosure_charge_tax",
         "penal_charge", "penal_charge_tax", "payment_ceiling", "backdate_days")  # fmt: skip
CHOICES = {"reschedule": ("reduce_tenure", "reduce_emi"), "fee_collection": ("deduct", "collect")}


@router.get(f"{ROOT}/products")
def products(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    return page(request, "products.html", lines=list_products(uow, None))


@router.get(f"{ROOT}/products/{{product_id}}")
def product(request: Request, uow: UnitOfWorkDep, who: Staff, product_id: int) -> HTMLResponse:
    return _drawn(request, uow, product_id)


def _drawn(
    request: Request,
    uow: UnitOfWorkDep,
    product_id: int,
    status: int = 200,
    values: dict[str, Any] | None = None,
    problems: list[str] | None = None,
) -> HTMLResponse:
    found = uow.session.get(Product, product_id) if product_id < 2**31 else None
    if found is None:
        raise NotFoundError("product", product_id)
    latest = uow.session.scalar(select(func.max(Product.version)).where(Product.code == found.code))
    fields = product_fields(found)
    return page(
        request, "product.html", status, p=fields, latest=latest == found.version,
        values=values or _flat(fields), problems=problems or [], ranges=RANGES, rules=RULES,
        choices=CHOICES,
    )  # fmt: skip


def _flat(fields: dict[str, Any]) -> dict[str, str]:
    """The form's values from a product's fields ("" for a rule not set)."""
    flat = {"name": str(fields["name"]), "secured": "on" if fields["secured"] else ""}
    for key in RANGES:
        flat[f"{key}.min"], flat[f"{key}.max"] = str(fields[key]["min"]), str(fields[key]["max"])
    for key in (*RULES, *CHOICES):
        value = fields.get(key)
        flat[key] = "" if value is None else str(value)
    return flat


@router.post(f"{ROOT}/products/{{product_id}}", dependencies=[FormChecked], response_model=None)
async def change(request: Request, uow: UnitOfWorkDep, who: Staff, product_id: int) -> Response:
    """Ask for a new version of the product with the form's values (to the approvals queue)."""
    form = await request.form()
    values = {k: str(v)[:120] for k, v in form.items() if k != "csrf"}
    return await run_in_threadpool(_queue_change, request, uow, product_id, values)


def _queue_change(
    request: Request, uow: UnitOfWorkDep, product_id: int, values: dict[str, str]
) -> Response:
    found = uow.session.get(Product, product_id) if product_id < 2**31 else None
    if found is None:
        raise NotFoundError("product", product_id)
    asked = {
        k: v for k, v in product_fields(found).items() if k not in ("id", "version", "created_at")
    }
    asked["name"] = values.get("name", "")
    asked["secured"] = values.get("secured") == "on"
    for key in RANGES:
        asked[key] = {"min": values.get(f"{key}.min", ""), "max": values.get(f"{key}.max", "")}
    for key in (*RULES, *CHOICES):
        asked[key] = values.get(key, "").strip() or None
    asked = {k: v for k, v in asked.items() if v is not None}
    try:
        body = ProductIn.model_validate(asked)
        with undone(uow.session):
            make_product(uow, body)
    except ValidationError as exc:
        problems = reasons(exc)
        return _drawn(request, uow, product_id, 422, values, problems)
    except InvalidError as exc:
        return _drawn(request, uow, product_id, 422, values, [f"{f}: {r}" for f, r in exc.problems])
    queued = queue(uow, kind="product_change", request=body.model_dump(mode="json"),
                   subject=f"product {body.code}: a new version")  # fmt: skip
    return RedirectResponse(f"{ROOT}/approvals?queued={queued.id}", status_code=303)
