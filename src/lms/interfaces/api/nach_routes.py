"""REST routes of NACH / eNACH: mandates, the presentation file, the bank's response.

Guarantee: a route commits only after its service returned; a bulk file of mandates is
registered whole or not at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import Field
from sqlalchemy import select

from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.schemas import RequestBody
from lms.payments.models import Mandate
from lms.payments.nach import (
    MandateRequest,
    register_mandate,
    set_mandate_status,
    write_presentation_file,
)
from lms.payments.nach_responses import apply_response
from lms.platform.errors import InvalidError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan

router = APIRouter()


class MandateIn(RequestBody):
    kind: Literal["nach", "enach"]
    frequency: Literal["monthly", "as_presented"]
    amount_type: Literal["fixed", "maximum"]
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    start_date: date
    end_date: date | None = None
    debtor_name: str = Field(min_length=1, max_length=140)
    debtor_account: str = Field(min_length=6, max_length=34)
    debtor_ifsc: str = Field(min_length=11, max_length=11)
    umrn: str | None = Field(default=None, min_length=20, max_length=20)


class StatusIn(RequestBody):
    status: Literal["active", "rejected", "cancelled"]
    umrn: str | None = None
    reason: str | None = Field(default=None, max_length=500)


def _shown(m: Mandate) -> dict[str, object]:
    return {"id": m.id, "loan_id": m.loan_id, "umrn": m.umrn, "kind": m.kind, "status": m.status,
            "amount_type": m.amount_type, "amount": str(m.amount.quantize(Decimal("0.01"))),
            "start_date": m.start_date.isoformat(),
            "end_date": m.end_date.isoformat() if m.end_date else None, "reason": m.reason}  # fmt: skip


@router.post("/loans/{loan_id}/mandates", status_code=status.HTTP_201_CREATED)
def new_mandate(loan_id: int, body: MandateIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """Register a mandate for the loan: pending until the sponsor bank accepts it (active
    at once when its UMRN is given)."""
    mandate = register_mandate(uow, loan_id=loan_id, request=MandateRequest(**body.model_dump()))
    uow.commit()
    return _shown(mandate)


@router.post("/mandates/{mandate_id}/status")
def mandate_status(mandate_id: int, body: StatusIn, uow: UnitOfWorkDep) -> dict[str, object]:
    """The sponsor bank's answer (active with the UMRN, rejected with the reason) or a
    cancellation."""
    mandate = set_mandate_status(uow, mandate_id=mandate_id, **body.model_dump())
    uow.commit()
    return _shown(mandate)


@router.post("/mandates/bulk", status_code=status.HTTP_201_CREATED)
async def bulk_mandates(request: Request, uow: UnitOfWorkDep) -> dict[str, object]:
    """Register many mandates from a CSV file (columns: loan_number and the fields of one
    mandate); all of them, or none if any line is wrong (every problem named by line)."""
    rows = list(csv.DictReader(io.StringIO((await request.body()).decode("utf-8-sig"))))
    problems: list[tuple[str, str]] = []
    made = []
    for number, row in enumerate(rows, start=2):
        try:
            loan_id = uow.session.scalar(
                select(Loan.id).where(Loan.external_id == row.get("loan_number"))
            )
            if loan_id is None:
                raise InvalidError([("loan_number", f"no loan {row.get('loan_number')!r}")])
            made.append(register_mandate(uow, loan_id=loan_id, request=_from_row(row)))
        except InvalidError as exc:
            problems.extend((f"line {number}: {field}", reason) for field, reason in exc.problems)
    if problems or not rows:
        raise InvalidError(problems or [("file", "has no mandates")])
    uow.commit()
    return {"registered": len(made), "ids": [m.id for m in made]}


def _from_row(row: dict[str, str]) -> MandateRequest:
    try:
        return MandateRequest(
            row["kind"], row["frequency"], row["amount_type"], Decimal(row["amount"]),
            date.fromisoformat(row["start_date"]),
            date.fromisoformat(row["end_date"]) if row.get("end_date") else None,
            row["debtor_name"], row["debtor_account"], row["debtor_ifsc"], row.get("umrn") or None,
        )  # fmt: skip
    except KeyError as exc:
        raise InvalidError([(str(exc.args[0]), "is missing")]) from None
    except (InvalidOperation, ValueError) as exc:
        raise InvalidError([("row", f"has a bad amount or date: {exc}")]) from None


@router.post("/nach/presentation-files")
def presentation_file(
    uow: UnitOfWorkDep, day: Annotated[date | None, Query(alias="date")] = None
) -> Response:
    """The debit file of a date's presentations not yet sent (the business date by default)."""
    name, content = write_presentation_file(
        uow, day=day or today(uow),
        sponsor_ifsc=get_settings().nach_sponsor_ifsc,
        user_code=get_settings().nach_user_code,
    )  # fmt: skip
    uow.commit()
    return Response(content, media_type="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{name}.txt"'})  # fmt: skip


@router.post("/nach/responses")
async def nach_response(request: Request, uow: UnitOfWorkDep) -> dict[str, object]:
    """The sponsor bank's response file: each debit paid, or returned (reversed, charged,
    the borrower told); lines answered before do nothing."""
    uow.origin = "file"
    result = apply_response(uow, await request.body(), posting_date=today(uow))
    uow.commit()
    return asdict(result)
