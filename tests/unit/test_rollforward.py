"""The roll-rate forecast on a small case worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

from lms.core.rollforward import Move, project, provisions, roll_rates

STATES = ("A", "B")
MOVES = [
    Move("A", "A", D(100), D(90)),
    Move("A", "B", D(100), D(95)),
    Move("A", None, D(100), D(0)),  # closed: its balance runs off
    Move("B", "B", D(50), D(50)),
    Move("B", "A", D(50), D(40)),
]


def test_roll_rates_are_balances_landed_over_balances_started() -> None:
    rates = roll_rates(STATES, MOVES)
    # A started with 300: 90 stayed in A, 95 rolled to B; B started with 100: 40 cured, 50 stayed
    assert rates["A"]["A"] == D("0.3") and rates["A"]["B"] == D(95) / D(300)
    assert rates["B"]["A"] == D("0.4") and rates["B"]["B"] == D("0.5")


def test_a_state_never_seen_keeps_its_balance() -> None:
    rates = roll_rates(("A", "B", "C"), MOVES)
    assert rates["C"] == {"A": D(0), "B": D(0), "C": D(1)}


def test_the_projection_worked_by_hand() -> None:
    months = project(STATES, {"A": D(1000), "B": D(200)}, roll_rates(STATES, MOVES), 2)
    # month 1: A = 1000 x 0.3 + 200 x 0.4 = 380; B = 1000 x 95/300 + 200 x 0.5 = 416.666.. -> 416.67
    # month 2: A = 380 x 0.3 + 416.67 x 0.4 = 280.668 -> 280.67;
    #          B = 380 x 95/300 + 416.67 x 0.5 = 120.3333.. + 208.335 = 328.6683.. -> 328.67
    assert months == [{"A": D("380.00"), "B": D("416.67")}, {"A": D("280.67"), "B": D("328.67")}]
    # 380 x 0.4 % = 1.52; 416.67 x 10 % = 41.667 -> 41.67
    assert provisions(months[0], {"A": D("0.4"), "B": D(10)}) == D("43.19")
