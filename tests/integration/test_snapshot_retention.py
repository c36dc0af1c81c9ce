"""The snapshots' retention on every database: `lms eod retain --months N` thins each month
wholly before the horizon (N months before the business date's month) to its last day, once;
reports refuse the thinned days and still answer the kept one; on PostgreSQL the month's
partition is replaced whole and stays attached with its indexes.

The book (lms test books): nine loans of 1,00,000, eight paid out; closed 26 Nov - 2 Dec 2026
(eight snapshots a day), so the business date is 3 Dec.
"""

from __future__ import annotations

from datetime import date

import pytest
from book_setup import nine_loans_closed
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from lms.close.dashboards import Scope
from lms.close.models import LoanSnapshot, ThinnedMonth
from lms.close.portfolio import portfolio_summary
from lms.close.reports import iracp
from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError

runner = CliRunner()


def test_months_past_the_retention_keep_their_last_day_only(db_url: str, engine: Engine) -> None:
    sessions = nine_loans_closed(db_url, engine)
    close_until(sessions, date(2026, 12, 2))
    with UnitOfWork(sessions) as uow:
        before = portfolio_summary(uow, day=date(2026, 11, 30))
    retain = ["eod", "retain", "--database-url", db_url, "--months"]
    kept = runner.invoke(app, [*retain, "1"])  # horizon 1 Nov: nothing before it
    assert (kept.exit_code, kept.output) == (
        0,
        "nothing to thin: daily snapshots kept for 1 months\n",
    )
    thinned = runner.invoke(app, [*retain, "0"])  # horizon 1 Dec: November thinned
    assert (thinned.exit_code, thinned.output) == (
        0,
        "2026-11: kept 2026-11-30, removed 32 snapshots\n",
    )
    again = runner.invoke(app, [*retain, "0"])
    assert again.output == "nothing to thin: daily snapshots kept for 0 months\n"
    with UnitOfWork(sessions) as uow:
        days = uow.session.execute(
            select(LoanSnapshot.day, func.count())
            .group_by(LoanSnapshot.day)
            .order_by(LoanSnapshot.day)
        ).all()
        month = uow.session.get(ThinnedMonth, date(2026, 11, 1))
        assert month is not None
        assert (month.kept_day, month.removed) == (date(2026, 11, 30), 32)
        assert month.actor is not None and month.actor.startswith("cli:")
        assert portfolio_summary(uow, day=date(2026, 11, 30)) == before  # the month end, as it was
        with pytest.raises(InvalidError) as refused:
            portfolio_summary(uow, day=date(2026, 11, 27))
        thinned_day = [
            ("as_of", "the daily figures of November 2026 were thinned to its last day, 2026-11-30")
        ]
        assert refused.value.problems == thinned_day
        with pytest.raises(InvalidError) as report:  # the returns read one day's snapshots too
            iracp(uow, Scope(), date(2026, 11, 27))
        assert report.value.problems == thinned_day
        assert iracp(uow, Scope(), date(2026, 11, 30)).rows[-1][1] == 8  # the kept day
        audited = uow.session.execute(
            text(
                "SELECT action, entity, entity_id FROM audit_records WHERE entity = 'snapshot_month'"
            )
        ).all()
    assert [tuple(row) for row in days] == [
        (date(2026, 11, 30), 8), (date(2026, 12, 1), 8), (date(2026, 12, 2), 8)
    ]  # fmt: skip
    assert [tuple(row) for row in audited] == [("thin", "snapshot_month", "2026-11-01")]
    if engine.dialect.name == "postgresql":  # the new November table, attached and indexed
        with engine.connect() as connection:
            attached = connection.execute(text(
                "SELECT c.relname, (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)"
                " FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid"
                " WHERE h.inhparent = 'loan_snapshots'::regclass ORDER BY 1"
            )).all()  # fmt: skip
        assert [tuple(row) for row in attached] == [
            ("loan_snapshots_y2026m11", 2), ("loan_snapshots_y2026m12", 2)
        ]  # fmt: skip
