"""A gold loan from a margin call to the auction of its pledge: 2,00,000 at 12 % for three
months, bullet (2,06,000 repayable on 26 Dec 2026), against a necklace (36 g net, 22 carats) and
bangles (18.5 g net, 18 carats). Gold closes at 7,000 a gram, then at 4,000 from 10 Oct: on 11
Oct the gold is worth 36 x 4,000 + 18.5 x 4,000 x 18/22 = 1,44,000 + 60,545.45 = 2,04,545.45,
and 2,06,000 is 100.72 % of it, above the ceiling of 85 %: the close calls for margin. Gold is
back at 7,000 from 13 Oct; nothing is paid. Thirty days after the due date (25 Jan 2027) the
notice goes out, the earliest auction 21 days later (15 Feb). The first auction draws no bid;
on 16 Feb the gold (worth 2,52,000 + 1,05,954.54 = 3,57,954.54; reserve 90 %: 3,22,159.086, up
to 3,22,159.09) sells for 3,30,000: 2,06,000 closes the loan and the 1,24,000 left over is the
borrower's, refunded within seven working days (by 25 Feb)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from integration.api_client import api_client, rows, staff_browser
from integration.book_setup import entry_totals, lived_and_closed, open_book, sound
from lms.collateral.auction import give_notice, record_failure, record_sale, refund_surplus
from lms.collateral.models import CollateralItem, MarginCall
from lms.collateral.service import Item, pledge, record_price
from lms.notices.models import Notice
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan

SEP26, OCT12 = date(2026, 9, 26), date(2026, 10, 12)
NOTICE, FIRST, SALE = date(2027, 1, 25), date(2027, 2, 15), date(2027, 2, 16)
NECKLACE = Item("gold_ornament", "necklace", 1, "40", "36", "22", "AS-1")
BANGLES = Item("gold_ornament", "bangles, a pair", 2, "20", "18.5", "18", "AS-2")


def _price(day: date) -> D:
    return D(4000) if date(2026, 10, 10) <= day <= OCT12 else D(7000)


def _book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(db_url, engine, customers=[{"name": "A", "email": "a@example.com"}],
                         settings={"method": "bullet", "bullet_interest": "end"})  # fmt: skip
    with UnitOfWork(sessions) as uow:
        day = SEP26 - timedelta(days=31)
        while day < SEP26:
            record_price(uow, day, _price(day), "IBJA")
            day += timedelta(days=1)
        request = LoanRequest("GL-1", "PUN01", 1, "PL", D(200000), D(12), 3, SEP26)
        disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=SEP26)
        calendar.set_business_date(uow, SEP26)
        uow.commit()

    def events(uow: UnitOfWork, day: date) -> None:
        record_price(uow, day, _price(day), "IBJA")
        if day == SEP26:
            pledge(uow, 1, [NECKLACE, BANGLES], day)

    lived_and_closed(sessions, SEP26, OCT12, events)
    with UnitOfWork(sessions) as uow:  # the prices since, kept without closing those days
        day = OCT12 + timedelta(days=1)
        while day <= SALE:
            record_price(uow, day, _price(day), "IBJA")
            day += timedelta(days=1)
        calendar.set_business_date(uow, NOTICE - timedelta(days=1))
        uow.commit()
    return sessions


def test_a_defaulted_gold_loan_is_auctioned_and_its_surplus_refunded(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        [call] = uow.session.scalars(select(MarginCall)).all()
        assert (call.raised_on, call.ltv) == (date(2026, 10, 11), D("100.72"))
        with pytest.raises(InvalidError) as early:
            give_notice(uow, 1, NOTICE - timedelta(days=1))  # 29 days overdue
        assert early.value.problems == [
            ("loan_id", "no installment has been overdue for 30 days")]  # fmt: skip
        auction = give_notice(uow, 1, NOTICE)
        assert (auction.overdue, auction.earliest_on) == (D("206000.00"), FIRST)
        assert give_notice(uow, 1, NOTICE).id == auction.id  # again: the same notice
        sent = uow.session.execute(select(Notice.template, Notice.channel, Notice.status)
                                   .where(Notice.template == "gold_auction_notice")).all()  # fmt: skip
        assert [tuple(n) for n in sent] == [("gold_auction_notice", "email", "queued")]
        with pytest.raises(InvalidError):
            record_failure(uow, 1, FIRST - timedelta(days=1))  # the notice's period runs
        record_failure(uow, 1, FIRST)
        with pytest.raises(InvalidError) as low:
            record_sale(uow, 1, SALE, D("322159.08"), "Shree Jewellers")
        assert low.value.problems == [("proceeds", "is below the reserve price of 322159.09 "
                                       "(the gold is worth 357954.54 today)")]  # fmt: skip
        sold = record_sale(uow, 1, SALE, D("330000"), "Shree Jewellers")
        uow.commit()
        assert (sold.reserve, sold.applied, sold.surplus, sold.surplus_due_by) == (
            D("322159.09"), D("206000.00"), D("124000.00"), date(2027, 2, 25))  # fmt: skip
        loan = uow.session.get(Loan, 1)
        assert loan is not None and (loan.status, loan.closed_on) == ("closed", SALE)
        items = uow.session.scalars(select(CollateralItem.status)).all()
        assert items == ["sold", "sold"]
    assert entry_totals(sessions, "auction_surplus") == {
        "collection_bank": D("124000.00"), "auction_surplus": D("-124000.00")}  # fmt: skip
    with UnitOfWork(sessions) as uow:
        refunded = refund_surplus(uow, 1, date(2027, 2, 19), "UTR-77")
        assert refund_surplus(uow, 1, date(2027, 2, 19), "UTR-77").id == refunded.id
        with pytest.raises(ConflictError):
            refund_surplus(uow, 1, date(2027, 2, 19), "UTR-78")
        uow.commit()
    assert entry_totals(sessions, "surplus_refund") == {
        "collection_bank": D("-124000.00"), "auction_surplus": D("124000.00")}  # fmt: skip
    sound(sessions)


def test_a_loan_repaid_before_its_auction_cancels_it(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        give_notice(uow, 1, NOTICE)
        from lms.servicing.repayments import PaymentRequest, record_payment

        record_payment(uow, loan_id=1, request=PaymentRequest(D(206000), date(2027, 2, 1),
                                                              "UPI-1", "upi"),
                       posting_date=date(2027, 2, 1))  # fmt: skip
        uow.commit()
    with UnitOfWork(sessions) as uow, pytest.raises(ConflictError, match="cancelled"):
        record_sale(uow, 1, SALE, D("330000"), "Shree Jewellers")


def test_the_auction_api(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, NOTICE)
        uow.commit()
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    noticed = officer.post("/api/v1/loans/1/auction")
    assert noticed.status_code == 201
    assert (noticed.json()["status"], noticed.json()["earliest_on"]) == ("notified", str(FIRST))
    browser = staff_browser(db_url, ("loan_officer",), ["PUN01"])
    assert rows(browser.get("/app/gold").text, "auctions-table") == [
        ["GL-1", "A", "PUN01", "noticed: auction from", "15 Feb 2027", "2,06,000.00"]]  # fmt: skip
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, SALE)
        uow.commit()
    low = officer.post("/api/v1/loans/1/auction/sale", json={"proceeds": "1", "buyer": "X"})
    assert low.status_code == 422 and low.json()["errors"][0]["field"] == "proceeds"
    sold = officer.post("/api/v1/loans/1/auction/sale",
                        json={"proceeds": "330000", "buyer": "Shree Jewellers"})  # fmt: skip
    assert sold.status_code == 200
    assert {k: sold.json()[k] for k in ("status", "reserve", "surplus", "surplus_due_by")} == {
        "status": "sold", "reserve": "322159.09", "surplus": "124000.00",
        "surplus_due_by": "2027-02-25"}  # fmt: skip
    assert (
        officer.post("/api/v1/loans/1/auction/refund", json={"reference": "U"}).status_code == 403
    )
    admin = api_client(db_url)
    paid = admin.post("/api/v1/loans/1/auction/refund", json={"reference": "UTR-77"})
    assert (paid.status_code, paid.json()["refunded_on"]) == (200, str(SALE))
    assert officer.get("/api/v1/loans/1/auction").json()["refund_reference"] == "UTR-77"
    assert "None under way." in browser.get("/app/gold").text
    sound(sessions)
