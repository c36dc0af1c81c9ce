"""Engines: URL rewriting, SQLite connection settings, real transactions, the default location.

The transaction tests run on every configured database: a rollback must undo DDL and released
savepoints on SQLite exactly as it does on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lms.platform.db import default_sqlite_url, make_engine, resolve_database_url
from lms.platform.db.engine import SQLITE_BUSY_TIMEOUT_MS


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://root@127.0.0.1:5432/test", "postgresql+psycopg://root@127.0.0.1:5432/test"),
        ("postgres://root@db.example:5432/lms", "postgresql+psycopg://root@db.example:5432/lms"),
        ("postgresql+psycopg://root@127.0.0.1/test", "postgresql+psycopg://root@127.0.0.1/test"),
        ("sqlite:///relative.sqlite3", "sqlite:///relative.sqlite3"),
    ],
)
def test_urls_are_normalised_without_connecting(given: str, expected: str) -> None:
    # db.example does not resolve: building the engine must not try to connect.
    engine = make_engine(given)
    try:
        assert engine.url.render_as_string() == expected
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_wait_for_locks(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        with engine.connect() as connection:
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()
    assert (foreign_keys, busy_timeout) == (1, SQLITE_BUSY_TIMEOUT_MS)
    assert SQLITE_BUSY_TIMEOUT_MS == 5000


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, "
            "parent_id INTEGER NOT NULL REFERENCES parent (id))"
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO child (id, parent_id) VALUES (1, 42)")


def test_rollback_undoes_ddl(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
        connection.rollback()
    assert inspect(engine).get_table_names() == []


def test_rollback_undoes_released_savepoints(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
    with engine.connect() as connection:
        with connection.begin():
            with connection.begin_nested():
                connection.exec_driver_sql("INSERT INTO scratch (id) VALUES (1)")
            connection.rollback()
        assert connection.execute(text("SELECT COUNT(*) FROM scratch")).scalar() == 0


def test_autocommit_connections_do_not_leak_into_pooled_transactions(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE discarded (id INTEGER PRIMARY KEY)")
        connection.rollback()
    assert inspect(engine).get_table_names() == ["kept"]


def test_default_sqlite_url_uses_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = default_sqlite_url()
    assert url == f"sqlite:///{tmp_path}/xdg/lms/demo.sqlite3"
    assert (tmp_path / "xdg" / "lms").is_dir()


@pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
def test_default_sqlite_url_falls_back_to_local_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert default_sqlite_url() == f"sqlite:///{tmp_path}/.local/share/lms/demo.sqlite3"
    assert (tmp_path / ".local" / "share" / "lms").is_dir()


def test_resolve_database_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    assert resolve_database_url() == f"sqlite:///{tmp_path}/lms/demo.sqlite3"
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://from-env/db")
    assert resolve_database_url() == "postgresql://from-env/db"
    assert resolve_database_url("sqlite:///explicit.sqlite3") == "sqlite:///explicit.sqlite3"


def test_importing_the_harness_has_no_side_effects(tmp_path: Path) -> None:
    probe = (
        "import gc\n"
        "import lms.platform.db, lms.platform.db.base, lms.platform.db.engine, lms.platform.db.migrate, lms.platform.db.types, lms.platform.db.uow\n"
        "from sqlalchemy import Engine\n"
        "print(sum(isinstance(o, Engine) for o in gc.get_objects()))\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == "0\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == []
