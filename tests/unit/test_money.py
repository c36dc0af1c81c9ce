"""Money constructor and rounding policies: exact expected values, table style."""

from decimal import Decimal as D

import pytest

from lms.core.money import MoneyError, Rounding, RoundingMode, money, round_to

# value, step, mode -> expected (worked by hand)
ROUNDING_TABLE = """
1.005       0.01  half_up    1.01
1.015       0.01  half_even  1.02
1.025       0.01  half_even  1.02
-1.005      0.01  half_up    -1.01
100.01      1     up         101
100.99      1     down       100
100.00      1     up         100
1234.5      10    half_up    1230
1235        10    half_up    1240
1235        10    half_even  1240
1225        10    half_even  1220
1.025       0.05  half_even  1.00
1.075       0.05  half_even  1.10
1.03        0.05  up         1.05
17254.8412  100   up         17300
17254.8412  100   down       17200
0.004999    0.01  half_up    0.00
"""


@pytest.mark.parametrize(
    ("value", "step", "mode", "expected"),
    [line.split() for line in ROUNDING_TABLE.strip().splitlines()],
)
def test_rounding_table(value: str, step: str, mode: str, expected: str) -> None:
    policy = Rounding(D(step), RoundingMode(mode))
    result = policy.apply(D(value))
    assert str(result) == expected
    assert round_to(D(value), D(step), RoundingMode(mode)) == result


def test_money_accepts_exact_inputs_only() -> None:
    assert money("12.30") == D("12.30")
    assert str(money(" 7 ")) == "7"
    assert money(5) == D(5)
    assert money(D("0.1")) + money(D("0.2")) == D("0.3")
    with pytest.raises(MoneyError, match="float"):
        money(0.1)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="bool"):
        money(True)
    with pytest.raises(MoneyError, match="not a decimal"):
        money("12,30")
    with pytest.raises(MoneyError, match="finite"):
        money("NaN")


def test_rounding_step_must_be_positive() -> None:
    with pytest.raises(MoneyError):
        Rounding(D(0))
    with pytest.raises(MoneyError):
        Rounding(D("-0.01"))


def test_rounded_result_carries_the_step_exponent() -> None:
    assert str(Rounding(D("0.01")).apply(D(5))) == "5.00"
    assert str(Rounding(D("1")).apply(D("5.4"))) == "5"
