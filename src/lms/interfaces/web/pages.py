"""The staff application's pages other than a loan's: signing in and out, the dashboard, the
search box, the loan list and customers. Thin: read through the services, draw a template.

Guarantees: every page is in lms.interfaces.web.session.PAGES; lists are within the person's
branches; personal data is masked as the API masks it; nothing here writes except signing in
and out.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.close import listing
from lms.close.portfolio import LoanFilter, dpd_buckets, last_closed, loan_page, portfolio_summary
from lms.core.classification import AssetClass
from lms.identity.service import sign_in, sign_out
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.catalog_routes import customer_out
from lms.interfaces.api.directory_routes import customer_match
from lms.interfaces.api.security import VERIFIED, visible_branches
from lms.interfaces.web.render import page
from lms.interfaces.web.session import (
    COOKIE,
    ROOT,
    SIGN_IN,
    FormChecked,
    Staff,
    local_path,
    same_site,
    session_token,
)
from lms.payments.models import Mandate
from lms.platform.errors import InvalidError, NotFoundError
from lms.servicing.models import Branch, Customer, Loan, LoanEvent

router = APIRouter()
STATUSES = ("approved", "active", "closed")
FOUND = 20  # loans and customers a search shows


@router.get(SIGN_IN)
def sign_in_page(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> HTMLResponse:
    return page(request, "sign_in.html", next=local_path(next))


@router.post(SIGN_IN, response_model=None)
def sign_in_form(
    request: Request,
    uow: UnitOfWorkDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    code: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=500)] = ROOT,
) -> Response:
    """A session for the person, in a cookie; then the page they wanted."""
    address = request.client.host if request.client else ""
    if not same_site(request):
        return page(
            request,
            "sign_in.html",
            403,
            refused="Sign in from this application's own page.",
            next=ROOT,
        )
    wait = request.app.state.sign_in_attempts.wait(address, time.monotonic())
    if wait:
        return page(
            request,
            "sign_in.html",
            429,
            refused=f"Too many tries: wait {wait} s.",
            next=local_path(next),
        )
    outcome = sign_in(uow, username=username, password=password, code=code or None,
                      origin=address, now=datetime.now(UTC))  # fmt: skip
    uow.commit()  # a failed try counts towards the lock too
    if outcome.token is None:
        return page(request, "sign_in.html", 401, refused="Not signed in: check the user name, password and code.",
                    username=username, next=local_path(next))  # fmt: skip
    answer = RedirectResponse(local_path(next), status_code=303)
    answer.set_cookie(COOKIE, str(outcome.token), httponly=True, samesite="strict",
                      secure=request.url.scheme == "https", path=ROOT)  # fmt: skip
    return answer


@router.post(f"{ROOT}/sign-out", dependencies=[FormChecked])
def sign_out_form(request: Request, uow: UnitOfWorkDep, who: Staff) -> RedirectResponse:
    token = session_token(request)
    if token is not None:
        sign_out(uow, token, datetime.now(UTC))
        uow.commit()
        VERIFIED.forget(token)
    answer = RedirectResponse(SIGN_IN, status_code=303)
    answer.delete_cookie(COOKIE, path=ROOT)
    return answer


@router.get(ROOT)
def home(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    """The portfolio by DPD bucket at the last closed date, within the person's branches."""
    day = today(uow)
    as_of = last_closed(day)
    shown = visible_branches(request)
    try:
        cells = [c for c in portfolio_summary(uow, day=as_of) if shown is None or c.branch in shown]
    except InvalidError as exc:  # no close has finished yet
        return page(request, "home.html", today=day, as_of=as_of, summary_error=str(exc))
    totals = []
    for bucket in dpd_buckets():
        mine = [c for c in cells if c.bucket == bucket.label]
        totals.append(_sum(bucket.label, mine))
    return page(request, "home.html", today=day, as_of=as_of, totals=totals,
                all=_sum("All", cells), branches=sorted(shown or []))  # fmt: skip


def _sum(label: str, cells: list) -> dict[str, object]:  # type: ignore[type-arg]
    zero = Decimal(0)
    return {
        "bucket": label,
        "loans": sum(c.loans for c in cells),
        "principal_outstanding": sum((c.principal_outstanding for c in cells), zero),
        "principal_overdue": sum((c.principal_overdue for c in cells), zero),
        "interest_overdue": sum((c.interest_overdue for c in cells), zero),
    }


