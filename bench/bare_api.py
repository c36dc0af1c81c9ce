"""A peer for bench/posting.py: the same web stack (FastAPI, Pydantic, uvicorn) answering a
repayment request of the same shape with no work behind it (no database), so the figure of
`lms serve` can be read against what the stack itself costs on this machine.

Run by bench/posting.py: `uvicorn bare_api:app --workers N` from this folder.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import FastAPI, Header, status
from pydantic import BaseModel

app = FastAPI()


class Repayment(BaseModel):
    amount: Decimal
    value_date: date
    reference: str
    channel: str


@app.post("/api/v1/loans/{loan_id}/repayments", status_code=status.HTTP_201_CREATED)
def repay(
    loan_id: int, body: Repayment, idempotency_key: str | None = Header(default=None)
) -> dict[str, object]:
    return {"loan_id": loan_id, "amount": str(body.amount), "reference": body.reference}
