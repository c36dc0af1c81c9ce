"""The book's reference data over the API on every database: branches, product versions with
their settings in the shape they were given, customers found by name, id or masked PAN within
the caller's branches (masked for roles without `customers.pii`), and staff users without
their secrets.

The book: branches PUN01 (Pune) and BLR01 (Bengaluru); customers 1 Asha Rao (PUN01, PAN
ABCDE1234F, phone 9876543210), 2 Ravi Kumar (PUN01), 3 Asha Menon (BLR01); product PL version
1 (wide ranges) and version 2 (a bounce charge of 500 with 18 % GST, penal 24 %).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from api_client import api_client
from book_setup import WIDE, open_book
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules, create_branch, create_customer, create_product

PROBLEM = "application/problem+json"


@pytest.fixture
def book(db_url: str, engine: Engine) -> str:
    sessions = open_book(
        db_url,
        engine,
        customers=[
            {"name": "Asha Rao", "pan": "ABCDE1234F", "phone": "9876543210"},
            {"name": "Ravi Kumar"},
        ],
    )
    with UnitOfWork(sessions) as uow:
        create_branch(uow, code="BLR01", name="Bengaluru")
        create_customer(uow, branch_code="BLR01", name="Asha Menon")
        rules = ProductRules(bounce_charge=(D(500), D(18)), penal_charge=(D(24), D(18)))
        create_product(uow, code="PL", name="Personal loan", settings={}, rules=rules, **WIDE)  # type: ignore[arg-type]
        uow.commit()
    return db_url


@pytest.fixture
def admin(book: str) -> Iterator[TestClient]:
    with api_client(book) as client:
        yield client


def _get(client: TestClient, path: str, **params: object) -> Any:
    response = client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_branches_and_product_versions_are_listed(admin: TestClient) -> None:
    assert _get(admin, "/branches") == [
        {"code": "BLR01", "name": "Bengaluru"},
        {"code": "PUN01", "name": "Pune"},
    ]
    lines = _get(admin, "/products")
    assert [(p["id"], p["code"], p["version"], p["name"], p["latest"]) for p in lines] == [
        (1, "PL", 1, "PL", False),
        (2, "PL", 2, "Personal loan", True),
    ]
    assert lines[1] | {"id": 0} == {
        "id": 0, "code": "PL", "version": 2, "name": "Personal loan", "rate_type": "fixed",
        "min_amount": "1.00", "max_amount": "10000000.00", "min_rate": "0.00", "max_rate": "36.00",
        "min_tenure": 1, "max_tenure": 60, "latest": True,
    }  # fmt: skip
    assert _get(admin, "/products", code="XX") == []


def test_a_product_shows_every_setting_in_the_shape_it_was_given(admin: TestClient) -> None:
    detail = _get(admin, "/products/2")
    assert detail["created_at"]
    del detail["created_at"]
    assert detail == {
        "id": 2, "version": 2, "code": "PL", "name": "Personal loan", "settings": {},
        "amount": {"min": "1.00", "max": "10000000.00"}, "rate": {"min": "0", "max": "36"},
        "tenure": {"min": "1", "max": "60"}, "waterfall": None, "future_rule": "next",
        "bounce_charge": "500.00", "bounce_charge_tax": "18", "foreclosure_charge": None,
        "foreclosure_charge_tax": "0", "penal_charge": "24", "penal_charge_tax": "18",
        "rate_type": "fixed", "benchmark": None, "reschedule": "reduce_tenure",
        "fee_collection": "deduct", "secured": False, "payment_ceiling": "1.1",
        "backdate_days": 365, "charge_rules": [], "small_balance": None, "bureau_type": None,
        "microfinance": False, "joint_liability": False,
    }  # fmt: skip
    missing = admin.get("/api/v1/products/99")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)


def test_customers_are_found_by_name_id_or_masked_pan(admin: TestClient) -> None:
    def names(**params: object) -> list[str]:
        return [c["name"] for c in _get(admin, "/customers", **params)["items"]]

    assert names() == ["Asha Rao", "Ravi Kumar", "Asha Menon"]
    assert names(q="asha") == ["Asha Rao", "Asha Menon"]
    assert names(q="MENON") == ["Asha Menon"]
    assert names(q="2") == ["Ravi Kumar"]
    assert names(q="XXXXX1234X") == ["Asha Rao"]
    assert names(q="abcde1234f") == ["Asha Rao"]  # a full PAN is compared by its mask
    assert names(q="%") == []  # a wildcard is searched for as itself
    assert names(q="+91 98765 43210") == ["Asha Rao"]  # by the phone's blind index
    assert names(q="a", branch="BLR01") == ["Asha Menon"]
    first = _get(admin, "/customers", limit=2)
    assert ([c["id"] for c in first["items"]], first["next_after"]) == ([1, 2], 2)
    rest = _get(admin, "/customers", limit=2, after=2)
    assert ([c["id"] for c in rest["items"]], rest["next_after"]) == ([3], None)
    assert first["items"][0]["phone"] == "9876543210"  # the administrator sees it in clear


def test_a_branch_role_lists_its_branch_and_a_role_without_pii_sees_masks(book: str) -> None:
    with api_client(book, ("loan_officer",), branches=["BLR01"]) as officer:
        assert _get(officer, "/branches") == [{"code": "BLR01", "name": "Bengaluru"}]
        assert [c["name"] for c in _get(officer, "/customers", q="asha")["items"]] == ["Asha Menon"]
        assert _get(officer, "/customers", branch="PUN01")["items"] == []
    with api_client(book, ("risk",)) as risk:
        asha = _get(risk, "/customers", q="Rao")["items"][0]
        assert (asha["phone"], asha["masked"]) == ("XXXXXX3210", True)
        assert risk.get("/api/v1/users").status_code == 403


def test_users_are_listed_without_their_secrets(admin: TestClient) -> None:
    users = _get(admin, "/users")
    assert [(u["username"], u["roles"], u["branches"], u["second_factor"]) for u in users] == [
        (users[0]["username"], ["administrator"], None, True)
    ]
    assert users[0]["username"].startswith("administrator-")
    assert not {"password_hash", "totp_secret"} & set(users[0])


def test_bad_search_parameters_are_refused_naming_them(admin: TestClient) -> None:
    for params, field in (
        ({"q": ""}, "q"),
        ({"q": "x" * 121}, "q"),
        ({"limit": 0}, "limit"),
        ({"after": -1}, "after"),
    ):
        response = admin.get("/api/v1/customers", params=params)
        assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM)
        assert field in response.text
