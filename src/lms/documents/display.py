"""Amounts and dates as Indian lenders write them, for pages and documents people read.

Guarantees: an amount keeps every paisa it has (two places; never rounded to rupees), grouped
the Indian way (12,34,567.89: thousands, then every two digits), with the rupee sign when
asked and a minus sign before it; a date is written as 3 Dec 2026. Pure functions of their
arguments.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def indian_grouping(digits: str) -> str:
    """``1234567`` → ``12,34,567``: the last three digits, then groups of two."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])


def amount(value: Decimal | int | None, *, rupee: bool = False) -> str:
    """``Decimal("1234567.8")`` → ``12,34,567.80`` (``₹12,34,567.80`` with `rupee`); None → ``-``.
    More than two places are rounded half up to the paisa (stored amounts have four)."""
    if value is None:
        return "-"
    exact = Decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP)
    sign = "-" if exact < 0 else ""
    rupees, _, paise = f"{abs(exact):.2f}".partition(".")
    return f"{sign}{'₹' if rupee else ''}{indian_grouping(rupees)}.{paise}"


def day(value: date | None) -> str:
    """``date(2026, 12, 3)`` → ``3 Dec 2026``; None → ``-``."""
    if value is None:
        return "-"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"  # whatever the locale
