"""A loan against securities: 2,00,000 at 10.95 %, interest on the actual days (60.00 a day:
2,00,000 x 10.95 % / 365, accrued from the day after the payout) paid out on 1 Oct 2026 against
200 shares (ISIN INE009A01021, at 1,500.00: 3,00,000.00, drawing power after the 50 % haircut
1,50,000.00) and 5,000 units of a debt fund (INF109K01Z48, NAV 20.1234: 1,00,617.00, after 25 %:
75,462.75); 4,00,617.00 worth, 2,25,462.75 to draw.

On 2 Oct the shares close at 1,200.00: 2,40,000.00 worth, 1,20,000.00 to draw; the pledge is
worth 3,40,617.00 with 1,95,462.75 to draw, and the loan owes 2,00,060.00 (a day's interest
accrued): 4,597.25 short, or more of the same mix worth 4,597.25 x 3,40,617 / 1,95,462.75 =
8,011.2528..., up to 8,011.26; the ratio 58.7345...% up to 58.74, the mix's limit 57.3849...%
down to 57.38. On 3 Oct the borrower pays 5,000 (nothing is due: it waits as excess), the loan
owes 2,00,120.00 - 5,000 = 1,95,120.00, within: the call is met."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from integration.api_client import api_client, rows, staff_browser
from integration.book_setup import lived_and_closed, open_book, sound
from lms.collateral.models import LtvCheck, MarginCall, PledgedSecurity
from lms.collateral.securities import Security, pledge_securities, record_security_price
from lms.collateral.service import Item, pledge
from lms.collateral.watch import release
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

OCT1, OCT2, OCT3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
SHARES = Security("equity", "INE009A01021", "Infosys Ltd", "200", "PLG-1")
FUND = Security("debt_fund", "INF109K01Z48", "A short duration fund", "5000", "PLG-2")


def _book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(db_url, engine, settings={"interest_basis": "actual_days"})
    with UnitOfWork(sessions) as uow:
        record_security_price(uow, "INE009A01021", date(2026, 9, 30), D("1500.00"), "NSE")
        record_security_price(uow, "INF109K01Z48", date(2026, 9, 30), D("20.1234"), "AMFI")
        request = LoanRequest("LAS-1", "PUN01", 1, "PL", D(200000), D("10.95"), 12, OCT1)
        disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=OCT1)
        calendar.set_business_date(uow, OCT1)
        uow.commit()
    return sessions


def _day(uow: UnitOfWork, day: date) -> None:
    if day == OCT1:
        pledge_securities(uow, 1, [SHARES, FUND], day)
    if day == OCT2:
        record_security_price(uow, "INE009A01021", day, D("1200.00"), "NSE")
    if day == OCT3:
        record_payment(uow, loan_id=1, request=PaymentRequest(D(5000), day, "M-1", "upi"),
                       posting_date=day)  # fmt: skip


def test_a_price_fall_calls_for_margin_and_a_payment_meets_it(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    lived_and_closed(sessions, OCT1, OCT3, _day)
    with UnitOfWork(sessions) as uow:
        checks = {c.day: c for c in uow.session.scalars(select(LtvCheck))}
        assert (checks[OCT1].value, checks[OCT1].owed) == (D("400617.00"), D("200000.00"))
        fell = checks[OCT2]
        assert (fell.value, fell.owed, fell.ltv, fell.ceiling) == (
            D("340617.00"), D("200060.00"), D("58.74"), D("57.38"))  # fmt: skip
        [call] = uow.session.scalars(select(MarginCall)).all()
        assert (call.raised_on, call.pay_down, call.more_value, call.closed_on, call.outcome) == (
            OCT2, D("4597.25"), D("8011.26"), OCT3, "met")  # fmt: skip
        assert checks[OCT3].owed == D("195120.00")
        foreclose_loan(uow, loan_id=1, on=OCT3, reference="F-1", channel="neft",
                       posting_date=OCT3)  # fmt: skip
        release(uow, 1, OCT3, "unpledged: CDSL URN 7781")
        statuses = uow.session.scalars(select(PledgedSecurity.status)).all()
        assert statuses == ["released", "released"]
        uow.commit()
    sound(sessions)


def test_pledges_are_checked(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as refused:
            pledge_securities(uow, 1, [FUND], OCT1)  # 75,462.75 to draw against 2,00,000
        assert refused.value.problems == [("items", "a drawing power of 75462.75 (worth "
                                           "100617.00) does not cover 200000.00 owed")]  # fmt: skip
        bad = Security("bond", "IN123", "", "-1", "")
        with pytest.raises(InvalidError) as refused:
            pledge_securities(uow, 1, [bad], OCT1)
        assert [f for f, _ in refused.value.problems] == [
            "items[0].kind", "items[0].isin", "items[0].pledge_reference", "items[0].quantity"]  # fmt: skip
        unpriced = Security("equity", "INE002A01018", "Reliance", "10", "PLG-9")
        with pytest.raises(InvalidError) as refused:
            pledge_securities(uow, 1, [SHARES, unpriced], OCT1)
        assert refused.value.problems[0][0] == "security_price"
        first = pledge_securities(uow, 1, [SHARES, FUND], OCT1)
        assert [r.id for r in pledge_securities(uow, 1, [SHARES, FUND], OCT1)] == [
            r.id for r in first]  # fmt: skip
        with pytest.raises(ConflictError):
            pledge(uow, 1, [Item("gold_ornament", "ring", 1, "5", "4", "22", "AS-1")], OCT1)


def test_the_securities_api(db_url: str, engine: Engine) -> None:
    _book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    price = {"isin": "INE009A01021", "day": "2026-10-01", "price": "1510.5", "source": "NSE"}
    assert officer.post("/api/v1/securities/prices", json=price).status_code == 403
    admin = api_client(db_url)
    kept = admin.post("/api/v1/securities/prices", json=price)
    assert (kept.status_code, kept.json()["price"]) == (201, "1510.5")
    items = {"items": [SHARES.__dict__, FUND.__dict__]}
    pledged = officer.post("/api/v1/loans/1/securities", json=items)
    assert pledged.status_code == 201
    held = pledged.json()["securities"]
    assert [(s["isin"], s["quantity"], s["status"]) for s in held] == [
        ("INE009A01021", "200", "pledged"), ("INF109K01Z48", "5000", "pledged")]  # fmt: skip
    page = staff_browser(db_url, ("loan_officer",), ["PUN01"]).get("/app/loans/1").text
    assert rows(page, "collateral-securities") == [
        ["Infosys Ltd", "INE009A01021", "equity", "200", "PLG-1", "pledged"],
        ["A short duration fund", "INF109K01Z48", "debt fund", "5000", "PLG-2", "pledged"],
    ]
    bad = officer.post("/api/v1/loans/1/securities", json={"items": [{**FUND.__dict__,
                                                                      "isin": "X"}]})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "items[0].isin"


def test_a_property_mortgaged_and_revalued(db_url: str, engine: Engine) -> None:
    """A 2,00,000 loan (up to 30 lakh: at most 90 % of the property's value) against a flat
    valued at 2,20,000: 90.91 % is refused; at 2,50,000 (80 %) it is recorded, revalued later,
    and released when the loan closes."""
    sessions = _book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    flat = {"description": "Flat 4B, Sai Residency, Pune", "charge_reference": "CERSAI-4001",
            "value": "220000", "valued_on": "2026-09-28", "valuer": "R. Joshi & Co"}  # fmt: skip
    refused = officer.post("/api/v1/loans/1/property", json=flat)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "value", "reason": "200000.00 owed is 90.91 % "
                                         "of 220000, above the ceiling of 90 %"}]  # fmt: skip
    made = officer.post("/api/v1/loans/1/property", json={**flat, "value": "250000"})
    assert made.status_code == 201
    again = officer.post("/api/v1/loans/1/property", json={**flat, "value": "250000"})
    assert again.json()["properties"] == made.json()["properties"]
    [home] = made.json()["properties"]
    assert (home["value"], home["valued_on"], home["status"]) == ("250000.00", "2026-09-28",
                                                                  "pledged")  # fmt: skip
    later = officer.post(f"/api/v1/loans/1/property/{home['id']}/valuations",
                         json={"value": "262500.50", "valued_on": "2026-10-01",
                               "valuer": "R. Joshi & Co"})  # fmt: skip
    assert later.json()["properties"][0]["value"] == "262500.50"
    with UnitOfWork(sessions) as uow:
        foreclose_loan(uow, loan_id=1, on=OCT1, reference="F-1", channel="neft",
                       posting_date=OCT1)  # fmt: skip
        release(uow, 1, OCT1, "charge satisfied: CERSAI-4001")
        uow.commit()
    assert officer.get("/api/v1/loans/1/collateral").json()["properties"][0]["status"] == (
        "released")  # fmt: skip
