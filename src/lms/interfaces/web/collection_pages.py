"""Collections as pages: the work queue of open cases (most urgent first) for managers and
agents, phone-friendly, and a case with its borrower's loans, history, promises and outcomes,
where an agent records a promise or logs a call or visit and a manager allocates it.

Guarantees: the API's services (lms.collections.work); within the person's branches; each
action needs the form token and the permission of the API route, and records its actor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lms.collections import work
from lms.collections.cases import note as case_note
from lms.collections.models import CollectionCase, Outcome, Promise
from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.strategy_routes import open_tasks
from lms.interfaces.web.loan_pages import reasons
from lms.interfaces.web.render import page
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.payments.counter import take_receipt
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Customer, Loan

router = APIRouter()
REFUSED = (InvalidError, ConflictError, NotFoundError)


@router.get(f"{ROOT}/collections")
def queue_page(request: Request, uow: UnitOfWorkDep, who: Staff) -> HTMLResponse:
    """Open cases, most urgent first; an agent sees theirs first, then the rest of the branch."""
    rows = list(uow.session.scalars(work.queue(who.branches)))
    names = dict(uow.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_({r.customer_id for r in rows}))
    ).all())  # fmt: skip
    mine = [r for r in rows if r.agent == who.actor.removeprefix("user:")]
    tasks = open_tasks(uow, who.branches, today(uow))
    return page(request, "collections.html", cases=rows, mine=mine, names=names,
                label=work.bucket_label, tasks=tasks, me=who.actor.removeprefix("user:"))  # fmt: skip


@router.get(f"{ROOT}/collections/{{case_id}}")
def case_page(request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int) -> HTMLResponse:
    return _drawn(request, uow, who, case_id)


def _drawn(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int, status: int = 200,
    **extra: Any,
) -> HTMLResponse:  # fmt: skip
    case = uow.session.get(CollectionCase, case_id) if case_id < 2**31 else None
    if case is None or (who.branches is not None and case.branch_code not in who.branches):
        raise NotFoundError("collection case", case_id)
    customer = uow.session.get(Customer, case.customer_id)
    loans = uow.session.scalars(select(Loan).where(Loan.customer_id == case.customer_id,
                                                   Loan.status == "active").order_by(Loan.id))  # fmt: skip
    promises = uow.session.scalars(select(Promise).where(Promise.case_id == case_id)
                                   .order_by(Promise.id.desc()))  # fmt: skip
    outcomes = uow.session.scalars(select(Outcome).where(Outcome.case_id == case_id)
                                   .order_by(Outcome.id.desc()))  # fmt: skip
    return page(request, "collection_case.html", status, case=case, customer=customer,
                loans=list(loans), history=work.history(uow, case_id)[::-1],
                promises=list(promises), outcomes=list(outcomes), label=work.bucket_label,
                dispositions=work.DISPOSITIONS, today_=today(uow),
                may_allocate=who.may(Permission.COLLECTIONS_MANAGE),
                may_take=who.may(Permission.PAYMENTS_TAKE), **extra)  # fmt: skip


def _acted(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int, done: str,
    act: Callable[[CollectionCase], object],
) -> Response:  # fmt: skip
    """Do `act` on the open case and go back to it saying `done`; a refusal is shown on the
    case's page, nothing written."""
    try:
        act(work.open_case(uow, case_id, who.branches))
        uow.commit()
    except REFUSED as exc:
        uow.session.rollback()
        return _drawn(request, uow, who, case_id, 422, problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/collections/{case_id}?done={done}", status_code=303)


@router.post(f"{ROOT}/collections/{{case_id}}/promises", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def promise(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int,
    amount: Annotated[str, Form(max_length=20)], promised_for: Annotated[str, Form(max_length=10)],
) -> Response:  # fmt: skip
    def act(case: CollectionCase) -> object:
        asked = work.PromiseAsked(_amount(amount), _day(promised_for))
        return work.promise(uow, case, asked, day=today(uow))

    return _acted(request, uow, who, case_id, "promise", act)


@router.post(f"{ROOT}/collections/{{case_id}}/outcomes", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def outcome(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int,
    kind: Annotated[str, Form(max_length=8)], disposition: Annotated[str, Form(max_length=24)],
    note: Annotated[str, Form(max_length=2000)] = "",
    latitude: Annotated[str, Form(max_length=16)] = "",
    longitude: Annotated[str, Form(max_length=16)] = "",
) -> Response:  # fmt: skip
    where = (latitude, longitude) if latitude or longitude else None

    def act(case: CollectionCase) -> object:
        return work.log_outcome(uow, case, kind=kind, disposition=disposition,
                                note_text=note or None, where=where, day=today(uow))  # fmt: skip

    return _acted(request, uow, who, case_id, "outcome", act)


@router.post(f"{ROOT}/collections/{{case_id}}/allocation", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def allocation(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int,
    agent: Annotated[str, Form(max_length=80)],
) -> Response:  # fmt: skip
    def act(case: CollectionCase) -> object:
        work.allocate(uow, case, agent=agent.strip(), day=today(uow))
        return case

    return _acted(request, uow, who, case_id, "allocation", act)


@router.post(f"{ROOT}/collections/{{case_id}}/receipts", dependencies=[FormChecked],
             response_model=None)  # fmt: skip
def receipt(
    request: Request, uow: UnitOfWorkDep, who: Staff, case_id: int,
    loan_id: Annotated[int, Form(ge=1, lt=2**31)], amount: Annotated[str, Form(max_length=20)],
    mode: Annotated[str, Form(max_length=8)],
    cheque_number: Annotated[str, Form(max_length=12)] = "",
    cheque_bank: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    """Cash or a cheque taken in the field for one of the borrower's loans: a numbered receipt,
    posted as the loan's repayment, in the case's history."""

    def act(case: CollectionCase) -> object:
        loan = uow.session.get(Loan, loan_id)
        if loan is None or loan.customer_id != case.customer_id:
            raise InvalidError([("loan_id", "must be a loan of this case's borrower")])
        cheque = (cheque_number.strip(), cheque_bank.strip()) if mode == "cheque" else None
        taken = take_receipt(uow, loan_id=loan_id, amount=_amount(amount), mode=mode,
                             collector=who.actor, day=today(uow), cheque=cheque)  # fmt: skip
        case_note(uow, case, today(uow), "receipt_taken", who.actor, receipt=taken.number,
                  loan=loan_id, amount=str(taken.amount), mode=mode)  # fmt: skip
        return taken

    return _acted(request, uow, who, case_id, "receipt", act)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise InvalidError([("amount", "must be an amount in rupees")]) from None
    if not value.is_finite():
        raise InvalidError([("amount", "must be an amount in rupees")])
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError([("promised_for", "must be a date, YYYY-MM-DD")]) from None
