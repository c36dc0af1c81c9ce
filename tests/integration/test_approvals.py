"""Maker-checker by identity: a product's new version, a benchmark rate and a manual match wait
for a second person holding the same permission; the maker can never decide their own; a
change is made once, when approved, and a rejected one never; the queue shows each caller
only the kinds they may decide; a trial of the change before it waits leaves no trace."""

from __future__ import annotations

import json

from api_client import api_client
from sqlalchemy import Engine, select, text

from lms.identity.approvals import Approval
from lms.platform.audit import AuditRecord
from lms.platform.db import UnitOfWork, make_session_factory
from lms.servicing.models import Product

PRODUCT = {"code": "TW", "name": "Two-wheeler", "amount": {"min": "10000", "max": "500000"},
           "rate": {"min": "8", "max": "30"}, "tenure": {"min": 6, "max": 60}}  # fmt: skip


def _versions(engine: Engine) -> list[tuple[int, str]]:
    with UnitOfWork(make_session_factory(engine)) as uow:
        rows = uow.session.execute(select(Product.version, Product.name).order_by(Product.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_product_change_waits_for_a_second_person(db_url: str, engine: Engine) -> None:
    with api_client(db_url, ("risk",)) as maker:
        assert maker.post("/api/v1/products", json=PRODUCT).status_code == 201  # a new code
        asked = maker.post("/api/v1/products", json={**PRODUCT, "name": "Two-wheeler 2"})
        assert (asked.status_code, asked.json()["status"]) == (202, "pending")
        assert asked.json()["subject"] == "product TW: a new version"
        bad = maker.post("/api/v1/products", json={**PRODUCT, "rate_type": "floating"})
        assert bad.status_code == 422  # checked in full before it waits
        assert bad.json()["errors"][0]["field"] == "benchmark"
        approval = asked.json()["id"]
        own = maker.post(f"/api/v1/approvals/{approval}/approval", json={})
        assert (own.status_code, own.json()["detail"]) == (
            409, "the maker of a request cannot approve or reject it",
        )  # fmt: skip
    assert _versions(engine) == [(1, "Two-wheeler")]
    with api_client(db_url, ("finance",)) as finance:  # no catalog permission
        assert finance.get("/api/v1/approvals").json() == []
        refused = finance.post(f"/api/v1/approvals/{approval}/approval", json={})
        assert refused.status_code == 403
    with api_client(db_url, ("risk",)) as checker:
        assert [a["id"] for a in checker.get("/api/v1/approvals").json()] == [approval]
        done = checker.post(f"/api/v1/approvals/{approval}/approval", json={"note": "ok"})
        assert done.status_code == 200
        outcome = done.json()["outcome"]
        assert (done.json()["status"], outcome["code"], outcome["version"]) == ("approved", "TW", 2)
        again = checker.post(f"/api/v1/approvals/{approval}/rejection", json={})
        assert (again.status_code, again.json()["detail"]) == (
            409, f"approval {approval} is approved already",
        )  # fmt: skip
    assert _versions(engine) == [(1, "Two-wheeler"), (2, "Two-wheeler 2")]
    with UnitOfWork(make_session_factory(engine)) as uow:
        audited = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.entity == "products").order_by(AuditRecord.id)
        ).all()
        names = [json.loads(r.after or "{}")["name"] for r in audited]
        assert names == ["Two-wheeler", "Two-wheeler 2"]  # the trials left nothing
        row = uow.session.get_one(Approval, approval)
        assert (row.maker != row.checker, row.note) == (True, "ok")


def test_a_rejected_rate_is_never_published(db_url: str, engine: Engine) -> None:
    with api_client(db_url, ("risk",)) as maker:
        asked = maker.post(
            "/api/v1/benchmarks/REPO/rates", json={"effective_from": "2026-04-10", "rate": "6.25"}
        ).json()
        assert maker.post("/api/v1/benchmarks/" + "X" * 33 + "/rates",
                          json={"effective_from": "2026-04-10", "rate": "6"}).status_code == 422  # fmt: skip
    with api_client(db_url) as checker:
        no = checker.post(f"/api/v1/approvals/{asked['id']}/rejection", json={"note": "typo"})
        assert (no.status_code, no.json()["status"], no.json()["outcome"]) == (
            200, "rejected", None,
        )  # fmt: skip
        assert checker.get("/api/v1/approvals").json() == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM benchmark_rates")).scalar_one() == 0
