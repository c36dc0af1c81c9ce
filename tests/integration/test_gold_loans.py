"""A gold loan from pledge to release: 2,00,000 at 12 % for 12 months, bullet (principal and
24,000 of interest at maturity: 2,24,000 repayable), paid out on 26 Sep 2026 against a necklace
(36 g net, 22 carats) and bangles (18.5 g net, 18 carats). Gold closes at 7,000 a gram to 9 Oct
and at 4,800 from 10 Oct; the close finds the ratio breached on 11 Oct and calls for margin, a
payment meets the call, the loan is foreclosed and the gold given back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from integration.api_client import api_client, csrf, rows, staff_browser
from integration.book_setup import lived_and_closed, open_book, sound
from lms.close.failures import open_failures
from lms.close.runner import close_day
from lms.collateral.models import CollateralItem, GoldPrice, LtvCheck, MarginCall
from lms.collateral.service import Item, pledge, record_price
from lms.collateral.watch import release
from lms.interfaces.cli.main import app
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

SEP26, OCT11, OCT12, OCT13 = (
    date(2026, 9, 26),
    date(2026, 10, 11),
    date(2026, 10, 12),
    date(2026, 10, 13),
)
NECKLACE = Item("gold_ornament", "necklace", 1, "40", "36", "22", "AS-1")
BANGLES = Item("gold_ornament", "bangles, a pair", 2, "20", "18.5", "18", "AS-2")


def _price(day: date) -> D:
    return D("7000") if day < date(2026, 10, 10) else D("4800")


def _book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(db_url, engine, customers=[{"name": "A"}],
                         settings={"method": "bullet", "bullet_interest": "end"})  # fmt: skip
    with UnitOfWork(sessions) as uow:
        day = SEP26 - timedelta(days=30)
        while day < SEP26:
            record_price(uow, day, _price(day), "IBJA")
            day += timedelta(days=1)
        request = LoanRequest("GL-1", "PUN01", 1, "PL", D(200000), D(12), 12, SEP26)
        disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=SEP26)
        calendar.set_business_date(uow, SEP26)
        uow.commit()
    return sessions


def test_pledges_refused_by_the_ceiling_and_by_the_weight_limit(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as refused:
            pledge(uow, 1, [BANGLES], SEP26)
        # 18.5 x 7,000 x 18/22 = 1,05,954.54; 2,24,000 is 211.4113...% of it, up to 211.42
        assert refused.value.problems == [("items", "worth 105954.54 at 7000.00 a gram: "
            "224000.00 owed is 211.42 % of it, above the ceiling of 85 %")]  # fmt: skip
        coins = Item("gold_coin", "coins", 6, "60", "60", "24", "AS-3")
        with pytest.raises(InvalidError) as refused:
            pledge(uow, 1, [NECKLACE, coins], SEP26)
        assert refused.value.problems == [
            (
                "items",
                "gold coins would weigh 60 g in all for this borrower, above the limit of 50 g",
            )
        ]
        bad = Item("bullion", "", 0, "10", "11", "23.5", "")
        with pytest.raises(InvalidError) as refused:
            pledge(uow, 1, [bad], SEP26)
        assert [field for field, _ in refused.value.problems] == [
            "items[0].kind", "items[0].pieces", "items[0].description",
            "items[0].assay_certificate", "items[0].net_grams",
        ]  # fmt: skip
        with pytest.raises(ConflictError):
            record_price(uow, SEP26 - timedelta(days=1), D("7001"), "IBJA")
        assert uow.session.scalars(select(CollateralItem)).all() == []


def _day(uow: UnitOfWork, day: date) -> None:
    record_price(uow, day, _price(day), "IBJA")
    if day == SEP26:
        pledge(uow, 1, [NECKLACE, BANGLES], day)
    if day == OCT12:  # the borrower pays towards the call; nothing is due: it waits as excess
        record_payment(uow, loan_id=1, request=PaymentRequest(D(20000), day, "M-1", "upi"),
                       posting_date=day)  # fmt: skip


def test_a_price_fall_calls_for_margin_a_payment_meets_it_and_the_gold_goes_back(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    lived_and_closed(sessions, SEP26, OCT12, _day)
    with UnitOfWork(sessions) as uow:
        checks = {c.day: c for c in uow.session.scalars(select(LtvCheck).order_by(LtvCheck.day))}
        assert len(checks) == 17  # 26 Sep to 12 Oct
        # 36 x 7,000 + 1,05,954.54 = 3,57,954.54 of gold: 2,24,000 is 62.58 % of it
        first = checks[SEP26]
        assert (first.price, first.value, first.owed, first.ltv, first.ceiling) == (
            D("7000.0000"), D("357954.54"), D("224000.00"), D("62.58"), D("85"))  # fmt: skip
        assert checks[date(2026, 10, 10)].ltv == D("62.58")  # 10 Oct: valued at 9 Oct's price
        # 11 Oct: 4,800 (10 Oct's close, below the average 6,926.67): 1,72,800 + 72,654.54
        breach = checks[OCT11]
        assert (breach.price, breach.value, breach.ltv) == (
            D("4800.0000"),
            D("245454.54"),
            D("91.26"),
        )
        # 12 Oct: 20,000 held against it: 2,04,000 is 83.12 % of the gold
        assert (checks[OCT12].owed, checks[OCT12].ltv) == (D("204000.00"), D("83.12"))
        calls = uow.session.scalars(select(MarginCall)).all()
        assert [(c.raised_on, c.ltv, c.ceiling, c.pay_down, c.more_value, c.closed_on, c.outcome)
                for c in calls] == [(OCT11, D("91.26"), D("85"), D("15363.65"), D("18074.88"),
                                     OCT12, "met")]  # fmt: skip
        with pytest.raises(ConflictError):
            release(uow, 1, OCT13, "receipt R-1")  # the loan is still open
        foreclose_loan(
            uow, loan_id=1, on=OCT13, reference="F-1", channel="neft", posting_date=OCT13
        )
        with pytest.raises(InvalidError):
            release(uow, 1, OCT13, " ")
        uow.commit()
    with staff_browser(db_url, ("loan_officer",), ["PUN01"]) as browser:
        page = browser.get("/app/loans/1")
        pledged = [["necklace (gold ornament)", "1", "40", "36", "22", "AS-1", "pledged"],
                   ["bangles, a pair (gold ornament)", "2", "20", "18.5", "18", "AS-2", "pledged"]]  # fmt: skip
        assert rows(page.text, "collateral-items") == pledged and 'id="release-form"' in page.text
        assert rows(page.text, "margin-calls") == [
            ["11 Oct 2026", "91.26 % (ceiling 85 %)", "15,363.65", "18,074.88", "12 Oct 2026: met"]
        ]
        assert ("Loan to value 83.12 % at the day-end of 12 Oct 2026: 2,04,000.00 owed against "
                "gold worth 2,45,454.54 at 4,800.00 a gram of 22 carats (ceiling 85 %).") in page.text  # fmt: skip
        posted = browser.post("/app/loans/1/collateral/release",
                              data={"csrf": csrf(page.text), "acknowledgement": "receipt R-1"})  # fmt: skip
        assert posted.status_code == 303
        shown = rows(browser.get("/app/loans/1").text, "collateral-items")
        assert [r[-1] for r in shown] == ["released 13 Oct 2026 (receipt R-1)"] * 2
        assert 'id="release-form"' not in browser.get("/app/loans/1").text
    with UnitOfWork(sessions) as uow:
        given = uow.session.scalars(select(CollateralItem).order_by(CollateralItem.id)).all()
        assert [(i.description, i.status, i.released_on, i.acknowledgement) for i in given] == [
            ("necklace", "released", OCT13, "receipt R-1"),
            ("bangles, a pair", "released", OCT13, "receipt R-1"),
        ]
        again = release(uow, 1, OCT13, "receipt R-1")  # a retry gives what it gave
        assert [i.id for i in again] == [i.id for i in given]
    sound(sessions)


def _body(*items: Item) -> dict[str, object]:
    return {"items": [item.__dict__ for item in items]}


def test_a_photograph_of_the_ornaments_is_filed_with_the_loan(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMS_DOCUMENT_DIR", str(tmp_path / "documents"))
    _book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * 60  # a JPEG's opening bytes
    filed = officer.post("/api/v1/loans/1/documents?kind=collateral&name=Necklace AS-1",
                         content=photo, headers={"Content-Type": "image/jpeg"})  # fmt: skip
    assert filed.status_code == 201, filed.text
    assert (filed.json()["kind"], filed.json()["size"]) == ("collateral", 64)
    got = officer.get(f"/api/v1/loans/1/documents/{filed.json()['id']}")
    assert got.content == photo


def test_the_gold_api(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    price = {"day": str(SEP26), "price": "7000", "source": "IBJA"}
    assert officer.post("/api/v1/gold/prices", json=price).status_code == 403
    admin = api_client(db_url)
    kept = admin.post("/api/v1/gold/prices", json=price)
    assert (kept.status_code, kept.json()["price"]) == (201, "7000.00")
    ahead = admin.post("/api/v1/gold/prices", json={**price, "day": str(OCT11)})
    assert ahead.status_code == 422 and ahead.json()["errors"][0]["field"] == "day"
    first = officer.post("/api/v1/loans/1/collateral", json=_body(NECKLACE, BANGLES))
    again = officer.post("/api/v1/loans/1/collateral", json=_body(NECKLACE, BANGLES))
    assert (first.status_code, again.status_code) == (201, 201) and first.json() == again.json()
    items = first.json()["items"]
    assert [(i["description"], i["net_grams"], i["carats"], i["status"]) for i in items] == [
        ("necklace", "36", "22", "pledged"), ("bangles, a pair", "18.5", "18", "pledged")]  # fmt: skip
    other = Item("gold_ornament", "necklace", 1, "40", "35", "22", "AS-1")  # AS-1, other figures
    assert officer.post("/api/v1/loans/1/collateral", json=_body(other)).status_code == 409
    heavy = Item("gold_ornament", "ring", 1, "5", "6", "22", "AS-9")  # more net than gross
    refused = officer.post("/api/v1/loans/1/collateral", json=_body(heavy))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["items[0].net_grams"]
    active = officer.post("/api/v1/loans/1/collateral/release", json={"acknowledgement": "R-1"})
    assert active.status_code == 409
    shown = officer.get("/api/v1/loans/1/collateral").json()
    assert (len(shown["items"]), shown["latest_check"], shown["margin_calls"]) == (2, None, [])
    with UnitOfWork(sessions) as uow:
        assert len(uow.session.scalars(select(CollateralItem)).all()) == 2


def test_the_gold_command(db_url: str, engine: Engine, tmp_path: Path) -> None:
    sessions = _book(db_url, engine)
    runner, url = CliRunner(), ["--database-url", db_url]
    bad = tmp_path / "bad.csv"
    bad.write_text("day,price\n2026-09-26,7000\n2026-09-27,-1\nsoon,7000\n", encoding="utf-8")
    refused = runner.invoke(app, ["gold", "prices", str(bad), *url])
    assert refused.exit_code == 2
    assert "line 3: '2026-09-27,-1' is not YYYY-MM-DD,price" in refused.output
    assert "line 4: 'soon,7000' is not YYYY-MM-DD,price" in refused.output
    good = tmp_path / "prices.csv"
    good.write_text("day,price\n2026-09-26,7010.5\n2026-09-25,7000\n", encoding="utf-8")
    kept = runner.invoke(app, ["gold", "prices", str(good), *url])
    assert kept.exit_code == 0 and kept.output == "2 prices kept (2026-09-25 to 2026-09-26)\n"
    ahead = tmp_path / "ahead.csv"
    ahead.write_text("2026-09-27,7000\n", encoding="utf-8")  # the business date is 26 Sep
    refused = runner.invoke(app, ["gold", "prices", str(ahead), *url])
    assert (
        refused.exit_code == 2
        and "2026-09-27 is after the business date 2026-09-26" in refused.output
    )
    clash = tmp_path / "clash.csv"
    clash.write_text("2026-09-26,7001\n", encoding="utf-8")
    assert runner.invoke(app, ["gold", "prices", str(clash), *url]).exit_code == 1
    with UnitOfWork(sessions) as uow:
        kept_prices = uow.session.scalars(select(GoldPrice).where(GoldPrice.day >= SEP26)).all()
        assert [(p.day, p.price, p.recorded_by.startswith("cli:")) for p in kept_prices] == [
            (SEP26, D("7010.50"), True)
        ]  # fmt: skip (25 Sep's, the same again, is as it was)
        pledge(uow, 1, [NECKLACE, BANGLES], SEP26)
        uow.commit()
    shown = runner.invoke(app, ["gold", "loan", "1", *url])
    assert shown.output == (
        "necklace (gold_ornament): 1 pieces, 40 g gross, 36 g net, 22 carats, pledged\n"
        "bangles, a pair (gold_ornament): 2 pieces, 20 g gross, 18.5 g net, 18 carats, pledged\n"
    )
    assert runner.invoke(app, ["gold", "loan", "99", *url]).exit_code == 2


def test_a_close_without_a_recent_gold_price_fails_for_the_gold_loan_alone(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)  # prices to 25 Sep, then none
    with UnitOfWork(sessions) as uow:
        pledge(uow, 1, [NECKLACE, BANGLES], SEP26)
        uow.commit()
    oct25, oct26 = date(2026, 10, 25), date(2026, 10, 26)
    day = SEP26
    while day <= oct25:  # 25 Sep is still within the 30 days before each of these
        assert close_day(sessions, day).failures == 0
        day += timedelta(days=1)
    stuck = close_day(sessions, oct26)
    with UnitOfWork(sessions) as uow:
        assert stuck.failures == 1 and calendar.business_date(uow) == oct26
        assert [(f.step, f.loan_id, f.error) for f in open_failures(uow, oct26)] == [
            ("ltv", 1, "InvalidError: gold_price: no gold price in the days before 2026-10-26: "
             "keep the prices (lms gold prices), then close again")]  # fmt: skip
        record_price(uow, oct25, D("7000"), "IBJA")
        uow.commit()
    again = close_day(sessions, oct26)
    with UnitOfWork(sessions) as uow:
        assert again.failures == 0 and calendar.business_date(uow) == date(2026, 10, 27)
        check = uow.session.get(LtvCheck, (oct26, 1))
        assert check is not None and (check.price, check.ltv) == (D("7000.0000"), D("62.58"))


def _short(uow: UnitOfWork, day: date) -> None:
    record_price(uow, day, _price(day), "IBJA")
    if day == SEP26:
        pledge(uow, 1, [NECKLACE, BANGLES], day)
    if day == OCT12:  # a chain of 2 g, 22 carats: 9,600 more; 87.83 %, still above 85 %
        pledge(uow, 1, [Item("gold_ornament", "chain", 1, "2", "2", "22", "AS-5")], day)


def test_more_gold_short_of_the_call_is_taken_and_the_call_closes_with_the_loan(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    lived_and_closed(sessions, SEP26, OCT12, _short)
    with UnitOfWork(sessions) as uow:
        check = uow.session.get(LtvCheck, (OCT12, 1))
        assert check is not None and (check.value, check.ltv) == (D("255054.54"), D("87.83"))
    with staff_browser(db_url, ("loan_officer",), ["PUN01"]) as browser:
        listed = browser.get("/app/gold")
        assert rows(listed.text, "calls-table") == [
            [
                "GL-1",
                "A",
                "PUN01",
                "11 Oct 2026",
                "91.26 % (ceiling 85 %)",
                "15,363.65",
                "18,074.88",
            ]
        ]
        assert "Gold is valued today at 4,800.00 a gram" in listed.text
        with UnitOfWork(sessions) as uow:
            foreclose_loan(uow, loan_id=1, on=OCT13, reference="F-1", channel="neft",
                           posting_date=OCT13)  # fmt: skip
            uow.commit()
        waiting = browser.get("/app/gold").text
        assert rows(waiting, "waiting-table") == [["GL-1", "A", "PUN01", "13 Oct 2026", "0", "3"]]
    with UnitOfWork(sessions) as uow:
        release(uow, 1, OCT13, "receipt R-1")
        record_price(uow, OCT13, _price(OCT13), "IBJA")
        uow.commit()
    assert close_day(sessions, OCT13).failures == 0
    with UnitOfWork(sessions) as uow:
        calls = uow.session.scalars(select(MarginCall)).all()
        assert [(c.raised_on, c.closed_on, c.outcome) for c in calls] == [
            (OCT11, OCT13, "loan_closed")
        ]


def test_a_pledge_before_the_payout_is_checked_on_what_the_loan_will_owe(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("GL-2", "PUN01", 1, "PL", D(200000), D(12), 12, SEP26)
        approved = onboard_loan(uow, request=request)
        with pytest.raises(InvalidError) as refused:  # 2,24,000 repayable at maturity
            pledge(uow, approved.id, [BANGLES], SEP26)
        assert refused.value.problems == [("items", "worth 105954.54 at 7000.00 a gram: "
            "224000.00 owed is 211.42 % of it, above the ceiling of 85 %")]  # fmt: skip
        with pytest.raises(InvalidError) as twice:
            pledge(uow, approved.id, [NECKLACE, NECKLACE], SEP26)
        assert twice.value.problems == [("items", "an assay certificate is given twice")]
        odd = Item("gold_ornament", "ring", 1, "NaN", "Infinity", "22", "AS-7")
        with pytest.raises(InvalidError) as refused:
            pledge(uow, approved.id, [odd], SEP26)
        assert [f for f, _ in refused.value.problems] == [
            "items[0].gross_grams",
            "items[0].net_grams",
        ]
        for price in (D("7000.123"), D("1E+7"), D(0)):
            with pytest.raises(InvalidError):
                record_price(uow, SEP26, price, "IBJA")
