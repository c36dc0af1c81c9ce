"""The commercial data file of the credit information companies, for loans to firms and
companies (MSME borrowers), written as this product fills it (docs/bureau-formats.md lists
every field and code). Pure: records in, text out; no database, no clock.

One line per segment, the fields separated by `|`, the first field the segment's tag: a
header (`HD`), then for each facility the borrower (`BS`), its address (`AS`) and the credit
facility (`CR`), then a trailer (`TS`) counting borrowers and facilities. Dates DDMMYYYY,
amounts whole rupees rounded half up, the state its two-letter census code.

The borrower's legal constitution is read from its PAN, whose fourth letter the Income Tax
Department assigns by the holder's status (C a company, F a firm, H a Hindu undivided family,
A an association of persons, T a trust, ...).

Guarantees: `problems` names every reason a facility would be rejected; `facility_lines`
writes only facilities without problems, with no separator or line break inside a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.bureau.fields import STATES, phone_digits, text_fields, usable_address
from lms.bureau.tudf import Address, Member, ddmmyyyy, rupees

# the PAN's fourth letter: the holder's status, and the constitution code reported
CONSTITUTIONS = {"C": "20", "F": "12", "H": "13", "A": "51", "B": "52", "T": "40",
                 "L": "60", "J": "70", "G": "80", "P": "11"}  # fmt: skip
ASSET_CLASSES = {"STD": "STD", "SMA": "SMA", "substandard": "SUB", "doubtful": "DBT",
                 "loss": "LSS"}  # fmt: skip
STATUSES = {"closed": "C", "written_off": "W", "settled": "S", "post_write_off_settled": "P",
            "restructured": "R"}  # fmt: skip
FREQUENCIES = {"weekly": "W", "fortnightly": "F", "monthly": "M", "quarterly": "Q",
               "bullet": "B"}  # fmt: skip
CURRENCY = "INR"
HEADER_FIELDS = ("segment", "member_id", "short_name", "created", "reported", "version")
BORROWER_FIELDS = ("segment", "branch", "name", "short_name", "pan", "constitution")
ADDRESS_FIELDS = ("segment", "address_1", "address_2", "address_3", "state", "pin",
                  "country", "mobile")  # fmt: skip
FACILITY_FIELDS = (
    "segment", "account_number", "sanction_date", "sanctioned", "currency", "credit_type",
    "tenure", "frequency", "balance", "closed", "dpd", "asset_class", "overdue",
    "installment", "last_paid", "status", "written_off", "settled", "suit_filed",
)  # fmt: skip
WIDTHS = {"member_id": 14, "short_name": 20, "branch": 30, "name": 100, "pan": 10,
          "address_1": 100, "address_2": 100, "address_3": 100, "mobile": 15,
          "account_number": 25, "credit_type": 2}  # fmt: skip
VERSION = "01"
_PAN = re.compile(r"[A-Z]{3}[CFHABTLJGP][A-Z][0-9]{4}[A-Z]")


@dataclass(frozen=True, slots=True)
class Business:
    """A firm or company as the CICs know it."""

    branch: str
    name: str
    pan: str | None
    addresses: tuple[Address, ...]
    mobile: str | None


@dataclass(frozen=True, slots=True)
class Facility:
    """A loan to a business as of the reporting date."""

    number: str
    credit_type: str | None  # the product's account type
    opened: date
    sanctioned: Decimal
    tenure: int | None  # installments
    frequency: str | None
    balance: Decimal
    closed: date | None
    dpd: int
    asset_class: str  # ASSET_CLASSES
    overdue: Decimal
    installment: Decimal | None
    last_paid: date | None
    status: str | None  # STATUSES
    written_off: Decimal | None
    settled: Decimal | None
    suit_filed: bool


def problems(business: Business, facility: Facility, reported: date) -> list[str]:
    """Why the CICs would reject this facility's segments (empty: none)."""
    found = []
    if not business.name.strip():
        found.append("name: missing")
    if business.pan is None or not _PAN.fullmatch(business.pan):
        found.append("pan: a business's PAN (5 letters, the fourth its status, 4 digits, a letter)")
    if usable_address(business.addresses) is None:
        found.append("address: none with text, a known state and a PIN code")
    if facility.credit_type is None:
        found.append("product: no bureau account type set")
    if not 1 <= len(facility.number) <= 25:
        found.append("account number: 1 to 25 characters")
    if facility.opened > reported:
        found.append("date opened: after the reporting date")
    for name in ("sanctioned", "balance", "overdue"):
        if getattr(facility, name) < 0 or len(rupees(getattr(facility, name))) > 12:
            found.append(f"{name}: must be 0 to 999999999999 rupees")
    return found


