"""Booking a loan from an origination system: validated against its product, with its
schedule and KFS figures, its co-borrowers and guarantors, disbursement account and documents.

Guarantees: idempotent on the external application id (the same id with the same request
returns the same loan; with a different one it is a conflict and nothing is written); works in
the unit of work it is given and never commits; a floating-rate loan's spread over its
benchmark is fixed at booking (its rate less the benchmark's on the disbursement date).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.core.schedule import generate_schedule
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.catalog import latest_product
from lms.servicing.households import check_microfinance
from lms.servicing.models import BenchmarkRate, Customer, Loan, LoanParty, Product
from lms.servicing.service import loan_spec, parsed_spec

ROLES = ("co_borrower", "guarantor")
_IFSC = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
_ACCOUNT = re.compile(r"[0-9]{9,18}")


@dataclass(frozen=True)
class LoanRequest:
    """What an origination system sends to book a loan."""

    external_id: str
    branch_code: str
    customer_id: int
    product_code: str
    principal: Decimal
    annual_rate: Decimal
    installments: int
    disbursement_date: date
    first_due_date: date | None = None
    parties: Sequence[tuple[int, str]] = ()  # (customer id, co_borrower or guarantor)
    disbursement_account: dict[str, str] | None = None  # ifsc, account_number, holder
    documents: Sequence[dict[str, str]] = field(default_factory=tuple)  # [{kind, reference}]
    # this loan's upfront fees instead of the product's (a negotiated processing fee):
    # schedule-spec fee objects, [{name, amount | percent, payee, tax}]
    fees: Sequence[dict[str, str]] | None = None


def onboard_loan(uow: UnitOfWork, *, request: LoanRequest) -> Loan:
    """Book a loan under the latest version of its product, with its schedule and KFS figures."""
    session = uow.session
    existing = session.scalar(select(Loan).where(Loan.external_id == request.external_id))
    if existing is not None:
        return _same_application(uow, existing, request)
    product = latest_product(uow, request.product_code)
    customer = session.get(Customer, request.customer_id)
    if customer is None:
        raise NotFoundError("customer", request.customer_id)
    check_ranges(
        product,
        principal=request.principal,
        annual_rate=request.annual_rate,
        installments=request.installments,
    )
    _check_parties(uow, request)
    spread = loan_spread(uow, product, request.annual_rate, request.disbursement_date)
    spec = _terms_of(request, product)
    terms = parsed_spec(spec)
    schedule = generate_schedule(terms)
    if product.microfinance:
        check_microfinance(uow, customer.id, terms, schedule)
    loan = Loan(
        external_id=request.external_id,
        branch_code=request.branch_code,
        product_id=product.id,
        customer_id=customer.id,
        principal=request.principal,
        annual_rate=request.annual_rate,
        terms=spec,
        status="approved",
        emi=schedule.emi,
        apr=schedule.apr,
        net_disbursed=schedule.net_disbursed,
        excess=Decimal("0.00"),
        principal_outstanding=Decimal("0.00"),  # nothing paid out yet
        disbursement_account=request.disbursement_account,
        documents=[dict(d) for d in request.documents] or None,
        spread=spread,
        created_at=datetime.now(UTC),
    )
    session.add(loan)
    session.flush()
    session.add_all(
        LoanParty(loan_id=loan.id, customer_id=cid, role=role) for cid, role in request.parties
    )
    session.flush()
    return loan


def _same_application(uow: UnitOfWork, existing: Loan, request: LoanRequest) -> Loan:
    """The loan already booked for the application, if the request is the same one."""
    product = uow.session.get(Product, existing.product_id)
    parties = {
        (p.customer_id, p.role)
        for p in uow.session.scalars(select(LoanParty).where(LoanParty.loan_id == existing.id))
    }
    same = (
        existing.terms == _terms_of(request, product)
        and existing.customer_id == request.customer_id
        and existing.branch_code == request.branch_code
        and product is not None
        and product.code == request.product_code
        and parties == set(request.parties)
    )
    if not same:
        raise ConflictError(f"application {request.external_id!r} was booked with other terms")
    return existing


def _check_parties(uow: UnitOfWork, request: LoanRequest) -> None:
    problems = []
    seen = {request.customer_id}
    for index, (customer_id, role) in enumerate(request.parties):
        where = f"parties[{index}]"
        if role not in ROLES:
            problems.append((where, f"role must be one of {list(ROLES)}"))
        if customer_id in seen:
            problems.append((where, "names the borrower or another party again"))
        elif uow.session.get(Customer, customer_id) is None:
            problems.append((where, f"customer {customer_id} does not exist"))
        seen.add(customer_id)
    account = request.disbursement_account
    if account is not None and not (
        _IFSC.fullmatch(account.get("ifsc", ""))
        and _ACCOUNT.fullmatch(account.get("account_number", ""))
    ):
        problems.append(
            ("disbursement_account", "needs an IFSC (AAAA0xxxxxx) and a 9-18 digit account")
        )
    if problems:
        raise InvalidError(problems)


BenchmarkLookup = Callable[[UnitOfWork, str, date], Decimal | None]


def loan_spread(
    uow: UnitOfWork,
    product: Product,
    annual_rate: Decimal,
    disbursed_on: date,
    rate_on: BenchmarkLookup | None = None,
) -> Decimal | None:
    """A floating loan's spread: its rate less the benchmark's on the disbursement date (None
    for a fixed-rate product). `rate_on` looks the benchmark up (default `benchmark_rate`;
    bulk onboarding passes a cached one)."""
    if product.rate_type != "floating" or product.benchmark is None:
        return None
    base = (rate_on or benchmark_rate)(uow, product.benchmark, disbursed_on)
    if base is None:
        raise InvalidError(
            [("annual_rate", f"{product.benchmark} has no rate published by {disbursed_on}")]
        )
    return annual_rate - base


def _terms_of(request: LoanRequest, product: Product | None) -> dict[str, Any]:
    settings = dict(product.settings) if product is not None else {}
    if request.fees is not None:
        settings["fees"] = [dict(fee) for fee in request.fees]
    return loan_spec(
        settings,
        principal=request.principal,
        annual_rate=request.annual_rate,
        disbursement_date=request.disbursement_date,
        installments=request.installments,
        first_due_date=request.first_due_date,
    )


def check_ranges(
    product: Product, *, principal: Decimal, annual_rate: Decimal, installments: int
) -> None:
    """Refuse (InvalidError, every problem) a loan outside its product's amount, rate or
    tenure range."""
    problems = []
    if not product.min_amount <= principal <= product.max_amount:
        problems.append(
            (
                "principal",
                f"must be {product.min_amount} to {product.max_amount} for {product.code}",
            )
        )
    if not product.min_rate <= annual_rate <= product.max_rate:
        problems.append(
            ("annual_rate", f"must be {product.min_rate} to {product.max_rate} for {product.code}")
        )
    if not product.min_tenure <= installments <= product.max_tenure:
        problems.append(
            (
                "installments",
                f"must be {product.min_tenure} to {product.max_tenure} for {product.code}",
            )
        )
    if problems:
        raise InvalidError(problems)


def benchmark_rate(uow: UnitOfWork, benchmark: str, on: date) -> Decimal | None:
    """The benchmark's rate in force on `on` (None: none published by then)."""
    return uow.session.scalar(
        select(BenchmarkRate.rate)
        .where(BenchmarkRate.benchmark == benchmark, BenchmarkRate.effective_from <= on)
        .order_by(BenchmarkRate.effective_from.desc())
        .limit(1)
    )
