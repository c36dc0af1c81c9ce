"""A product's charges by rule: amounts rounded once to the paisa with their GST, and every
problem of a product's rules named by its index."""

from decimal import Decimal as D

import pytest

from lms.core.charge_rules import ChargeOn, ChargeRule, parse_rules, rule_problems


def test_a_percent_charge_is_rounded_half_up_once_and_its_gst_from_the_rounded_amount() -> None:
    late = ChargeRule("late", ChargeOn.OVERDUE, percent=D(2), tax=D(18), days=15)
    assert late.charge(D("8884.88")) == (D("177.70"), D("31.99"))  # 177.6976; 31.986
    fixed = ChargeRule("collection", ChargeOn.INSTALLMENT, amount=D(50), tax=D(18))
    assert fixed.charge(D("8884.88")) == (D("50.00"), D("9.00"))


def test_rules_round_trip_through_their_json() -> None:
    raw = [
        {"name": "late", "on": "overdue", "days": 15, "percent": "2", "tax": "18"},
        {"name": "statement_copy", "on": "event", "amount": "250", "tax": "18"},
    ]
    rules = parse_rules(raw)
    assert [r.as_json() for r in rules] == raw


@pytest.mark.parametrize(
    ("rule", "field", "reason"),
    [
        ({"name": "x", "on": "installment", "amount": "5", "percent": "1"}, "charge_rules[0]",
         "give an amount or a percent, not both"),
        ({"name": "x", "on": "overdue", "percent": "2"}, "charge_rules[0].days",
         "must be from 1 to 365"),
        ({"name": "x", "on": "event", "percent": "2"}, "charge_rules[0]",
         "an event's charge is a fixed amount"),
        ({"name": "x", "on": "installment", "amount": "5", "tax": "40"}, "charge_rules[0].tax",
         "must be a GST rate from 0 to 28 percent"),
        ({"name": "a b", "on": "installment", "amount": "5"}, "charge_rules[0].name",
         "letters, digits, - and _ only"),
        ({"name": "x", "on": "monthly", "amount": "5"}, "charge_rules[0]",
         "not a charge rule: 'monthly' is not a valid ChargeOn"),
    ],
)  # fmt: skip
def test_each_problem_is_named(rule: dict[str, object], field: str, reason: str) -> None:
    assert rule_problems([rule]) == [(field, reason)]


def test_a_name_used_twice_is_refused() -> None:
    rule = {"name": "x", "on": "installment", "amount": "5"}
    assert rule_problems([rule, rule]) == [("charge_rules[1].name", "'x' is named twice")]


def test_a_rule_may_not_take_the_name_of_the_systems_own_charges() -> None:
    rule = {"name": "penal", "on": "overdue", "days": 5, "percent": "1"}
    assert rule_problems([rule]) == [
        ("charge_rules[0].name", "'penal' names the system's own charges")]  # fmt: skip
