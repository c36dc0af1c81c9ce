"""`lms eod run` with no date closes the business date only once it has come: run twice the
same day, it closes one date and then refuses, and the business date never passes tomorrow.

The book (tests/integration/book_setup.py `book_of_loans`): one loan, business date 26 Nov
2026; the CLI's clock (`lms.interfaces.cli.close.today`) is set by the test.
"""

from __future__ import annotations

from datetime import date

import pytest
from book_setup import book_of_loans
from sqlalchemy import Engine
from typer.testing import CliRunner

from lms.interfaces.cli.main import app
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork

NOV26, NOV27 = date(2026, 11, 26), date(2026, 11, 27)
runner = CliRunner()


def test_the_default_close_never_runs_ahead_of_the_calendar(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = book_of_loans(db_url, engine, [{"name": "Ravi"}], business_date=NOV26)
    command = ["eod", "run", "--database-url", db_url, "--partition-size", "2"]
    monkeypatch.setattr("lms.interfaces.cli.close.today", lambda: NOV26)
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("2026-11-26: ")
    again = runner.invoke(app, command)  # the same evening: 27 Nov has not come
    assert again.exit_code == 2
    assert again.stderr == (
        "error: --date: 2026-11-27 has not come yet (today is 2026-11-26): close it on or"
        " after it\n"
    )
    with UnitOfWork(sessions) as uow:
        assert calendar.business_date(uow) == NOV27
    monkeypatch.setattr(
        "lms.interfaces.cli.close.today", lambda: NOV27
    )  # the next evening it closes
    later = runner.invoke(app, command)
    assert later.exit_code == 0 and later.stdout.startswith("2026-11-27: ")
    with UnitOfWork(sessions) as uow:
        assert calendar.business_date(uow) == date(2026, 11, 28)
