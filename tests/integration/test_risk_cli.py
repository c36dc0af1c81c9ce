"""`lms risk`: backfill on a real book, then train, card, score, forecast and back-test on the
synthetic book, with the refusals (a date that is not a month end or not closed, an unknown
target or branch) and nothing written by them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from integration.book_setup import book_of_loans
from lms.demo.synthetic_risk import build
from lms.interfaces.cli.main import app
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.risk.models import LoanMonth, LoanScore, RiskModel
from lms.risk.months import month_ends


def test_backfill_on_a_book_of_loans(db_url: str, engine: Engine) -> None:
    book_of_loans(db_url, engine, [{"name": "A"}, {"name": "B"}], business_date=date(2026, 12, 4))
    runner, base = CliRunner(), ["risk", "backfill", "--database-url", db_url]
    done = runner.invoke(app, [*base, "--months", "3"])
    # paid out on 26 Sep: September, October and November, two loans
    assert done.exit_code == 0 and "6 loan-months written through 2026-11-30" in done.output
    assert runner.invoke(app, [*base, "--months", "3"]).output.startswith("0 loan-months")
    for wrong, why in ((["--month", "2026-11-29"], "not a month end"),
                       (["--month", "2026-12-31"], "is not closed yet"),
                       (["--month", "soon"], "is not a date")):  # fmt: skip
        refused = runner.invoke(app, [*base, *wrong])
        assert refused.exit_code == 2 and why in refused.output
    with UnitOfWork(make_session_factory(engine)) as uow:
        months = uow.session.scalars(select(LoanMonth.month).distinct()).all()
        assert sorted(months) == month_ends(date(2026, 9, 1), date(2026, 11, 30))


def test_train_card_score_forecast_and_backtest(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        build(uow, loans=1500, months=24, last=date(2026, 10, 31))
        calendar.set_business_date(uow, date(2026, 11, 2))
        uow.commit()
    runner, url = CliRunner(), ["--database-url", db_url]
    refused = runner.invoke(app, ["risk", "train", *url, "--target", "dpd60"])
    assert refused.exit_code == 2 and "--target: 'dpd60' is not one of" in refused.output
    trained = runner.invoke(app, ["risk", "train", *url])
    assert trained.exit_code == 0, trained.output
    assert (
        "# dpd30 model, version 1" in trained.output
        and "# dpd90 model, version 1" in trained.output
    )
    assert "held out 2026-05-31, 2026-06-30, 2026-07-31" in trained.output
    card = runner.invoke(app, ["risk", "card", *url, "--target", "dpd90"])
    assert card.output.startswith("# dpd90 model, version 1: more than 90 days past due")
    scored = runner.invoke(app, ["risk", "score", *url])
    with UnitOfWork(sessions) as uow:
        count = uow.session.scalar(select(func.count()).select_from(LoanScore))
        models = uow.session.scalar(select(func.count()).select_from(RiskModel))
    assert scored.output == f"{count} scores written for 2026-10-31\n" and models == 2
    shown = runner.invoke(app, ["risk", "forecast", *url, "--months", "2"]).output.splitlines()
    assert shown[0].split()[:3] == ["month", "end", "0"] and len(shown) == 4
    assert [line.split()[0] for line in shown[1:]] == ["2026-10-31", "2026-11-30", "2026-12-31"]
    tested = runner.invoke(app, ["risk", "backtest", *url, "--months", "3"]).output.splitlines()
    assert tested[0] == "forecast made at 2025-10-31, rates of 2025-04-30 to 2025-09-30"
    assert [line.split()[0] for line in tested[2:]] == ["2025-11-30", "2025-12-31", "2026-01-31"]
    nowhere = runner.invoke(app, ["risk", "forecast", *url, "--branch", "NOPE"])
    assert nowhere.exit_code == 2 and "--branch: no branch 'NOPE'" in nowhere.output
