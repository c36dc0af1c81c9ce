"""The loan's figures follow its revisions over the HTTP API: after a part-prepayment with
`reduce_emi`, GET /loans/{id} shows the new EMI.

1,00,000 at 12 % for 12 months from 15 Jan 2026, EMI 8,884.88; the February and March EMIs
paid, 20,000 prepaid on 10 Apr (reduce EMI): the 64,151.39 left over the 10 installments at
1 % a month is 64,151.39 x 0.01 / (1 - 1.01^-10) = 6,773.2369..., 6,773.24 (worked by
Fraction in tests/unit/test_revision.py `reference_rows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from api_client import api_client
from fastapi.testclient import TestClient

from lms.platform.db.migrate import upgrade

LOAN = {
    "external_id": "LOS-88",
    "branch_code": "BLR01",
    "customer_id": 1,
    "product_code": "PL",
    "principal": "100000",
    "annual_rate": "12",
    "installments": 12,
    "disbursement_date": "2026-01-15",
}


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr("lms.interfaces.api.app.business_date", lambda: date(2026, 4, 20))
    upgrade(db_url)
    with api_client(db_url) as test_client:
        branch = {"code": "BLR01", "name": "Bengaluru"}
        assert test_client.post("/api/v1/branches", json=branch).status_code == 201
        customer = {"branch_code": "BLR01", "name": "Ravi Kumar"}
        assert test_client.post("/api/v1/customers", json=customer).status_code == 201
        product = {
            "code": "PL",
            "name": "Personal loan",
            "settings": {},
            "amount": {"min": "10000", "max": "300000"},
            "rate": {"min": "9", "max": "26"},
            "tenure": {"min": "6", "max": "48"},
        }
        assert test_client.post("/api/v1/products", json=product).status_code == 201
        yield test_client


def test_a_reduce_emi_prepayment_shows_the_new_emi(client: TestClient) -> None:
    loan = client.post("/api/v1/loans", json=LOAN).json()
    assert loan["emi"] == "8884.88"
    client.post(f"/api/v1/loans/{loan['id']}/disbursement")
    for day, ref in (("2026-02-15", "E1"), ("2026-03-15", "E2")):
        pay = {"amount": "8884.88", "value_date": day, "reference": ref, "channel": "nach"}
        assert client.post(f"/api/v1/loans/{loan['id']}/repayments", json=pay).status_code == 201
    prepay = {
        "amount": "20000",
        "value_date": "2026-04-10",
        "reference": "PRE-1",
        "channel": "neft",
        "reschedule": "reduce_emi",
    }
    assert client.post(f"/api/v1/loans/{loan['id']}/prepayments", json=prepay).status_code == 201
    shown = client.get(f"/api/v1/loans/{loan['id']}").json()
    assert shown["loan"]["emi"] == "6773.24"
    assert shown["installments"][3]["principal"] == "6193.04"  # 6,773.24 - 580.20 interest
