"""Branches, customers and loan products: the records loans are booked against.

Guarantees: services work inside the unit of work they are given and never commit; identity
numbers are masked before they are stored (PAN: first five and last characters hidden; Aadhaar:
only the last four digits kept); a product is never changed in place: a new version is added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.core.allocation import Bucket, Component, FutureRule
from lms.db import UnitOfWork
from lms.loans.errors import InvalidError, NotFoundError
from lms.loans.models import Branch, Customer, Product
from lms.loans.spec import SpecError, parse_spec

_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_AADHAAR = re.compile(r"[0-9]{12}")
# schedule spec keys that belong to each loan, not to its product
LOAN_KEYS = frozenset(
    {"principal", "annual_rate", "disbursement_date", "first_due_date", "installments"}
)


def create_branch(uow: UnitOfWork, *, code: str, name: str) -> Branch:
    if uow.session.get(Branch, code) is not None:
        raise InvalidError([("code", f"branch {code!r} exists already")])
    branch = Branch(code=code, name=name)
    uow.session.add(branch)
    uow.session.flush()
    return branch


def create_customer(
    uow: UnitOfWork,
    *,
    branch_code: str,
    name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    email: str | None = None,
    pan: str | None = None,
    aadhaar: str | None = None,
) -> Customer:
    if uow.session.get(Branch, branch_code) is None:
        raise NotFoundError("branch", branch_code)
    problems = []
    if pan is not None and not _PAN.fullmatch(pan):
        problems.append(("pan", "must be 5 letters, 4 digits and a letter"))
    if aadhaar is not None and not _AADHAAR.fullmatch(aadhaar):
        problems.append(("aadhaar", "must be 12 digits"))
    if problems:
        raise InvalidError(problems)
    customer = Customer(
        branch_code=branch_code,
        name=name,
        date_of_birth=date_of_birth,
        phone=phone,
        email=email,
        pan_masked=None if pan is None else "XXXXX" + pan[5:9] + "X",
        aadhaar_last4=None if aadhaar is None else aadhaar[-4:],
        created_at=datetime.now(UTC),
    )
    uow.session.add(customer)
    uow.session.flush()
    return customer


def create_product(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    settings: dict[str, Any],
    amount: tuple[Decimal, Decimal],
    rate: tuple[Decimal, Decimal],
    tenure: tuple[int, int],
    waterfall: Sequence[tuple[str, str]] | None = None,
    future_rule: str = "next",
    bounce_charge: tuple[Decimal, Decimal] | None = None,
) -> Product:
    """Add a product, or a new version of product `code`; `settings` are schedule spec keys;
    `waterfall` is the allocation order as (bucket, component) pairs (default: the standard);
    `bounce_charge` is (amount, tax percent) levied when a payment is returned."""
    problems = [
        (f"settings.{key}", "belongs to each loan, not to the product")
        for key in settings
        if key in LOAN_KEYS
    ]
    for name_, (low, high) in (("amount", amount), ("rate", rate), ("tenure", tenure)):
        if not 0 <= low <= high:
            problems.append((name_, "needs 0 <= minimum <= maximum"))
    if not problems:
        problems.extend(_settings_problems(settings, amount[0], rate[0], tenure[0]))
    problems.extend(_waterfall_problems(waterfall, future_rule))
    if bounce_charge is not None and not (bounce_charge[0] > 0 and 0 <= bounce_charge[1] <= 100):
        problems.append(
            ("bounce_charge", "needs an amount above 0 and a tax percent from 0 to 100")
        )
    if problems:
        raise InvalidError(problems)
    latest = uow.session.scalar(select(func.max(Product.version)).where(Product.code == code))
    product = Product(
        code=code,
        version=(latest or 0) + 1,
        name=name,
        settings=settings,
        min_amount=amount[0],
        max_amount=amount[1],
        min_rate=rate[0],
        max_rate=rate[1],
        min_tenure=tenure[0],
        max_tenure=tenure[1],
        waterfall=None if waterfall is None else [list(pair) for pair in waterfall],
        future_rule=future_rule,
        bounce_charge=None if bounce_charge is None else bounce_charge[0],
        bounce_charge_tax=None if bounce_charge is None else bounce_charge[1],
        created_at=datetime.now(UTC),
    )
    uow.session.add(product)
    uow.session.flush()
    return product


def latest_product(uow: UnitOfWork, code: str) -> Product:
    product = uow.session.scalar(
        select(Product).where(Product.code == code).order_by(Product.version.desc()).limit(1)
    )
    if product is None:
        raise NotFoundError("product", code)
    return product


def _waterfall_problems(
    waterfall: Sequence[tuple[str, str]] | None, future_rule: str
) -> list[tuple[str, str]]:
    problems = []
    if future_rule not in {rule.value for rule in FutureRule}:
        problems.append(("future_rule", "must be 'next' or 'last'"))
    if waterfall is None:
        return problems
    buckets, components = {b.value for b in Bucket}, {c.value for c in Component}
    for index, pair in enumerate(waterfall):
        if len(pair) != 2 or pair[0] not in buckets or pair[1] not in components:
            problems.append(
                (
                    f"waterfall[{index}]",
                    f"must be [bucket, component] with a bucket of {sorted(buckets)} and a component of {sorted(components)}",
                )
            )
    if len({tuple(pair) for pair in waterfall}) != len(waterfall):
        problems.append(("waterfall", "lists a pair twice"))
    return problems


def _settings_problems(
    settings: dict[str, Any], amount: Decimal, rate: Decimal, tenure: int
) -> list[tuple[str, str]]:
    """The product's settings must make a valid schedule for a loan at its minimums."""
    sample = {
        **settings,
        "principal": str(max(amount, Decimal(1))),
        "annual_rate": str(rate),
        "disbursement_date": "2026-01-15",
        "installments": max(tenure, 1),
    }
    try:
        parse_spec(sample)
    except SpecError as exc:
        return [
            (f"settings.{field}", reason)
            for field, reason in exc.problems
            if field not in LOAN_KEYS
        ]
    return []
