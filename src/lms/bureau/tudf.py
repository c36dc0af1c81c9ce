"""The consumer data file of the credit information companies: TransUnion CIBIL's Data Input
File Format (TUDF, version 12), which Experian, Equifax and CRIF High Mark accept in the same
layout. Pure: records in, text out; no database, no clock.

A file is a header of 146 characters, then one record per account and consumer (a name
segment, identification, telephone, e-mail and address segments, the account segment, and the
end mark `ES02**`), then `TRLR`; one stream with no line breaks. Inside a segment each field
is its two-digit tag, its two-digit length and its value; fields with no value are left out.
Dates are DDMMYYYY, amounts whole rupees (rounded half up).

Guarantees: `problems` names every reason a record would be rejected (a bureau rejects the
record, so such a record is left out of the file and listed instead); `record` writes only
records without problems, every field within its length and in ascending tag order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

VERSION = "12"
HEADER_LENGTH = 146
END = "ES02**"
TRAILER = "TRLR"
GENDERS = {"F": "1", "M": "2", "T": "3"}
ID_TYPES = {"pan": "01", "passport": "02", "voter_id": "03", "driving_licence": "04",
            "ration_card": "05", "uid": "06"}  # fmt: skip
PHONE_TYPES = {"mobile": "01", "home": "02", "office": "03"}  # anything else: 00
# an address's kind: permanent, current (where the borrower lives), office; else 04
ADDRESS_CATEGORIES = {"permanent": "01", "current": "02", "office": "03"}
OWNERSHIP = {"individual": "1", "guarantor": "3", "joint": "4"}
# states and union territories (PA 06); 99: an APO address
STATES = frozenset({f"{n:02d}" for n in range(1, 37)} | {"38", "99"})
# the account types a lender of this product reports (TL 04)
ACCOUNT_TYPES = frozenset(
    {f"{n:02d}" for n in (*range(0, 18), 21, 23, 24, *range(31, 48), *range(50, 60), 61)}
)
FREQUENCIES = {"weekly": "01", "fortnightly": "02", "monthly": "03", "quarterly": "04"}
# TL 22: how an account ended (or was restructured), when not simply paid
STATUSES = {"restructured": "00", "written_off": "02", "settled": "03",
            "post_write_off_settled": "04"}  # fmt: skip
# TL 26 by the RBI's asset class: standard, special mention, and the NPA categories
ASSET_CLASSES = {"STD": "01", "SMA": "05", "substandard": "02", "doubtful": "03", "loss": "04"}
SUIT_FILED = "01"
MAX_DPD = 900
_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_PIN = re.compile(r"[1-9][0-9]{5}")
_NAME_FORBIDDEN = re.compile(r"[0-9~!#$%^&*=|?+,@]")
_NAME_WIDTH = 26
_ADDRESS_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    state: str | None  # the two-digit code (STATES)
    pin: str
    category: str = "current"


@dataclass(frozen=True, slots=True)
class Consumer:
    """A person as the bureaus know them: name, birth, gender, ids, phones, e-mails,
    addresses."""

    name: str
    birth: date | None
    gender: str | None  # F, M, T
    ids: tuple[tuple[str, str], ...]  # (kind of ID_TYPES, number)
    phones: tuple[tuple[str, str], ...]  # (number, kind of PHONE_TYPES)
    emails: tuple[str, ...]
    addresses: tuple[Address, ...]
    entity: bool = False  # a firm or company: reported in the commercial format instead


@dataclass(frozen=True, slots=True)
class Account:
    """A loan as reported for one of its consumers, as of the reporting date."""

    number: str
    account_type: str  # ACCOUNT_TYPES
    ownership: str  # OWNERSHIP
    opened: date
    last_paid: date | None
    closed: date | None
    sanctioned: Decimal
    balance: Decimal
    overdue: Decimal
    dpd: int
    asset_class: str  # ASSET_CLASSES
    status: str | None  # STATUSES
    suit_filed: bool
    rate: Decimal
    tenure: int | None  # installments
    emi: Decimal | None
    frequency: str | None  # FREQUENCIES
    written_off: Decimal | None = None
    written_off_principal: Decimal | None = None
    settled: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """The reporting lender as a bureau knows it: its member code and short name."""

    code: str  # ten characters, issued by the bureau
    short_name: str


def rupees(amount: Decimal) -> str:
    """An amount in whole rupees, rounded half up (the bureaus take no paise)."""
    return str(int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d%m%Y")


def name_parts(name: str) -> list[str]:
    """The name in fields of 26 characters, no word split across two (at most five)."""
    parts: list[str] = []
    for word in name.upper().split():
        if parts and len(parts[-1]) + 1 + len(word) <= _NAME_WIDTH:
            parts[-1] += " " + word
        else:
            parts.append(word[:_NAME_WIDTH])
    return parts


def address_lines(text: str) -> list[str]:
    """The address in lines of 40 characters, breaking between words (at most five)."""
    lines: list[str] = []
    for word in " ".join(text.replace(",", ", ").split()).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= _ADDRESS_WIDTH:
            lines[-1] += " " + word
        else:
            lines.append(word[:_ADDRESS_WIDTH])
    return lines


def consumer_problems(consumer: Consumer, reported: date) -> list[str]:
    """Why the bureaus would reject a record of this consumer (empty: none)."""
    found = []
    if consumer.entity:
        return ["borrower: an entity, reported in the commercial (MSME) format, not this one"]
    if not consumer.name.strip() or len(name_parts(consumer.name)) > 5:
        found.append("name: missing, or longer than five fields of 26 characters")
    elif _NAME_FORBIDDEN.search(consumer.name):
        found.append("name: holds digits or characters the bureaus refuse")
    if consumer.birth is not None and not date(1900, 1, 1) < consumer.birth < reported:
        found.append("date_of_birth: must be after 1900 and before the reporting date")
    for kind, number in consumer.ids:
        if kind == "pan" and not _PAN.fullmatch(number):
            found.append("pan: must be 5 letters, 4 digits and a letter")
    if not any(_proves(kind, number) for kind, number in consumer.ids) and not [
        p for p, _ in consumer.phones if len(_digits(p)) >= 5
    ]:
        found.append("identity: neither an identity number (PAN ...) nor a phone number")
    valid = [a for a in consumer.addresses if not _address_problem(a)]
    if not valid:
        reasons = sorted({_address_problem(a) for a in consumer.addresses} - {""})
        found.append("address: " + ("; ".join(reasons) if reasons else "none on file"))
    return found


def _proves(kind: str, number: str) -> bool:
    """Whether the id satisfies the bureaus' rule of an identity number (a ration card does
    not; a PAN must be well formed)."""
    return (
        kind in ID_TYPES
        and kind != "ration_card"
        and (kind != "pan" or bool(_PAN.fullmatch(number)))
    )


def _address_problem(address: Address) -> str:
    if not address.text.strip():
        return "no text"
    if address.state not in STATES:
        return "no state code" if address.state is None else f"unknown state {address.state}"
    if not _PIN.fullmatch(address.pin) or address.pin.endswith("000"):
        return f"PIN {address.pin!r}: not a PIN code (6 digits, not ending 000)"
    if (address.state == "99") != address.pin.startswith("9"):
        return "an APO address (state 99) and only it has a PIN from 900000"
    return ""


def account_problems(account: Account, reported: date) -> list[str]:
    """Why the bureaus would reject this account segment (empty: none)."""
    found = []
    if not 1 <= len(account.number) <= 25:
        found.append("account number: 1 to 25 characters")
    if account.account_type not in ACCOUNT_TYPES:
        found.append(f"account type {account.account_type!r}: not a bureau account type")
    if account.opened > reported:
        found.append("date opened: after the reporting date")
    if account.last_paid is not None and account.last_paid < account.opened:
        found.append("date of last payment: before the date opened")
    if account.closed is not None and account.balance > 0:
        found.append("date closed: the account still has a balance")
    for name in ("sanctioned", "balance", "overdue"):
        if getattr(account, name) < 0 or len(rupees(getattr(account, name))) > 9:
            found.append(f"{name}: must be 0 to 999999999 rupees")
    return found


def record(member: Member, consumer: Consumer, account: Account, reported: date) -> str:
    """One record: the consumer's segments, the account's, and the end mark."""
    return "".join(
        (_name(consumer), _ids(consumer), _phones(consumer), _emails(consumer),
         _addresses(consumer), _account(member, account, reported), END)
    )  # fmt: skip


def header(member: Member, reported: date) -> str:
    """The file's header: 146 characters (no password: the bureaus' upload portals sign in)."""
    text = (
        "TUDF" + VERSION + member.code.ljust(30)[:30] + member.short_name.ljust(16)[:16]
        + "  " + ddmmyyyy(reported) + " " * 30 + "L" + "00000" + " " * 48
    )  # fmt: skip
    assert len(text) == HEADER_LENGTH
    return text


def data_file(member: Member, reported: date, records: Iterable[str]) -> str:
    return header(member, reported) + "".join(records) + TRAILER


def _segment(tag: str, fields: Sequence[tuple[str, str | None]]) -> str:
    """A segment: its tag, then each field with a value as tag, length and value."""
    body = "".join(f"{t}{len(v):02d}{v}" for t, v in fields if v)
    return tag + body if body else ""


def _name(consumer: Consumer) -> str:
    parts = name_parts(consumer.name)
    fields: list[tuple[str, str | None]] = [(f"{i + 1:02d}", p) for i, p in enumerate(parts)]
    fields.append(("07", _date(consumer.birth)))
    fields.append(("08", GENDERS.get(consumer.gender or "")))
    return _segment("PN03N01", fields)


def _ids(consumer: Consumer) -> str:
    known = [(ID_TYPES[k], n) for k, n in consumer.ids if _proves(k, n) or k == "ration_card"][:8]
    return "".join(
        _segment(f"ID03I{i + 1:02d}", [("01", kind), ("02", number)])
        for i, (kind, number) in enumerate(known)
    )


def _phones(consumer: Consumer) -> str:
    phones = [(_digits(p)[-20:], k) for p, k in consumer.phones if len(_digits(p)) >= 5][:10]
    return "".join(
        _segment(f"PT03T{i + 1:02d}", [("01", number), ("03", PHONE_TYPES.get(kind, "00"))])
        for i, (number, kind) in enumerate(phones)
    )


def _emails(consumer: Consumer) -> str:
    emails = [e for e in consumer.emails if e and len(e) <= 70][:10]
    return "".join(_segment(f"EC03C{i + 1:02d}", [("01", e)]) for i, e in enumerate(emails))


def _addresses(consumer: Consumer) -> str:
    valid = [a for a in consumer.addresses if not _address_problem(a)][:5]
    return "".join(_segment(f"PA03A{i + 1:02d}", _address(a)) for i, a in enumerate(valid))


def _address(address: Address) -> list[tuple[str, str | None]]:
    lines = address_lines(address.text)[:5]
    fields: list[tuple[str, str | None]] = [(f"{n + 1:02d}", line) for n, line in enumerate(lines)]
    category = ADDRESS_CATEGORIES.get(address.category, "04")
    return [*fields, ("06", address.state), ("07", address.pin), ("08", category)]


def _account(member: Member, account: Account, reported: date) -> str:
    a = account
    amount = _amount
    fields: list[tuple[str, str | None]] = [
        ("01", member.code), ("02", member.short_name[:16]), ("03", a.number),
        ("04", a.account_type), ("05", a.ownership), ("08", ddmmyyyy(a.opened)),
        ("09", _date(a.last_paid)), ("10", _date(a.closed)),
        ("11", ddmmyyyy(reported)), ("12", rupees(a.sanctioned)), ("13", rupees(a.balance)),
        ("14", amount(a.overdue)), ("15", f"{min(a.dpd, MAX_DPD):03d}"),
        ("21", SUIT_FILED if a.suit_filed else None), ("22", a.status and STATUSES[a.status]),
        ("26", ASSET_CLASSES[a.asset_class]), ("38", f"{a.rate:.2f}" if a.rate > 0 else None),
        ("39", str(a.tenure) if a.tenure else None), ("40", amount(a.emi)),
        ("41", amount(a.written_off)), ("42", amount(a.written_off_principal)),
        ("43", amount(a.settled)), ("44", a.frequency and FREQUENCIES.get(a.frequency)),
    ]  # fmt: skip
    return _segment("TL04T001", fields)


def _amount(value: Decimal | None) -> str | None:
    """A positive amount in rupees; nothing for none or zero."""
    return rupees(value) if value else None


def _date(day: date | None) -> str | None:
    return None if day is None else ddmmyyyy(day)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
