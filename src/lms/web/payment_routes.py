"""REST routes of bank statements and the suspense queue: thin, as the other routes.

Guarantee: a route commits only after its service returned; an import is one transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from lms.payments.models import StatementLine
from lms.payments.reconcile import import_statement, match_by_hand, suspense_lines
from lms.web.app import UnitOfWorkDep, today

router = APIRouter()


@router.post("/statements", status_code=status.HTTP_201_CREATED)
async def upload_statement(
    request: Request,
    uow: UnitOfWorkDep,
    response: Response,
    format: Annotated[Literal["mt940", "camt053"] | None, Query()] = None,
) -> dict[str, object]:
    """Import a bank statement (the file as the request body, MT940 or CAMT.053): credits
    matched to loans are posted, the rest wait in suspense. The same file again: 200, nothing
    done."""
    content = await request.body()
    result = import_statement(uow, content, kind=format, posting_date=today(uow))
    uow.commit()
    if result.repeated:
        response.status_code = status.HTTP_200_OK
    return asdict(result)


@router.get("/statement-lines")
def statement_lines(uow: UnitOfWorkDep) -> list[dict[str, object]]:
    """The suspense queue: credits no loan was sure for, oldest first, with any suggestion."""
    return [_shown(line) for line in suspense_lines(uow)]


class MatchIn(BaseModel):
    model_config = {"extra": "forbid"}

    loan_id: int = Field(gt=0)
    by: str = Field(min_length=1, max_length=64, description="Who matched it.")


@router.post("/statement-lines/{line_id}/match")
def match_line(line_id: int, body: MatchIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Name the loan a suspense line pays: posted as its repayment on the line's value date."""
    line = match_by_hand(
        uow, line_id=line_id, loan_id=body.loan_id, by=body.by, posting_date=today(uow)
    )
    uow.commit()
    return _shown(line)


def _shown(line: StatementLine) -> dict[str, object]:
    return {
        "id": line.id,
        "value_date": line.value_date.isoformat(),
        "amount": str(line.amount.quantize(line.amount.__class__("0.01"))),
        "reference": line.reference,
        "bank_reference": line.bank_reference,
        "narration": line.narration,
        "payer_name": line.payer_name,
        "status": line.status,
        "loan_id": line.loan_id,
        "suggested_loan_id": line.suggested_loan_id,
        "rule": line.rule,
        "confidence": line.confidence,
        "note": line.note,
        "resolved_by": line.resolved_by,
    }
