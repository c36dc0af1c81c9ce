"""A pledge of securities against figures worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

from lms.core.securities import Holding, position

SHARES = Holding(D(200), D("1200.00"), D(50))  # 2,40,000.00 worth, 1,20,000.00 to draw
FUND = Holding(D("5000.000"), D("20.1234"), D(25))  # 1,00,617.00 worth, 75,462.75 to draw


def test_a_shortfall_and_what_cures_it() -> None:
    found = position([SHARES, FUND], D("200060.00"))
    assert (found.value, found.drawing_power) == (D("340617.00"), D("195462.75"))
    # 200,060 x 100 / 340,617 = 58.7345...: up to 58.74; 195,462.75 x 100 / 340,617 =
    # 57.3849...: down to 57.38; 4,597.25 x 340,617 / 195,462.75 = 8,011.2528...: up
    assert (found.ratio, found.ceiling) == (D("58.74"), D("57.38"))
    assert (found.pay_down, found.more_value) == (D("4597.25"), D("8011.26"))


def test_within_the_drawing_power_nothing_is_asked() -> None:
    found = position([SHARES, FUND], D("195462.75"))
    assert (found.pay_down, found.more_value) == (D("0.00"), D("0"))


def test_values_are_rounded_down_and_nothing_left_asks_for_all() -> None:
    # 3 units at 33.3333 = 99.9999: 99.99; a 25 % haircut leaves 74.9925: 74.99
    tiny = position([Holding(D(3), D("33.3333"), D(25))], D(100))
    assert (tiny.value, tiny.drawing_power, tiny.pay_down) == (D("99.99"), D("74.99"), D("25.01"))
    empty = position([], D("500.00"))
    assert (empty.ratio, empty.ceiling, empty.pay_down, empty.more_value) == (
        None, D(0), D("500.00"), D("500.00"))  # fmt: skip