def header(member: Member, created: date, reported: date) -> str:
    """The header line: the lender's member id and short name, the day made, the date."""
    values = {"segment": "HD", "member_id": member.code, "short_name": member.short_name,
              "created": ddmmyyyy(created), "reported": ddmmyyyy(reported), "version": VERSION}  # fmt: skip
    return text_fields(HEADER_FIELDS, values, WIDTHS)


def facility_lines(business: Business, facility: Facility) -> list[str]:
    """A facility's segments: its borrower, the borrower's address, the facility."""
    address = usable_address(business.addresses)
    assert address is not None and business.pan is not None
    lines = _address_lines(address.text)
    borrower = {"segment": "BS", "branch": business.branch, "name": business.name.upper(),
                "short_name": business.name.upper()[:20], "pan": business.pan,
                "constitution": CONSTITUTIONS[business.pan[3]]}  # fmt: skip
    where = {"segment": "AS", "address_1": lines[0], "address_2": lines[1], "address_3": lines[2],
             "state": STATES[address.state or ""], "pin": address.pin, "country": "IN",
             "mobile": phone_digits(business.mobile, keep=15)}  # fmt: skip
    return [
        text_fields(BORROWER_FIELDS, borrower, WIDTHS),
        text_fields(ADDRESS_FIELDS, where, WIDTHS),
        text_fields(FACILITY_FIELDS, _facility(facility), WIDTHS),
    ]


def data_file(member: Member, created: date, reported: date, lines: Sequence[str]) -> str:
    """The whole file: header, the facilities' lines, and the trailer counting them."""
    borrowers = sum(1 for line in lines if line.startswith("BS|"))
    facilities = sum(1 for line in lines if line.startswith("CR|"))
    trailer = f"TS|{borrowers}|{facilities}"
    return "\n".join([header(member, created, reported), *lines, trailer]) + "\n"


def _facility(f: Facility) -> dict[str, str | None]:
    return {
        "segment": "CR", "account_number": f.number, "sanction_date": ddmmyyyy(f.opened),
        "sanctioned": rupees(f.sanctioned), "currency": CURRENCY, "credit_type": f.credit_type,
        "tenure": str(f.tenure) if f.tenure else None,
        "frequency": FREQUENCIES.get(f.frequency or "bullet"), "balance": rupees(f.balance),
        "closed": ddmmyyyy(f.closed) if f.closed else None, "dpd": f"{min(f.dpd, 999):03d}",
        "asset_class": ASSET_CLASSES[f.asset_class], "overdue": rupees(f.overdue),
        "installment": rupees(f.installment) if f.installment else None,
        "last_paid": ddmmyyyy(f.last_paid) if f.last_paid else None,
        "status": _status(f),
        "written_off": rupees(f.written_off) if f.written_off else None,
        "settled": rupees(f.settled) if f.settled else None,
        "suit_filed": "Y" if f.suit_filed else "N",
    }  # fmt: skip


def _status(f: Facility) -> str | None:
    """How the facility ended (a restructured loan since closed is closed), or None."""
    if f.status in ("written_off", "settled", "post_write_off_settled"):
        return STATUSES[f.status]
    if f.closed:
        return STATUSES["closed"]
    return STATUSES.get(f.status or "")


def _address_lines(text: str) -> list[str]:
    """The address in three lines of up to 100 characters, breaking between words."""
    lines = [""]
    for word in " ".join(text.replace(",", ", ").split()).upper().split(" "):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > 100:
            if len(lines) == 3:
                break
            lines.append(word[:100])
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()[:100]
    return [*lines, "", ""][:3]
