"""Shared pytest fixtures: the databases that every `db` test runs against.

Guarantees:
- `db_url` is parametrized over every configured database: ``sqlite`` always (a fresh file in
  the test's own tmp_path) and ``postgresql`` when ``$LMS_TEST_POSTGRES_URL`` is set (a fresh
  schema per test, named ``lms_test_<random>``, made the connection's ``search_path`` and
  dropped with everything in it afterwards), so parallel (xdist) and retried runs never share
  tables.
- The PostgreSQL leg is never silently lost in CI: with ``CI=true`` (or 1/yes) a missing URL or
  an unreachable server FAILS every PostgreSQL test; outside CI those tests are skipped with the
  reason. The server is probed once per session.
- Tests that use `db_url` (directly or through `engine` / `session_factory`) are marked ``db``,
  so ``-m "not db"`` runs only the pure tests.
- Importing this file creates no engine and opens no connection.
- A fresh database migrated to the newest revision is a copy of one migrated by Alembic once
  per test process, without the migrations per test: on SQLite the file (SQLite's backup), on
  PostgreSQL the schema (pg_dump's SQL of a schema migrated once, run with the new schema's
  name). An existing file or a schema holding tables, or another revision, migrates as ever.
- Property tests (hypothesis) explore new random examples on a developer's machine, where a
  failure is a finding; under CI they run derandomized (the same examples every run), so a
  landing is decided by the code, not by chance.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db import make_engine, make_session_factory
from lms.platform.db.migrate import URL_ATTRIBUTE, alembic_config

# a loan whose ledger differs from its replayed state after an operation is an error under
# test (in production it is recorded as a ledger alarm)
os.environ.setdefault("LMS_LEDGER_MISMATCH", "raise")
# one fixed key sealing personal data, shared by every process a test starts (the test key
# only: a deployment sets its own, or the embedded product generates one)
os.environ.setdefault("LMS_PII_KEYS", "test:" + "A" * 42 + "8=")

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
    settings.load_profile("ci")

POSTGRES_URL_ENV = "LMS_TEST_POSTGRES_URL"
POSTGRES_CONNECT_TIMEOUT_S = "5"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _postgres_unavailable(reason: str) -> NoReturn:
    """Fail in CI (the PostgreSQL leg is mandatory there), skip elsewhere."""
    if _in_ci():
        pytest.fail(f"CI requires the PostgreSQL leg, but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL leg not run: {reason}")


def _with_query(url: str, **params: str) -> str:
    """`url` with extra query parameters (libpq options are passed through by psycopg)."""
    parsed = make_url(url)
    query = dict(parsed.query)
    for key, value in params.items():
        existing = query.get(key)
        query[key] = f"{existing} {value}" if key == "options" and existing else value
    return parsed.set(query=query).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    """Engine on the server in ``$LMS_TEST_POSTGRES_URL``, probed once per session."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        _postgres_unavailable(f"${POSTGRES_URL_ENV} is not set")
    engine = make_engine(_with_query(url, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S))
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        _postgres_unavailable(f"the server at {shown} is unreachable: {exc.orig}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin_engine: Engine) -> Iterator[str]:
    """URL of a fresh, empty schema on the test server, dropped after the test."""
    schema = f"lms_test_{uuid.uuid4().hex[:16]}"
    with postgres_admin_engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    base = postgres_admin_engine.url.render_as_string(hide_password=False)
    try:
        yield _with_query(base, options=f"-csearch_path={schema}")
    finally:
        with postgres_admin_engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database on each configured backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lms-test.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    assert isinstance(url, str)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An lms engine on `db_url`, disposed after the test (before its schema is dropped)."""
    built = make_engine(db_url)
    yield built
    built.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The lms session factory bound to `engine`."""
    return make_session_factory(engine)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs against the configured databases with ``db``."""
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True, scope="session")
def _documents_apart(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Documents the product keeps (a KFS issued, a file uploaded) go to a folder of the
    test run's own, never the data folder of whoever runs the tests (session-wide, so the
    property tests' examples share it)."""
    os.environ.setdefault("LMS_DOCUMENT_DIR", str(tmp_path_factory.mktemp("documents")))


@pytest.fixture(autouse=True, scope="session")
def _migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Migrating a new SQLite file to the newest revision copies a file migrated once."""
    from alembic import command

    original = command.upgrade
    made: list[Path] = []
    dumped: list[str] = []

    @functools.wraps(original)  # Alembic's own command line lists the module's commands
    def upgrade(config: Any, revision: str, *args: Any, **kwargs: Any) -> None:
        url = config.attributes.get(URL_ATTRIBUTE)
        plain = revision == "head" and not (args or kwargs)
        target = _new_sqlite_file(url) if plain else None
        schema = _new_postgres_schema(url) if plain and target is None else None
        if schema is not None:
            if not dumped:
                dumped.append(_postgres_dump(original, str(url)))
            _run_dump(str(url), dumped[0].replace(_TOKEN, schema))
            return
        if target is None:
            original(config, revision, *args, **kwargs)
            return
        if not made:
            made.append(tmp_path_factory.mktemp("migrated") / "head.sqlite3")
            original(alembic_config(f"sqlite:///{made[0]}"), "head")
        with sqlite3.connect(made[0]) as source, sqlite3.connect(target) as copy:
            source.backup(copy)

    command.upgrade = upgrade
    yield
    command.upgrade = original


def _new_sqlite_file(url: object) -> Path | None:
    """The file of a SQLite URL that names a file not yet holding anything (else None)."""
    if not isinstance(url, str) or not url.startswith("sqlite:///"):
        return None
    name = make_url(url).database
    if not name or name == ":memory:":
        return None
    path = Path(name)
    return path if not path.exists() or path.stat().st_size == 0 else None


_TOKEN = "lms_migrated_template_schema"


def _libpq(url: str, schema: str | None = None) -> str:
    """A SQLAlchemy URL as libpq's (its search path set to `schema` when given)."""
    parsed = make_url(url).set(drivername="postgresql")
    if schema is not None:
        parsed = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def _new_postgres_schema(url: object) -> str | None:
    """The schema a PostgreSQL test URL searches, when it holds no table yet (else None)."""
    if not isinstance(url, str) or not url.startswith("postgresql"):
        return None
    options = make_url(url).query.get("options", "")
    if not isinstance(options, str) or not options.startswith("-csearch_path="):
        return None
    schema = options.removeprefix("-csearch_path=")
    with psycopg.connect(_libpq(url)) as connection:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    return schema if found is not None and found[0] == 0 else None


def _postgres_dump(original: Any, url: str) -> str:
    """Migrate a schema of its own to the newest revision, and give its SQL (every object
    named with `_TOKEN` for its schema), then drop it."""
    schema = f"lms_template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        original(alembic_config(_libpq(url, schema)), "head")
        dump = subprocess.run(
            ["pg_dump", "--schema", schema, "--inserts", "--no-owner", "--no-privileges",
             "--no-comments", "--dbname", _libpq(url)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    kept = [  # psql's own commands (\restrict) and the schema, which each test makes, left out
        line for line in dump.splitlines()
        if line != f"CREATE SCHEMA {schema};" and not line.startswith("\\")
    ]  # fmt: skip
    return "\n".join(kept).replace(schema, _TOKEN)


def _run_dump(url: str, script: str) -> None:
    with psycopg.connect(_libpq(url)) as connection:
        connection.execute(script.encode())