@router.get(f"{ROOT}/loans")
def loans(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    status: Annotated[str, Query(max_length=16)] = "",
    branch: Annotated[str, Query(max_length=16)] = "",
    asset_class: Annotated[str, Query(max_length=8)] = "",
    bucket: Annotated[str, Query(max_length=16)] = "",
    after: Annotated[int | None, Query(ge=0, lt=2**31)] = None,
) -> HTMLResponse:
    """The loan list with each loan's figures; a filter value the list does not know is
    refused on the page, naming it."""
    problems = []
    if status and status not in STATUSES:
        problems.append(("status", f"must be one of {', '.join(STATUSES)}"))
    if asset_class and asset_class not in {c.value for c in AssetClass}:
        problems.append(("asset_class", "is not an asset class"))
    if problems:
        raise InvalidError(problems)
    low, high = listing.bucket_range(bucket or None)
    where = LoanFilter(status or None, branch or None, None, asset_class or None, low, high,
                       branches=who.branches)  # fmt: skip
    day = today(uow)
    found = loan_page(uow, where=where, today=day, limit=50, after=after)
    lines = listing.loan_lines(uow, found.loans, day)
    filters = {"status": status, "branch": branch, "asset_class": asset_class, "bucket": bucket}
    next_link = f"{ROOT}/loans?" + urlencode({**filters, "after": found.next_after})
    branch_list = uow.session.scalars(select(Branch).order_by(Branch.code))
    return page(
        request, "loans.html", f=filters, rows=[(loan, lines[loan.id]) for loan in found.loans],
        total=found.total, exact=found.total_exact, next_after=found.next_after,
        next_link=next_link, statuses=STATUSES, classes=[c.value for c in AssetClass],
        buckets=[b.label for b in dpd_buckets()],
        branch_list=[b for b in branch_list if who.branches is None or b.code in who.branches],
    )  # fmt: skip


@router.get(f"{ROOT}/search")
def search(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    q: Annotated[str, Query(max_length=120)] = "",
) -> HTMLResponse:
    """Loans by number (id or application id), UMRN, payment reference (UTR) or borrower;
    customers by name, id or PAN; within the person's branches. One loan and no customer
    found: its page."""
    text = q.strip()
    if not text:
        return page(request, "search.html", q=q, loans=[], customers=[])
    found: list[tuple[Loan, str]] = []
    if text.isascii() and text.isdigit() and int(text) < 2**31:
        found += [(loan, "loan number") for loan in _loans(uow, Loan.id == int(text))]
    found += [(loan, "application id") for loan in _loans(uow, Loan.external_id == text)]
    umrn = select(Mandate.loan_id).where(Mandate.umrn == text.upper())
    found += [(loan, "UMRN") for loan in _loans(uow, Loan.id.in_(umrn))]
    paid = select(LoanEvent.loan_id).where(LoanEvent.reference == text)
    found += [(loan, "payment reference") for loan in _loans(uow, Loan.id.in_(paid))]
    borrowers = select(Customer.id).where(customer_match(text))
    found += [(loan, "borrower") for loan in _loans(uow, Loan.customer_id.in_(borrowers))]
    customers = [c for c in uow.session.scalars(
        select(Customer).where(customer_match(text)).order_by(Customer.id).limit(FOUND * 5)
    ) if who.branches is None or c.branch_code in who.branches][:FOUND]  # fmt: skip
    mine, seen = [], set()
    for loan, why in found:  # each loan once, by the first way it was found
        if (who.branches is None or loan.branch_code in who.branches) and loan.id not in seen:
            mine.append((loan, why))
            seen.add(loan.id)
    names = _names(uow, {loan.customer_id for loan, _ in mine})
    if len(mine) == 1 and not customers and "HX-Request" not in request.headers:
        return RedirectResponse(f"{ROOT}/loans/{mine[0][0].id}", status_code=303)  # type: ignore[return-value]
    return page(request, "search.html", q=text, customers=customers,
                loans=[(loan, names.get(loan.customer_id, ""), why) for loan, why in mine[:FOUND]])  # fmt: skip


def _loans(uow: UnitOfWorkDep, condition: object) -> list[Loan]:
    return list(uow.session.scalars(select(Loan).where(condition).order_by(Loan.id).limit(FOUND)))  # type: ignore[arg-type]


def _names(uow: UnitOfWorkDep, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = uow.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(sorted(ids)))
    )
    return dict(rows.all())


@router.get(f"{ROOT}/customers")
def customers(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    q: Annotated[str, Query(max_length=120)] = "",
    after: Annotated[int | None, Query(ge=0, lt=2**31)] = None,
) -> HTMLResponse:
    query = select(Customer).order_by(Customer.id).limit(51)
    if who.branches is not None:
        query = query.where(Customer.branch_code.in_(sorted(who.branches)))
    if q.strip():
        query = query.where(customer_match(q))
    if after is not None:
        query = query.where(Customer.id > after)
    found = list(uow.session.scalars(query))
    next_link = (
        f"{ROOT}/customers?" + urlencode({"q": q, "after": found[49].id})
        if len(found) > 50
        else None
    )
    return page(request, "customers.html", q=q, customers=found[:50], next_link=next_link)


@router.get(f"{ROOT}/customers/{{customer_id}}")
def customer(request: Request, uow: UnitOfWorkDep, who: Staff, customer_id: int) -> HTMLResponse:
    """A customer as the person may see them, with their loans and each loan's figures."""
    found = uow.session.get(Customer, customer_id) if customer_id < 2**31 else None
    if found is None:
        raise NotFoundError("customer", customer_id)
    their = list(
        uow.session.scalars(select(Loan).where(Loan.customer_id == found.id).order_by(Loan.id))
    )
    lines = listing.loan_lines(uow, their, today(uow))
    return page(request, "customer.html", c=customer_out(found, request),
                loans=[(loan, lines[loan.id]) for loan in their])  # fmt: skip
