"""Who may call what: every route checked for every role and for an anonymous caller, branch
scoping, sign-in with lockout and a second factor, API keys with scopes, expiry and
revocation, and the actor recorded on what a request writes.

The matrix sends each route a request with placeholder path values and an empty body: a role
the table refuses gets 403 before anything is read; a role it allows gets past the check (an
answer other than 401 and 403: the empty body's 422, an unknown id's 404 ...), and never a
server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from api_client import PASSWORD, api_client, staff_token
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from lms.identity.models import User
from lms.identity.roles import PERMISSIONS, Role
from lms.identity.service import principal_for, sign_in
from lms.interfaces.api.app import create_app
from lms.interfaces.api.security import PREFIX, PUBLIC, ROUTES
from lms.ledger.models import JournalEntryRow
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.servicing.models import LoanEvent

PLACEHOLDERS = {"decision": "approve", "name": "razorpay", "benchmark": "REPO", "prefix": "abc"}


def _paths(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation of the API (from its OpenAPI document)."""
    return sorted(
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(PREFIX)
        for method in operations
    )


def _url(path: str) -> str:
    for name, value in PLACEHOLDERS.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "1" + path[end + 1 :]
    return PREFIX + path


@pytest.fixture
def app_url(db_url: str) -> Iterator[str]:
    with api_client(db_url) as admin:  # the book: a branch, a customer and a loan in it
        admin.post("/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"})
        admin.post("/api/v1/branches", json={"code": "PUN01", "name": "Pune"})
        admin.post("/api/v1/customers", json={"branch_code": "BLR01", "name": "Asha Rao"})
        admin.post("/api/v1/customers", json={"branch_code": "PUN01", "name": "Ravi Kulkarni"})
        product = {"code": "TW", "name": "Two-wheeler",
                   "amount": {"min": "10000", "max": "500000"},
                   "rate": {"min": "8", "max": "30"}, "tenure": {"min": 6, "max": 60}}  # fmt: skip
        assert admin.post("/api/v1/products", json=product).status_code == 201
        for n, (branch, customer) in enumerate((("BLR01", 1), ("PUN01", 2)), start=1):
            loan = {"external_id": f"LOS-{n}", "branch_code": branch, "customer_id": customer,
                    "product_code": "TW", "principal": "100000", "annual_rate": "12",
                    "installments": 12, "disbursement_date": "2026-01-15"}  # fmt: skip
            assert admin.post("/api/v1/loans", json=loan).status_code == 201
    yield db_url


def test_every_route_has_a_permission_and_the_table_names_no_other(db_url: str) -> None:
    assert _paths(create_app(db_url)) == sorted(ROUTES)


def test_an_anonymous_caller_may_only_sign_in(app_url: str) -> None:
    with TestClient(create_app(app_url)) as anonymous:
        for method, path in sorted(ROUTES):
            if ROUTES[(method, path)] == PUBLIC:
                continue
            answer = anonymous.request(method, _url(path), json={})
            assert answer.status_code == 401, (method, path)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["www-authenticate"] == "Bearer"
        forged = {"Authorization": "Bearer lms_k_abc_forged"}
        assert anonymous.get("/api/v1/loans", headers=forged).status_code == 401


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.INTEGRATION])
def test_each_role_reaches_exactly_its_routes(app_url: str, role: Role) -> None:
    granted = PERMISSIONS[role]
    with api_client(app_url, (role.value,), None if role.value in _ALL else ["BLR01"]) as client:
        for method, path in sorted(ROUTES):
            needed = ROUTES[(method, path)]
            if needed == PUBLIC:
                continue
            answer = client.request(method, _url(path), json={})
            assert answer.status_code < 500, (method, path, answer.text)
            if needed in granted:
                assert answer.status_code not in (401, 403), (method, path, answer.text)
            else:
                assert answer.status_code == 403, (method, path)
                assert answer.json()["title"] == "Forbidden"


_ALL = {"administrator", "finance", "risk", "auditor"}


def test_a_branch_role_sees_only_its_branches(app_url: str) -> None:
    with api_client(app_url, ("loan_officer",), ["BLR01"]) as officer:
        assert officer.get("/api/v1/loans/1").status_code == 200
        assert officer.get("/api/v1/loans/2").status_code == 404  # PUN01's
        assert officer.get("/api/v1/customers/2").status_code == 404
        assert officer.post("/api/v1/loans/2/repayments", json={}).status_code == 404
        listed = officer.get("/api/v1/loans").json()
        assert ([loan["id"] for loan in listed["items"]], listed["total"]) == ([1], 1)
        assert officer.get("/api/v1/loans", params={"branch": "PUN01"}).json()["total"] == 0
    with api_client(app_url) as admin:  # a cash receipt at each branch, by one collector
        for loan in (1, 2):
            admin.post(f"/api/v1/loans/{loan}/disbursement")
            taken = admin.post(f"/api/v1/loans/{loan}/receipts",
                               json={"amount": f"{loan}000.00", "mode": "cash"})  # fmt: skip
            assert taken.status_code == 201, taken.text
    with api_client(app_url, ("branch_manager",), ["PUN01"]) as manager:
        assert [loan["id"] for loan in manager.get("/api/v1/loans").json()["items"]] == [2]
        [tally] = manager.get("/api/v1/receipts/tally").json()
        assert (tally["receipts"], tally["cash"]) == (1, "2000.00")  # PUN01's only
        assert manager.get("/api/v1/receipts/tally", params={"branch": "BLR01"}).json() == []
    with api_client(app_url, ("auditor",)) as auditor:  # every branch
        assert auditor.get("/api/v1/loans").json()["total"] == 2


