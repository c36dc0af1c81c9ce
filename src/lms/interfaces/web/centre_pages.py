"""Microfinance in the staff application: the centres with their book, arrears and portfolio
at risk, and the portfolio at risk by field officer; a centre's groups, members and next
meetings; and a meeting's collection sheet, which the field officer fills in on a phone (what
each member paid, the group's cover for a member short, who came) and posts, or prints.

Guarantees: the API's services (lms.microfinance); within the branches the person may see;
posting needs `payments.take` and the form token; a refusal is shown on the sheet with
nothing written; a posted sheet shows what was taken and cannot be posted differently.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.microfinance_routes import centre_of
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.microfinance.overview import centre_books, officer_books, sheet_pdf
from lms.microfinance.sheets import Taken, collection_sheet, post_sheet
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Customer

router = APIRouter()


@router.get(f"{ROOT}/centres")
def centres(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    books = centre_books(uow, today(uow), who.branches)
    return page(request, "centres.html", books=books, officers=officer_books(books),
                today=today(uow))  # fmt: skip


@router.get(f"{ROOT}/centres/{{centre_id}}")
def centre(request: Request, uow: UnitOfWorkDep, who: Staff, centre_id: int) -> HTMLResponse:
    shown = centre_of(uow, centre_id)
    ids = {m for g in shown.groups for m in g.members}
    names = dict(uow.session.execute(select(Customer.id, Customer.name)
                                     .where(Customer.id.in_(ids))).all())  # fmt: skip
    return page(request, "centre.html", c=shown, names=names)


@router.get(f"{ROOT}/centres/{{centre_id}}/sheet")
def sheet(
    request: Request, uow: UnitOfWorkDep, who: Staff, centre_id: int, on: date | None = None
) -> HTMLResponse:
    return _drawn(request, uow, centre_id, on or today(uow))


@router.get(f"{ROOT}/centres/{{centre_id}}/sheet.pdf")
def sheet_file(uow: UnitOfWorkDep, who: Staff, centre_id: int, on: date | None = None) -> Response:
    found = collection_sheet(uow, centre_id, on or today(uow))
    name = f"sheet-{found.centre.code}-{found.on}.pdf"
    return Response(sheet_pdf(found), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})  # fmt: skip


@router.post(f"{ROOT}/centres/{{centre_id}}/sheet", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
async def post(request: Request, uow: UnitOfWorkDep, who: Staff, centre_id: int) -> Response:
    """Post the sheet as the officer filled it in."""
    form = await request.form()
    given = {k: str(v) for k, v in form.items()}
    try:
        on = date.fromisoformat(given.get("on", ""))
    except ValueError:
        on = today(uow)
    taken: list[Taken] = []
    try:
        taken = _taken(given)
        post_sheet(uow, centre_id, on, taken=taken, collector=who.actor, posted=today(uow))
        uow.commit()
    except (InvalidError, ConflictError) as exc:
        uow.session.rollback()
        said = _by_member(uow, centre_id, on, taken, reasons(exc))
        return _drawn(request, uow, centre_id, on, 422, problems=said, form=given)
    return RedirectResponse(f"{ROOT}/centres/{centre_id}/sheet?on={on}&posted=1", status_code=303)


def _taken(given: dict[str, str]) -> list[Taken]:
    """Each line of the form (fields collected-N, cover-N, attended-N for loan N)."""
    taken, problems = [], []
    for key in sorted(k for k in given if k.startswith("collected-")):
        loan = key.removeprefix("collected-")
        amounts = []
        for name in ("collected", "cover"):
            text = given.get(f"{name}-{loan}", "").strip().replace(",", "") or "0"
            try:
                amounts.append(Decimal(text))
            except InvalidOperation:
                problems.append((f"{name} of loan {loan}", f"{text!r} is not an amount"))
                amounts.append(Decimal(0))
        if loan.isdigit():
            taken.append(Taken(int(loan), amounts[0], amounts[1], f"attended-{loan}" in given))
    if problems:
        raise InvalidError(problems)
    return taken


def _by_member(
    uow: UnitOfWork, centre_id: int, on: date, taken: list[Taken], said: list[str]
) -> list[str]:
    """The refusal's `lines[k].field` named by the member of line k."""
    names = {r.loan_id: r.member for r in collection_sheet(uow, centre_id, on).rows}
    for k, line in enumerate(taken):
        prefix = f"lines[{k}]."
        who = names.get(line.loan_id, f"loan {line.loan_id}")
        said = [f"{who}: {p.removeprefix(prefix)}" if p.startswith(prefix) else p for p in said]
    return said


def _drawn(
    request: Request, uow: UnitOfWork, centre_id: int, on: date, status: int = 200, **more: object
) -> HTMLResponse:
    found = collection_sheet(uow, centre_id, on)
    totals = {name: found.total(name) for name in ("due", "collected", "cover")}
    return page(request, "sheet.html", status, s=found, totals=totals, form=more.pop("form", {}),
                **more)  # fmt: skip
