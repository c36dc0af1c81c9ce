"""REST routes of branch receipts, the day-end tally, and refunds with maker-checker.

Guarantee: a route commits only after its service returned.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import Field

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RequestBody
from lms.interfaces.api.security import visible_branches
from lms.payments.counter import (
    day_tally,
    decide_refund,
    payout_file,
    request_refund,
    take_receipt,
)
from lms.payments.models import RefundRequest
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

router = APIRouter()
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class ReceiptIn(RequestBody):
    amount: Amount
    mode: Literal["cash", "cheque"]
    cheque_number: str | None = Field(default=None, max_length=12)
    cheque_bank: str | None = Field(default=None, max_length=64)


@router.post("/loans/{loan_id}/receipts", status_code=status.HTTP_201_CREATED)
def new_receipt(loan_id: int, body: ReceiptIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Cash or a cheque taken for the loan: a numbered receipt, posted as its repayment."""
    cheque = (body.cheque_number or "", body.cheque_bank or "") if body.mode == "cheque" else None
    receipt = take_receipt(uow, loan_id=loan_id, amount=body.amount, mode=body.mode,
                           collector=_actor(uow), day=today(uow), cheque=cheque)  # fmt: skip
    uow.commit()
    return {"number": receipt.number, "loan_id": loan_id, "mode": receipt.mode,
            "amount": str(receipt.amount.quantize(Decimal("0.01"))),
            "collected_on": receipt.collected_on.isoformat(), "collector": receipt.collector}  # fmt: skip


@router.get("/receipts/tally")
def tally(
    uow: UnitOfWorkDep,
    request: Request,
    day: Annotated[date | None, Query(alias="date")] = None,
    branch: str | None = None,
) -> list[dict[str, object]]:
    """Each collector's receipts of a day (the business date by default): count, cash,
    cheques."""
    return [
        {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(t).items()}
        for t in day_tally(uow, day=day or today(uow), branches=visible_branches(request, branch))
    ]


class RefundRequestIn(RequestBody):
    amount: Amount
    account_holder: str = Field(min_length=1, max_length=140)
    account_number: str = Field(min_length=6, max_length=34)
    ifsc: str = Field(min_length=11, max_length=11)
    reason: str = Field(min_length=1, max_length=500)


class DecisionIn(RequestBody):
    note: str | None = Field(default=None, max_length=500)


def _actor(uow: UnitOfWork) -> str:
    """The signed-in identity asking (the maker, the checker, the collector): never a name
    typed into the request."""
    assert uow.actor is not None  # every route here needs a principal (security.ROUTES)
    return uow.actor


def _shown(r: RefundRequest) -> dict[str, object]:
    return {"id": r.id, "loan_id": r.loan_id, "amount": str(r.amount.quantize(Decimal("0.01"))),
            "status": r.status, "requested_by": r.requested_by, "decided_by": r.decided_by}  # fmt: skip


@router.post("/loans/{loan_id}/refund-requests", status_code=status.HTTP_201_CREATED)
def new_refund(loan_id: int, body: RefundRequestIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Ask for a refund of unapplied funds (paid only when someone else approves it)."""
    row = request_refund(
        uow, loan_id=loan_id, amount=body.amount,
        account=(body.account_holder, body.account_number, body.ifsc),
        reason=body.reason, by=_actor(uow),
    )  # fmt: skip
    uow.commit()
    return _shown(row)


@router.post("/refund-payouts")
def refund_payouts(uow: UnitOfWorkDep) -> Response:
    """The bank's bulk payment file (CSV) of the approved refunds not yet paid."""
    name, content = payout_file(
        uow, day=today(uow), debit_account=get_settings().disbursement_account
    )
    uow.commit()
    return Response(content, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip


@router.post("/refund-requests/{request_id}/{decision}")
def decide(
    request_id: int, decision: Literal["approve", "reject"], body: DecisionIn, uow: UnitOfWorkDep
) -> dict[str, object]:
    """Approve (the refund is paid) or reject a refund request; not by the one who asked."""
    row = decide_refund(uow, request_id=request_id, approve=decision == "approve", by=_actor(uow),
                        day=today(uow), note=body.note)  # fmt: skip
    uow.commit()
    return _shown(row)
