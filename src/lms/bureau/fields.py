"""What the delimited bureau files (microfinance, commercial) share: fields joined by `|` in
their places, each cut to its format's width with no separator or line break inside; the
two-letter state codes; the address a file reports; telephone numbers as digits. Pure.

Guarantees: a line holds exactly one value per field named, in the order given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lms.bureau.tudf import Address

SEPARATOR = "|"
# the states by the two-digit code the customer's address holds (the consumer format's)
STATES = {
    "01": "JK", "02": "HP", "03": "PB", "04": "CH", "05": "UK", "06": "HR", "07": "DL",
    "08": "RJ", "09": "UP", "10": "BR", "11": "SK", "12": "AR", "13": "NL", "14": "MN",
    "15": "MZ", "16": "TR", "17": "ML", "18": "AS", "19": "WB", "20": "JH", "21": "OR",
    "22": "CG", "23": "MP", "24": "GJ", "25": "DD", "26": "DN", "27": "MH", "28": "AP",
    "29": "KA", "30": "GA", "31": "LD", "32": "KL", "33": "TN", "34": "PY", "35": "AN",
    "36": "TS", "38": "LA",
}  # fmt: skip
_PIN = re.compile(r"[1-9][0-9]{5}")


def text_fields(
    fields: tuple[str, ...], values: Mapping[str, str | None], widths: Mapping[str, int]
) -> str:
    """The segment's fields in their places; each value cut to its width."""
    return SEPARATOR.join(_clean(values.get(f), widths.get(f)) for f in fields)


def _clean(value: str | None, width: int | None) -> str:
    if not value:
        return ""
    text = " ".join(value.replace(SEPARATOR, " ").split())
    return text[:width] if width else text


def usable_address(addresses: tuple[Address, ...]) -> Address | None:
    """The address reported as current: the current one if usable, else the first usable
    (text, a known state, a PIN code not ending 000)."""
    usable = [a for a in addresses if is_usable(a)]
    return next((a for a in usable if a.category == "current"), usable[0] if usable else None)


def is_usable(address: Address) -> bool:
    return (
        bool(address.text.strip())
        and (address.state or "") in STATES
        and bool(_PIN.fullmatch(address.pin))
        and not address.pin.endswith("000")
    )


def address_text(text: str) -> str:
    """An address in capitals, a space after each comma, spaces single."""
    return " ".join(text.replace(",", ", ").split()).upper()


def phone_digits(phone: str | None, shortest: int = 10, keep: int = 10) -> str | None:
    """The number's last `keep` digits, or None when it has fewer than `shortest`."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-keep:] if len(digits) >= shortest else None
