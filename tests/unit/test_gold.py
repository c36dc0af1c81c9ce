"""The gold arithmetic of lms.core.gold against figures worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from lms.core.gold import (
    GoldPriceError,
    Shortfall,
    Tier,
    ceiling,
    gold_value,
    ltv,
    reference_price,
    reserve_price,
    shortfall,
    working_days_after,
)

DEC1 = date(2026, 12, 1)


def _days(first: date, prices: list[str]) -> dict[date, D]:
    return {first + timedelta(days=k): D(p) for k, p in enumerate(prices)}


def test_the_lower_of_the_30_day_average_and_the_last_closing_price() -> None:
    # 1-29 Nov at 7,000 and 30 Nov at 6,500: average 2,09,500 / 30 = 6,983.33...; last 6,500
    falling = _days(date(2026, 11, 1), ["7000"] * 29 + ["6500"])
    assert reference_price(falling, DEC1) == D("6500")
    # 1-15 Nov at 6,800, 16-30 Nov at 7,200: the average, 7,000, is the lower
    rising = _days(date(2026, 11, 1), ["6800"] * 15 + ["7200"] * 15)
    assert reference_price(rising, DEC1) == D("7000")
    # a price of the day itself or later is not used; 31 Oct is outside the 30 days before
    later = {**rising, DEC1: D("1"), date(2026, 10, 31): D("1")}
    assert reference_price(later, DEC1) == D("7000")


def test_a_day_without_a_price_takes_the_last_one_before_it() -> None:
    prices = {date(2026, 11, 27): D("7100"), date(2026, 11, 28): D("7050")}  # none on 29-30 Nov
    assert reference_price(prices, DEC1) == D("7050")  # average 7,075, last 7,050
    with pytest.raises(GoldPriceError):  # none in the 30 days before: stale
        reference_price({date(2026, 10, 31): D("6000")}, DEC1)
    assert reference_price({date(2026, 11, 1): D("6000")}, DEC1) == D("6000")  # 30 days before
    with pytest.raises(GoldPriceError):
        reference_price({DEC1: D("7000")}, DEC1)


def test_the_value_of_gold_by_its_gold_content_and_purity() -> None:
    assert gold_value(D("36"), D("22"), D("7000")) == D("252000.00")
    # 18.5 g of 18 carats at 7,000 a gram of 22 carats: 18.5 x 7,000 x 18 / 22 = 1,05,954.5454...
    assert gold_value(D("18.5"), D("18"), D("7000")) == D("105954.54")  # rounded down
    assert gold_value(D("10"), D("24"), D("6600")) == D("72000.00")  # 24 carats: 24/22 of it
    with pytest.raises(ValueError):
        gold_value(D("10"), D("25"), D("7000"))


def test_the_ceiling_by_loan_size() -> None:
    assert [ceiling(D(a)) for a in ("250000", "250000.01", "500000", "500000.01")] == [
        D(85),
        D(80),
        D(80),
        D(75),
    ]
    assert ceiling(D("100"), (Tier(D(50), D(90)), Tier(None, D(70)))) == D(70)


def test_the_ratio_and_what_cures_a_breach() -> None:
    assert ltv(D("85000"), D("100000")) == D("85.00")
    assert ltv(D("1"), D("3")) == D("33.34")  # 33.333... rounded up
    assert ltv(D("1"), D("0")) is None
    assert shortfall(D("85000"), D("100000"), D(85)) is None
    # 2,24,000 owed on 2,45,454.54 of gold at 85 %: 2,08,636.359 allowed, so 15,363.641 to pay
    # (rounded up), or gold worth 2,24,000 / 0.85 - 2,45,454.54 = 18,074.8717... more
    assert shortfall(D("224000"), D("245454.54"), D(85)) == Shortfall(D("15363.65"), D("18074.88"))


def test_the_reserve_price_and_the_surplus_deadline() -> None:
    # 3,57,954.54 of gold: 90 % is 3,22,159.086, up to 3,22,159.09; after two failed auctions
    # 85 %: 3,04,261.359, up to 3,04,261.36
    value = D("357954.54")
    assert reserve_price(value, 0, D(90), D(85)) == D("322159.09")
    assert reserve_price(value, 1, D(90), D(85)) == D("322159.09")
    assert reserve_price(value, 2, D(90), D(85)) == D("304261.36")
    # seven working days after Tuesday 16 Feb 2027: Thursday 25 Feb; after a Friday: Monday
    assert working_days_after(date(2027, 2, 16), 7) == date(2027, 2, 25)
    assert working_days_after(date(2027, 2, 19), 1) == date(2027, 2, 22)
    assert working_days_after(date(2027, 2, 19), 0) == date(2027, 2, 19)
