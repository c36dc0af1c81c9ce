"""The audit trail: what requests change is recorded with who, from where and the request id,
before and after; the chain of hashes finds an edited or deleted record."""

from __future__ import annotations

import json

from api_client import api_client
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from lms.interfaces.cli.main import app
from lms.platform.audit import AuditRecord, verify
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.sealed import keyring


def _book(db_url: str) -> None:
    with api_client(db_url) as admin:
        admin.post("/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"})
        made = admin.post(
            "/api/v1/customers",
            json={"branch_code": "BLR01", "name": "Asha Rao", "phone": "9800000001"},
            headers={"X-Request-ID": "req-42"},
        )
        assert made.status_code == 201 and made.headers["x-request-id"] == "req-42"


def test_a_change_is_recorded_with_its_actor_request_and_values(
    db_url: str, engine: Engine
) -> None:
    _book(db_url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        records = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        customer = [r for r in records if r.entity == "customers"]
        assert [(r.action, r.entity_id, r.request_id) for r in customer] == [
            ("insert", "1", "req-42")
        ]
        assert customer[0].actor is not None and customer[0].actor.startswith("user:")
        assert customer[0].address == "testclient"
        after = json.loads(customer[0].after or "{}")
        assert (after["name"], after["branch_code"]) == ("Asha Rao", "BLR01")
        # personal data is in the trail only sealed, as in its table: a key holder opens it
        assert after["phone"].startswith("v1.test.") and "9800000001" not in customer[0].after
        assert keyring().open(after["phone"], "customers.phone") == "9800000001"
        users = [r for r in records if r.entity == "users" and r.action == "insert"]
        assert json.loads(users[0].after or "{}")["password_hash"] == "(secret)"
        assert verify(uow.session).broken_at is None


def test_an_edited_or_deleted_record_breaks_the_chain(db_url: str, engine: Engine) -> None:
    _book(db_url)
    runner = CliRunner()
    intact = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert intact.exit_code == 0 and "chain intact" in intact.output
    with engine.begin() as connection:
        count = connection.execute(text("SELECT count(*) FROM audit_records")).scalar_one()
        connection.execute(
            text("UPDATE audit_records SET after = replace(after, 'Asha', 'Usha')"
                 " WHERE entity = 'customers'")
        )  # fmt: skip
        edited = connection.execute(
            text("SELECT id FROM audit_records WHERE entity = 'customers'")
        ).scalar_one()
    broken = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert broken.exit_code == 1
    assert f"audit record {edited} does not match" in broken.output
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_records SET after = replace(after, 'Usha', 'Asha')"
                 " WHERE entity = 'customers'")
        )  # fmt: skip
        connection.execute(text("DELETE FROM audit_records WHERE id = 2"))
    with UnitOfWork(make_session_factory(engine)) as uow:
        verdict = verify(uow.session)
    assert (verdict.broken_at, verdict.records) == (3, 1)  # the record after the gap
    assert count == 3  # the user made, the branch, the customer


def test_removing_the_newest_records_is_caught_by_the_head(db_url: str, engine: Engine) -> None:
    _book(db_url)
    with engine.begin() as connection:
        newest = connection.execute(text("SELECT max(id) FROM audit_records")).scalar_one()
        connection.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": newest})
    with UnitOfWork(make_session_factory(engine)) as uow:
        verdict = verify(uow.session)
    assert (verdict.broken_at, verdict.records) == (newest, newest - 1)
    broken = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert broken.exit_code == 1 and f"audit record {newest} does not match" in broken.output
