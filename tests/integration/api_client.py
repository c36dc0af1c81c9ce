"""A test client of the API signed in as a member of staff: a user made through the identity
service, signed in with password and TOTP code as anyone would be, the session's bearer token
sent with every request."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pyotp
from fastapi.testclient import TestClient

from lms.identity.service import create_user, sign_in
from lms.interfaces.api.app import create_app
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade

PASSWORD = "correct horse battery staple"
_names = itertools.count(1)


def staff_token(
    database_url: str,
    roles: tuple[str, ...] = ("administrator",),
    branches: list[str] | None = None,
) -> str:
    """A signed-in session's bearer token for a new user with `roles`."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        username = f"{'-'.join(roles)}-{next(_names)}"
        now = datetime.now(UTC)
        with UnitOfWork(sessions) as uow:
            _, secret = create_user(
                uow, username=username, display_name=username, password=PASSWORD,
                roles=list(roles), branches=branches, actor="test", now=now,
            )  # fmt: skip
            code = pyotp.TOTP(secret).now() if secret else None
            outcome = sign_in(
                uow, username=username, password=PASSWORD, code=code, origin="test", now=now
            )
            uow.commit()
        assert outcome.token is not None, outcome.refused
        return str(outcome.token)
    finally:
        engine.dispose()


def api_client(
    database_url: str,
    roles: tuple[str, ...] = ("administrator",),
    branches: list[str] | None = None,
) -> TestClient:
    """A client of the API over `database_url`, signed in as a new user with `roles`."""
    token = staff_token(database_url, roles, branches)
    return TestClient(create_app(database_url), headers={"Authorization": f"Bearer {token}"})


def approved(database_url: str, pending: dict[str, object]) -> dict[str, object]:
    """Approve a queued change (maker-checker) as a second administrator; its outcome."""
    assert pending["status"] == "pending", pending
    with api_client(database_url) as checker:
        answer = checker.post(f"/api/v1/approvals/{pending['id']}/approval", json={})
    assert answer.status_code == 200, answer.text
    outcome = answer.json()["outcome"]
    assert isinstance(outcome, dict)
    return outcome


def new_user(
    database_url: str, roles: tuple[str, ...], branches: list[str] | None = None
) -> tuple[str, str | None]:
    """(user name, TOTP secret or None) of a new user with `roles` (password PASSWORD)."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        username = f"{'-'.join(roles)}-{next(_names)}"
        with UnitOfWork(make_session_factory(engine)) as uow:
            _, secret = create_user(
                uow, username=username, display_name=username, password=PASSWORD,
                roles=list(roles), branches=branches, actor="test", now=datetime.now(UTC),
            )  # fmt: skip
            uow.commit()
        return username, secret
    finally:
        engine.dispose()


def staff_browser(
    database_url: str,
    roles: tuple[str, ...] = ("administrator",),
    branches: list[str] | None = None,
) -> TestClient:
    """A client of the staff application signed in through its sign-in form as a new user
    with `roles` (the session cookie kept); redirects are not followed."""
    return browser_of(database_url, *new_user(database_url, roles, branches))


def browser_of(database_url: str, username: str, secret: str | None) -> TestClient:
    """A client of the staff application signed in as `username` (password PASSWORD)."""
    client = TestClient(create_app(database_url), follow_redirects=False)
    code = pyotp.TOTP(secret).now() if secret else ""
    answer = client.post(
        "/app/sign-in", data={"username": username, "password": PASSWORD, "code": code}
    )
    assert answer.status_code == 303, answer.text
    return client


def rows(html: str, table_id: str | None = None) -> list[list[str]]:
    """The text of each body row's cells (of the table with `table_id`, else of them all)."""
    if table_id is not None:
        html = html[html.index(f'id="{table_id}"') :]
        html = html[: html.index("</table>")]
    found = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            found.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return found


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{32})"', html)
    assert match is not None
    return match.group(1)