def test_sign_in_locks_after_five_refusals_and_wants_the_second_factor(app_url: str) -> None:
    staff_token(app_url, ("finance",))  # a user "finance-N" with a TOTP secret
    sessions = make_session_factory(make_engine(app_url))
    with UnitOfWork(sessions) as uow:
        user = uow.session.scalars(select(User).where(User.roles.is_not(None))).all()[-1]
        name, secret = user.username, user.totp_secret
    assert secret is not None
    with TestClient(create_app(app_url)) as client:
        body = {"username": name, "password": PASSWORD}
        assert client.post("/api/v1/sessions", json=body).status_code == 401  # no code
        code = pyotp.TOTP(secret).now()
        good = client.post("/api/v1/sessions", json={**body, "code": code})
        assert good.status_code == 201
        token = good.json()["token"]
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["actor"] == f"user:{name}"
        for _ in range(5):
            wrong = {**body, "password": "not the password", "code": code}
            assert client.post("/api/v1/sessions", json=wrong).status_code == 401
        locked = client.post("/api/v1/sessions", json={**body, "code": code})
        assert locked.status_code == 401  # the right password, but locked for 15 minutes
        out = client.delete(
            "/api/v1/sessions/current", headers={"Authorization": f"Bearer {token}"}
        )
        assert out.status_code == 204
        after = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert after.status_code == 401


def test_a_session_ends_after_thirty_idle_minutes_and_at_eight_hours(app_url: str) -> None:
    staff_token(app_url, ("auditor",))
    sessions = make_session_factory(make_engine(app_url))
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with UnitOfWork(sessions) as uow:
        name = uow.session.scalars(select(User.username)).all()[-1]
        token = str(sign_in(uow, username=name, password=PASSWORD, code=None, origin="t",
                            now=start).token)  # fmt: skip
        uow.commit()
    with UnitOfWork(sessions) as uow:
        for minutes in (29, 58, 87, 116, 145, 174, 203, 232, 261, 290, 319, 348, 377, 406, 435):
            assert principal_for(uow, token, start + timedelta(minutes=minutes)) is not None
            uow.commit()
        assert principal_for(uow, token, start + timedelta(hours=8)) is None  # expired
    with UnitOfWork(sessions) as uow:
        token = str(sign_in(uow, username=name, password=PASSWORD, code=None, origin="t",
                            now=start).token)  # fmt: skip
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert principal_for(uow, token, start + timedelta(minutes=30)) is None  # idle


