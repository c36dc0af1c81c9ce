"""Maker-checker by identity: a product's new version, a benchmark rate and a manual match wait
for a second person holding the same permission; the maker can never decide their own; a
change is made once, when approved, and a rejected one never; the queue shows each caller
only the kinds they may decide; a trial of the change before it waits leaves no trace."""

from __future__ import annotations

import json
from datetime import date

from api_client import api_client
from sqlalchemy import Engine, select, text

from lms.identity.approvals import Approval
from lms.platform.audit import AuditRecord
from lms.platform.business_date import set_business_date
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
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


def _bounced_loan(db_url: str) -> None:
    """Loan 1 of BLR01 (1,00,000 at 12 % for 12 months from 15 Jan 2026), its first EMI paid
    and returned: a 500 + 90 GST bounce charge owed; the business date 20 Feb 2026."""
    with api_client(db_url) as admin:
        admin.post("/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"})
        admin.post("/api/v1/customers", json={"branch_code": "BLR01", "name": "Asha Rao"})
        product = {**PRODUCT, "bounce_charge": "500", "bounce_charge_tax": "18"}
        assert admin.post("/api/v1/products", json=product).status_code == 201
        loan = {"external_id": "LOS-1", "branch_code": "BLR01", "customer_id": 1,
                "product_code": "TW", "principal": "100000", "annual_rate": "12",
                "installments": 12, "disbursement_date": "2026-01-15"}  # fmt: skip
        assert admin.post("/api/v1/loans", json=loan).status_code == 201
        with UnitOfWork(make_session_factory(make_engine(db_url))) as uow:
            set_business_date(uow, date(2026, 2, 20))
            uow.commit()
        admin.post("/api/v1/loans/1/disbursement")
        paid = admin.post(
            "/api/v1/loans/1/repayments",
            json={
                "amount": "8884.88",
                "value_date": "2026-02-15",
                "reference": "UTR1",
                "channel": "nach",
            },
        )
        event = paid.json()["id"]
        returned = admin.post(
            f"/api/v1/loans/1/repayments/{event}/reversal",
            json={"known_on": "2026-02-18", "reason": "returned", "return_code": "01"},
        )
        assert returned.status_code == 201, returned.text


def test_a_waiver_is_asked_by_an_officer_and_decided_by_a_manager_of_the_branch(
    db_url: str,
) -> None:
    _bounced_loan(db_url)
    with api_client(db_url, ("loan_officer",), ["BLR01"]) as officer:
        [bounce] = officer.get("/api/v1/loans/1/charges").json()
        assert bounce == {"reference": "bounce:UTR1", "day": "2026-02-18", "kind": "fee",
                          "amount": "500.00", "tax": "90.00", "paid": "0.00", "waived": "0.00",
                          "unpaid": "590.00"}  # fmt: skip
        too_much = officer.post(
            "/api/v1/loans/1/waivers",
            json={"charge": "bounce:UTR1", "amount": "600", "reason": "goodwill"},
        )
        assert too_much.status_code == 422
        assert too_much.json()["errors"][0] == {
            "field": "amount",
            "reason": "must be more than 0 and at most the 590.00 unpaid",
        }
        asked = officer.post(
            "/api/v1/loans/1/waivers",
            json={"charge": "bounce:UTR1", "amount": "590", "reason": "bank_error"},
        )
        assert (asked.status_code, asked.json()["subject"]) == (
            202,
            "Waive 590.00 of bounce:UTR1 on loan 1 (bank_error)",
        )
        approval = asked.json()["id"]
        assert officer.post(f"/api/v1/approvals/{approval}/approval", json={}).status_code == 403
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as elsewhere:
        assert elsewhere.get("/api/v1/approvals").json() == []
        assert elsewhere.post(f"/api/v1/approvals/{approval}/approval", json={}).status_code == 404
    with api_client(db_url, ("branch_manager",), ["BLR01"]) as manager:
        assert [a["id"] for a in manager.get("/api/v1/approvals").json()] == [approval]
        done = manager.post(f"/api/v1/approvals/{approval}/approval", json={"note": "NPCI fault"})
        assert (done.status_code, done.json()["outcome"]["reference"]) == (200, "waiver-1")
        [bounce] = manager.get("/api/v1/loans/1/charges").json()
        assert (bounce["waived"], bounce["unpaid"]) == ("590.00", "0.00")
        assert manager.get("/api/v1/loans/1").json()["charges_due"] == "0.00"
        february = {"since": "2026-02-01", "until": "2026-02-28"}
        [branch, _total] = manager.get("/api/v1/reports/interest_income", params=february).json()[
            "rows"
        ]
        # the 500 fee levied and all waived (its 90 GST out of the tax owed): no fee income
        assert (branch[0], branch[4], branch[5]) == ("BLR01", "0.00", "500.00")


def test_a_charge_added_by_hand_is_owed_at_once(db_url: str) -> None:
    _bounced_loan(db_url)
    with api_client(db_url, ("collections_agent",), ["BLR01"]) as agent:  # may not levy
        asked = agent.post("/api/v1/loans/1/charges", json={"amount": "1", "reference": "x"})
        assert asked.status_code == 403
    with api_client(db_url, ("branch_manager",), ["BLR01"]) as manager:
        body = {"amount": "1000", "reference": "legal:notice"}
        added = manager.post("/api/v1/loans/1/charges", json=body)
        assert (added.status_code, added.json()["tax"], added.json()["unpaid"]) == (
            201, "180.00", "1180.00")  # fmt: skip
        assert manager.post("/api/v1/loans/1/charges", json=body).status_code == 409
        bad = manager.post("/api/v1/loans/1/charges", json={**body, "tax_rate": "30"})
        assert bad.json()["errors"][0]["field"] == "tax_rate"
        assert manager.get("/api/v1/loans/1").json()["charges_due"] == "1770.00"
