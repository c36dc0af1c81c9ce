"""A gold loan from pledge to release: 2,00,000 at 12 % for 12 months, bullet (principal and
24,000 of interest at maturity: 2,24,000 repayable), paid out on 26 Sep 2026 against a necklace
(36 g net, 22 carats) and bangles (18.5 g net, 18 carats). Gold closes at 7,000 a gram to 9 Oct
and at 4,800 from 10 Oct; the close finds the ratio breached on 11 Oct and calls for margin, a
payment meets the call, the loan is foreclosed and the gold given back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from integration.book_setup import lived_and_closed, open_book, sound
from lms.collateral.models import CollateralItem, LtvCheck, MarginCall
from lms.collateral.service import Item, pledge, record_price
from lms.collateral.watch import release
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
        given = release(uow, 1, OCT13, "receipt R-1")
        assert [(i.description, i.status, i.released_on, i.acknowledgement) for i in given] == [
            ("necklace", "released", OCT13, "receipt R-1"),
            ("bangles, a pair", "released", OCT13, "receipt R-1"),
        ]
        uow.commit()
    sound(sessions)