def test_an_api_key_acts_within_its_scopes_until_revoked_or_expired(app_url: str) -> None:
    with api_client(app_url) as admin:
        refused = admin.post(
            "/api/v1/api-credentials", json={"name": "los", "scopes": ["users.admin"]}
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "scopes"
        made = admin.post(
            "/api/v1/api-credentials", json={"name": "upi-app", "scopes": ["payments.take"]}
        ).json()
        key = {"Authorization": f"Bearer {made['key']}"}
        with TestClient(create_app(app_url), headers=key) as upi:
            admin.post("/api/v1/loans/1/disbursement")
            payment = {"amount": "1000", "value_date": "2026-02-15", "reference": "UTR-1",
                       "channel": "upi"}  # fmt: skip
            assert upi.post("/api/v1/loans/1/repayments", json=payment).status_code == 201
            assert upi.get("/api/v1/customers/1").status_code == 403
            revoked = admin.post(f"/api/v1/api-credentials/{made['prefix']}/revocation")
            assert revoked.status_code == 200
            assert upi.get("/api/v1/loans/1").status_code == 401
        past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        stale = admin.post("/api/v1/api-credentials", json={"name": "old", "expires_at": past,
                                                             "scopes": ["loans.read"]})  # fmt: skip
        assert stale.status_code == 422
    sessions = make_session_factory(make_engine(app_url))
    with UnitOfWork(sessions) as uow:
        event = uow.session.scalars(select(LoanEvent).where(LoanEvent.kind == "payment")).one()
        assert event.actor == "key:upi-app"
        actors = uow.session.scalars(
            select(JournalEntryRow.actor).where(JournalEntryRow.event_id == event.id)
        ).all()
        assert actors and set(actors) == {"key:upi-app"}


def test_the_probes_answer_without_a_token_and_every_answer_has_a_request_id(
    db_url: str,
) -> None:
    with TestClient(create_app(db_url)) as anonymous:
        live, ready = anonymous.get("/healthz"), anonymous.get("/readyz")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        made = [live.headers["x-request-id"], ready.headers["x-request-id"]]
        assert [len(m) for m in made] == [32, 32] and made[0] != made[1]  # made here, unique
        odd = anonymous.get("/healthz", headers={"X-Request-ID": "not sane\x01"})
        assert odd.headers["x-request-id"] != "not sane\x01"
        refused, docs = anonymous.get("/api/v1/loans"), anonymous.get("/docs")
        for answer in (live, refused, docs):
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["referrer-policy"] == "no-referrer"
        assert refused.status_code == 401
        assert (
            refused.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert "script-src 'self'" in docs.headers["content-security-policy"]


def test_impossible_input_is_refused_not_a_server_error(app_url: str) -> None:
    with api_client(app_url) as admin:
        huge = admin.get(f"/api/v1/loans/{2**31}")
        assert (huge.status_code, huge.json()["detail"]) == (404, f"no loan {2**31}")
        assert admin.get(f"/api/v1/loans/{10**30}/schedule").status_code == 404
        assert admin.post("/api/v1/loans/%C2%B2/upi-requests").status_code == 422  # "²"
        nul = admin.post("/api/v1/customers", json={"branch_code": "BLR01", "name": "A\x00B"})
        assert nul.status_code == 422
        assert "name: must not contain a NUL character" in nul.json()["detail"]
        listed = admin.get("/api/v1/loans", params={"branch": "BLR\x0001"})
        assert listed.status_code in (200, 422)  # never a server error
        deep = admin.get("/api/v1/loans", params={"dpd_min": str(10**12)})
        assert deep.status_code == 422
        big = admin.post(
            "/api/v1/statements", content=b"x" * 10, headers={"Content-Length": str(17 * 2**20)}
        )
        assert (big.status_code, big.json()["title"]) == (413, "Content too large")


def test_the_openapi_document_declares_security_errors_and_typed_bodies(db_url: str) -> None:
    document = create_app(db_url).openapi()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            public = ROUTES[(method.upper(), path.removeprefix(PREFIX))] == PUBLIC
            wanted = {"400", "404", "409", "413", "422", "500"} | (
                set() if public else {"401", "403"}
            )
            assert wanted <= set(answers), (method, path)
            for code in wanted:
                assert answers[code]["content"]["application/problem+json"]["schema"] == problem
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    settings = schemas["ProductSettings"]
    assert settings["additionalProperties"] is False and "method" in settings["properties"]
    assert "principal" not in settings["properties"]  # the loan's own, not the product's
    fees = schemas["LoanIn"]["properties"]["fees"]["anyOf"][0]["items"]
    assert fees == {"$ref": "#/components/schemas/FeeSpec"}


def test_an_api_key_is_rotated_with_an_overlap(app_url: str) -> None:
    with api_client(app_url) as admin:
        made = admin.post("/api/v1/api-credentials",
                          json={"name": "los", "scopes": ["loans.read"]}).json()  # fmt: skip
        kept = admin.post(f"/api/v1/api-credentials/{made['prefix']}/rotation",
                          json={"overlap_hours": 24}).json()  # fmt: skip
        assert (kept["replaces"], kept["scopes"]) == (made["prefix"], ["loans.read"])
        now = admin.post(f"/api/v1/api-credentials/{kept['prefix']}/rotation",
                         json={"overlap_hours": 0}).json()  # fmt: skip
        gone = admin.post(f"/api/v1/api-credentials/{kept['prefix']}/rotation", json={})
        assert gone.status_code == 404  # expired by the rotation without overlap
        assert admin.post("/api/v1/api-credentials/zzz/rotation", json={}).status_code == 404
    app = create_app(app_url)
    for key, status in ((made["key"], 200), (kept["key"], 401), (now["key"], 200)):
        with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as integration:
            assert integration.get("/api/v1/loans/1").status_code == status


def test_one_address_signing_in_too_often_must_wait(app_url: str) -> None:
    from lms.interfaces.api.identity_routes import Attempts

    app = create_app(app_url)
    app.state.sign_in_attempts = Attempts(3, 300.0)
    with TestClient(app) as anonymous:
        tries = [
            anonymous.post("/api/v1/sessions", json={"username": f"u{n}", "password": "x"})
            for n in range(4)
        ]
    assert [t.status_code for t in tries] == [401, 401, 401, 429]
    assert 0 < int(tries[3].headers["retry-after"]) <= 301
    assert tries[3].headers["content-type"] == "application/problem+json"
