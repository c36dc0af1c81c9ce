"""The demo book: built through the real services, reproducible, and its ledger sound."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from lms.demo.builder import build_demo
from lms.interfaces.cli.main import app
from lms.ledger.check import ledger_problems
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.models import Loan, LoanEvent, Product


def test_a_small_demo_book_is_sound_and_reproducible(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    summary = build_demo(sessions, loans=40, as_of=date(2026, 11, 26), seed=3)
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        assert uow.session.scalar(select(func.count()).select_from(Product)) == 5
        assert uow.session.scalar(select(func.count()).select_from(Loan)) == 40
        kinds = set(uow.session.scalars(select(LoanEvent.kind)))
        payments = uow.session.scalar(
            select(func.count())
            .select_from(LoanEvent)
            .where(LoanEvent.kind.in_(("payment", "prepayment")))
        )
        statuses = set(uow.session.scalars(select(Loan.status)))
    assert payments == summary.payments > 0
    assert statuses <= {"active", "closed"}
    # seed 3 holds every kind of history the demo makes
    assert kinds == {
        "disbursement",
        "payment",
        "reversal",
        "charge",
        "prepayment",
        "tranche",
        "rate_change",
        "foreclosure",
    }


def test_lms_demo_builds_once_a_day_and_reuses_the_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--loans", "3", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "3 loans," in first.output and "ledger sound" in first.output
    again = runner.invoke(app, ["demo", "--loans", "3", "--no-serve"])
    assert again.exit_code == 0 and "reusing today's demo book of 3 loans" in again.output
    other = runner.invoke(app, ["demo", "--loans", "4", "--no-serve"])
    assert other.exit_code == 0 and "building 4 demo loans" in other.output
    fresh = runner.invoke(app, ["demo", "--loans", "4", "--no-serve", "--fresh"])
    assert fresh.exit_code == 0 and "building 4 demo loans" in fresh.output
    assert (tmp_path / "lms" / "demo.sqlite3").exists()
