"""A bounded schemathesis run over every operation of the API, signed in as an administrator,
on a small book (a branch, a customer, a product, a disbursed loan, so that id 1 exists):
no request gets a server error, and every error is problem+json. `LMS_FUZZ_EXAMPLES` sets
the examples per operation (25 here; the longer run in docs/security.md used more)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from api_client import api_client, staff_token
from hypothesis import HealthCheck, settings

from lms.interfaces.api.app import create_app

_URL = f"sqlite:///{Path(tempfile.mkdtemp(prefix='lms-fuzz-')) / 'book.sqlite3'}"
_TOKEN = staff_token(_URL)
with api_client(_URL) as _admin:
    _admin.post("/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"})
    _admin.post("/api/v1/customers", json={"branch_code": "BLR01", "name": "Asha Rao"})
    _admin.post("/api/v1/products", json={
        "code": "TW", "name": "Two-wheeler", "amount": {"min": "10000", "max": "500000"},
        "rate": {"min": "8", "max": "30"}, "tenure": {"min": 6, "max": 60}})  # fmt: skip
    _admin.post("/api/v1/loans", json={
        "external_id": "LOS-1", "branch_code": "BLR01", "customer_id": 1, "product_code": "TW",
        "principal": "100000", "annual_rate": "12", "installments": 12,
        "disbursement_date": "2026-01-15"})  # fmt: skip
    _admin.post("/api/v1/loans/1/disbursement")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_URL))


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("LMS_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_server_error(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {_TOKEN}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        assert response.headers.get("content-type") == ["application/problem+json"]
