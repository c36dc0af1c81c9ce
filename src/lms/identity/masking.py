"""Personal data as a reader without the right to see it is shown it: masked, keeping just
enough to recognise (the last digits of a number, the first letter and domain of an address).

Guarantee: a masked value never holds more than four characters of the original's local part
or digits; `None` stays `None`.
"""

from __future__ import annotations

from typing import Any


def last_four(number: str | None) -> str | None:
    """``9876543210`` → ``XXXXXX3210``: a phone or account number, only its last four shown."""
    if number is None:
        return None
    return "X" * max(len(number) - 4, 0) + number[-4:]


def email(address: str | None) -> str | None:
    """``asha.rao@example.in`` → ``a***@example.in``."""
    if address is None:
        return None
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def addresses(items: list[dict[str, str]] | None) -> list[dict[str, Any]]:
    """Each address's kind and PIN code (the area), its street text hidden."""
    return [{**a, "text": "(masked)"} for a in items or []]


def account(details: dict[str, str] | None) -> dict[str, str] | None:
    """A bank account ({ifsc, account_number, holder}) with its number's last four shown."""
    if details is None:
        return None
    return {**details, "account_number": last_four(details.get("account_number", "")) or ""}
