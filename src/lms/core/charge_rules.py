"""A product's charges by rule during a loan's life, as data: a charge on every installment
(a fixed amount or a percent of the installment), a charge on an installment still unpaid N
days after its due date (a percent of what is unpaid of it, or a fixed amount), and charges for
events staff levy by name (a statement copy, a mandate or cheque swap), each with its GST.

A charge for an installment paid late is a penal charge (RBI, 18 Aug 2023: a charge for
default, never interest and never capitalised), and is levied as one; the others are fees.

Guarantees: pure; `rule_problems` names every problem of a product's rules by their index;
an amount is rounded once, half up to the paisa, and its GST likewise from the rounded amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from lms.core.money import Rounding

_PAISA = Rounding()
# names the system's own charges and waivers are referenced by: a rule may not take one
RESERVED = frozenset({"bounce", "penal", "fees", "recovery", "foreclosure", "waiver",
                      "small-balance", "top-up"})  # fmt: skip


class ChargeOn(StrEnum):
    INSTALLMENT = "installment"  # levied on each due date, owed with the installment
    OVERDUE = "overdue"  # levied once on an installment unpaid `days` days after its due date
    EVENT = "event"  # levied by staff when the event happens (a statement copy, a swap)


@dataclass(frozen=True, slots=True)
class ChargeRule:
    name: str  # unique in the product; charges levied by it are referenced `<name>:...`
    on: ChargeOn
    amount: Decimal | None = None  # a fixed amount, or
    percent: Decimal | None = None  # a percent of the installment (or of what is unpaid of it)
    tax: Decimal = Decimal(0)  # GST percent
    days: int = 0  # OVERDUE: days after the due date

    def charge(self, base: Decimal) -> tuple[Decimal, Decimal]:
        """(amount, GST) of the charge on `base` (the installment, or what is unpaid of it)."""
        amount = self.amount if self.amount is not None else base * (self.percent or 0) / 100
        amount = _PAISA.apply(amount)
        return amount, _PAISA.apply(amount * self.tax / 100)

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"name": self.name, "on": self.on.value, "tax": str(self.tax)}
        if self.amount is not None:
            shown["amount"] = str(self.amount)
        if self.percent is not None:
            shown["percent"] = str(self.percent)
        if self.on is ChargeOn.OVERDUE:
            shown["days"] = self.days
        return shown


def parse_rules(raw: Sequence[Mapping[str, Any]] | None) -> tuple[ChargeRule, ...]:
    """Rules from their JSON form (as stored); raises ValueError naming the first problem
    (`rule_problems` names them all)."""
    problems = rule_problems(raw)
    if problems:
        raise ValueError("; ".join(f"{f}: {r}" for f, r in problems))
    return tuple(_rule(item) for item in raw or ())


def rule_problems(raw: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    names: set[str] = set()
    for k, item in enumerate(raw or ()):
        where = f"charge_rules[{k}]"
        try:
            rule = _rule(item)
        except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
            found.append((where, f"not a charge rule: {exc}"))
            continue
        if not rule.name or not rule.name.replace("_", "").replace("-", "").isalnum():
            found.append((f"{where}.name", "letters, digits, - and _ only"))
        elif rule.name.lower() in RESERVED:
            found.append((f"{where}.name", f"{rule.name!r} names the system's own charges"))
        elif rule.name in names:
            found.append((f"{where}.name", f"{rule.name!r} is named twice"))
        names.add(rule.name)
        if (rule.amount is None) == (rule.percent is None):
            found.append((where, "give an amount or a percent, not both"))
        elif (rule.amount or rule.percent or 0) <= 0 or (rule.percent or 0) > 100:
            found.append((where, "the amount must be above 0, a percent above 0 up to 100"))
        if rule.on is ChargeOn.EVENT and rule.percent is not None:
            found.append((where, "an event's charge is a fixed amount"))
        if not 0 <= rule.tax <= 28:
            found.append((f"{where}.tax", "must be a GST rate from 0 to 28 percent"))
        if rule.on is ChargeOn.OVERDUE and not 1 <= rule.days <= 365:
            found.append((f"{where}.days", "must be from 1 to 365"))
    return found


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def _rule(item: Mapping[str, Any]) -> ChargeRule:
    return ChargeRule(
        name=str(item["name"]),
        on=ChargeOn(item["on"]),
        amount=_decimal(item.get("amount")),
        percent=_decimal(item.get("percent")),
        tax=_decimal(item.get("tax", 0)) or Decimal(0),
        days=int(item.get("days", 0)),
    )
