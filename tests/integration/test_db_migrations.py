"""Alembic migrations on every configured database, run programmatically.

Covers the three ways a URL reaches env.py (lms.platform.db.migrate, ``-x url=`` with the repo's
alembic.ini, ``$LMS_DATABASE_URL``), that upgrade/downgrade work, and that the migrated schema
matches `lms.platform.db.Base.metadata` exactly (what ``alembic check`` verifies).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import main as alembic_main
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from money_probe import ProbeBase
from sqlalchemy import Engine, inspect

from lms.platform.db import Base
from lms.platform.db.migrate import alembic_config, downgrade, upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert isinstance(head, str)
    return head


def _current(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def test_there_is_exactly_one_head_starting_at_0001() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert [revision.revision for revision in script.walk_revisions()][-1] == "0001"


def test_upgrade_head_programmatically(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    assert _current(engine) == (_head(),)
    upgrade(db_url)  # already at head: a no-op, not an error
    assert _current(engine) == (_head(),)


def test_upgrade_head_with_alembic_ini_and_x_url(db_url: str, engine: Engine) -> None:
    ini = str(REPO_ROOT / "alembic.ini")
    alembic_main(argv=["-c", ini, "-x", f"url={db_url}", "upgrade", "head"])
    assert _current(engine) == (_head(),)


def test_upgrade_head_with_environment_url(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMS_DATABASE_URL", db_url)
    alembic_main(argv=["-c", str(REPO_ROOT / "alembic.ini"), "upgrade", "head"])
    assert _current(engine) == (_head(),)


# On PostgreSQL the ledger's references are checked per statement by triggers (migration
# 0014, tests/integration/test_ledger_store.py) instead of these foreign keys' row checks.
CHECKED_BY_TRIGGERS = {
    "fk_journal_lines_entry_id_journal_entries",
    "fk_journal_entries_reverses_id_journal_entries",
}


def test_migrated_schema_matches_the_models(db_url: str, engine: Engine) -> None:
    upgrade(db_url)

    def compared(item: object, name: str | None, kind: str, *_: object) -> bool:
        postgres = engine.dialect.name == "postgresql"
        return not (postgres and kind == "foreign_key_constraint" and name in CHECKED_BY_TRIGGERS)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": compared})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_to_base_removes_everything_but_the_version_table(
    db_url: str, engine: Engine
) -> None:
    upgrade(db_url)
    downgrade(db_url, "base")
    assert _current(engine) == ()
    assert inspect(engine).get_table_names() == ["alembic_version"]


def test_money_columns_do_not_show_up_as_type_changes(probe_engine: Engine) -> None:
    with probe_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, ProbeBase.metadata)
    assert differences == []


def test_a_ledger_written_before_entry_sources_is_not_upgraded_in_place(
    db_url: str, engine: Engine
) -> None:
    """Its loans' entries have no sources, so the next operation would post them again: the
    upgrade refuses, saying what to do, and the book stays as it was."""
    upgrade(db_url, "0012")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at)"
            " VALUES ('1', 'disbursement', '2026-01-15', '2026-01-15', '2026-01-15 10:00:00')"
        )
    with pytest.raises(RuntimeError, match="before journal entries named their source"):
        upgrade(db_url)
    assert _current(engine) == ("0012",)
