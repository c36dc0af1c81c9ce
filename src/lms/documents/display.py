"""Amounts and dates as Indian lenders write them, for pages and documents people read.

Guarantees: an amount keeps every paisa it has (two places; never rounded to rupees), grouped
the Indian way (12,34,567.89: thousands, then every two digits), with the rupee sign when
asked and a minus sign before it; a date is written as 3 Dec 2026 (3 दिसंबर 2026 in Hindi).
Pure functions of their arguments.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lms.documents.number_words import in_hindi_words, indian_words, rupees_and_paise
from lms.documents.words import month_day

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


def day(value: date | None, lang: str = "en") -> str:
    """``date(2026, 12, 3)`` → ``3 Dec 2026`` (``3 दिसंबर 2026`` in Hindi); None → ``-``."""
    if value is None:
        return "-"
    if lang != "en":
        return month_day(value, lang)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"  # whatever the locale


_ONES = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
         "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
         "Eighteen", "Nineteen")  # fmt: skip
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
# the Indian system's units, largest first: crore (10^7), lakh (10^5), thousand, hundred
_UNITS = ((10**7, "Crore"), (10**5, "Lakh"), (1000, "Thousand"), (100, "Hundred"))


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    return _TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else "")


def in_words(value: Decimal, lang: str = "en") -> str:
    """An amount as a receipt writes it: ``Rupees Eight Thousand Eight Hundred Eighty-Four and
    Paise Eighty-Eight only`` (rounded half up to the paisa; in Hindi words in Hindi)."""
    if lang == "hi":
        return in_hindi_words(value)
    rupees, paise = rupees_and_paise(value)
    said = f"Rupees {indian_words(rupees, _below_hundred, _UNITS) or 'Zero'}"
    if paise:
        said += f" and Paise {_below_hundred(paise)}"
    return f"{'Minus ' if value < 0 else ''}{said} only"
