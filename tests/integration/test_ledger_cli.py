"""`lms db upgrade` and `lms ledger check` on a SQLite file."""

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from lms.interfaces.cli.main import app
from lms.platform.db import make_engine

runner = CliRunner()


def test_ledger_check_passes_a_sound_book_and_names_a_broken_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'book.sqlite3'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    sound = runner.invoke(app, ["ledger", "check", "--database-url", url])
    assert (sound.exit_code, sound.stdout) == (0, f"ledger sound: {url}\n")
    engine = make_engine(url)
    with engine.begin() as connection:  # written behind the service's back
        connection.execute(
            text(
                "INSERT INTO journal_entries (loan_id, event, value_date, posting_date, created_at)"
                " VALUES ('L9', 'bad', '2026-01-15', '2026-01-15', '2026-01-15 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO journal_lines (entry_id, loan_id, account, debit, credit)"
                " VALUES (1, 'L9', 'collection_bank', 1000000, 0)"
            )
        )
    engine.dispose()
    broken = runner.invoke(app, ["ledger", "check", "--database-url", url])
    assert broken.exit_code == 1
    assert broken.stderr.splitlines() == [
        "problem: entry 1 (loan L9): debits 100.0000 differ from credits 0.0000",
        "problem: ledger: trial balance: debits 100.0000 differ from credits 0.0000",
    ]


def test_ledger_check_without_a_ledger_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite3").touch()  # a database file without the ledger's tables
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner.invoke(app, ["ledger", "check", "--database-url", url])
    assert result.exit_code == 2
    assert "error: --database-url: cannot read the ledger" in result.stderr


@pytest.mark.parametrize("command", [["ledger", "check"], ["eod", "status"]])
def test_a_reading_command_without_a_book_refuses_and_creates_nothing(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a URL every command reads the book `lms demo` builds; when there is none, it
    says so and exits 2, instead of creating and reading an empty database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    result = runner.invoke(app, command)
    book = tmp_path / "lms" / "demo.sqlite3"
    assert result.exit_code == 2
    assert f"error: --database-url: no database at {book}: build the demo book" in result.output
    assert not book.exists()
