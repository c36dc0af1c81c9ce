"""The microfinance data file of the credit information companies: the uniform format the RBI
set for microfinance loans to individuals (all four CICs take it), written as this product
fills it (docs/bureau-formats.md lists every field). Pure: records in, text out; no
database, no clock.

One line per segment: a fixed-width header (`HDR`), then for each member (the borrower) a
member segment (`CNSCRD`), an address segment (`ADRCRD`) and one account segment (`ACTCRD`)
per loan, then a fixed-width trailer (`TRL`) counting them. Inside a segment the fields are
separated by `|`, each in its place (an empty field stays empty). Dates are DDMMYYYY, amounts
whole rupees rounded half up, states the two-letter codes of the census.

Guarantees: `member_problems` and `account_problems` name every reason a record would be
rejected; `member_lines` writes only records without problems, each field within its width,
with no separator or line break inside a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.bureau.fields import (
    STATES,
    address_text,
    is_usable,
    phone_digits,
    text_fields,
    usable_address,
)
from lms.bureau.tudf import Address, ddmmyyyy, rupees

HEADER_LENGTH = TRAILER_LENGTH = 100
GENDERS = frozenset({"F", "M", "T"})
CATEGORIES = {"group": "T01", "member_of_group": "T02", "individual": "T03"}
STATUSES = {"current": "S04", "delinquent": "S05", "written_off": "S06", "closed": "S07",
            "restructured": "S08", "restructured_closed": "S09", "settled": "S10",
            "post_write_off_settled": "S11", "post_write_off_closed": "S12"}  # fmt: skip
FREQUENCIES = {"weekly": "F01", "fortnightly": "F02", "monthly": "F03", "quarterly": "F05",
               "bullet": "F08"}  # fmt: skip
KEY_PERSON_OTHER = "K15"  # the key person's relationship when the lender does not record it
MOBILE = "P03"
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MEMBER_FIELDS = (
    "segment", "member_id", "branch_id", "centre_id", "group_id", "name_1", "name_2",
    "name_3", "alternate_name", "birth_date", "age", "age_as_on", "gender", "marital_status",
    "key_person_name", "key_person_relationship", "voter_id", "uid", "pan", "ration_card",
    "other_id_type", "other_id", "phone_type", "phone", "monthly_family_income",
    "group_leader", "centre_leader", "email",
)  # fmt: skip
ADDRESS_FIELDS = ("segment", "permanent_address", "permanent_state", "permanent_pin",
                  "current_address", "current_state", "current_pin")  # fmt: skip
ACCOUNT_FIELDS = (
    "segment", "reference", "account_number", "branch_id", "centre_id", "loan_officer",
    "information_date", "category", "group_id", "cycle", "purpose", "status",
    "application_date", "sanction_date", "opened", "closed", "last_paid", "applied",
    "sanctioned", "disbursed", "installments", "frequency", "installment", "balance",
    "overdue", "dpd", "written_off", "written_off_date", "written_off_reason",
    "meetings_held", "absences", "insurance", "insurance_type", "sum_assured",
    "meeting_day", "meeting_time",
)  # fmt: skip
WIDTHS = {"member_id": 35, "branch_id": 30, "centre_id": 30, "group_id": 20, "name_1": 100,
          "name_2": 100, "name_3": 100, "key_person_name": 100, "pan": 10, "phone": 15,
          "email": 70, "permanent_address": 200, "current_address": 200, "reference": 35,
          "account_number": 35, "loan_officer": 30, "purpose": 20}  # fmt: skip
MAX_DPD = 999
_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_NAME_FORBIDDEN = re.compile(r"[0-9~!#$%^&*=|?+,@]")


@dataclass(frozen=True, slots=True)
class Borrower:
    """A member of a group (or a microfinance borrower without one) as the CICs know her."""

    member_id: str  # the lender's own customer number
    branch: str
    centre: str | None
    group: str | None
    name: str
    birth: date | None
    gender: str | None
    key_person: str | None  # another member of the household
    pan: str | None
    phone: str | None
    monthly_income: Decimal | None  # the household's, from its latest assessment
    group_leader: bool
    addresses: tuple[Address, ...]
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Loan:
    """A microfinance loan as of the reporting date."""

    reference: str  # the lender's unique reference of the account
    number: str
    branch: str
    centre: str | None
    group: str | None
    officer: str | None
    category: str  # CATEGORIES
    cycle: int  # the member's loans with the lender, this one the last
    status: str  # STATUSES
    opened: date
    closed: date | None
    last_paid: date | None
    sanctioned: Decimal
    disbursed: Decimal
    installments: int | None
    frequency: str | None  # FREQUENCIES
    installment: Decimal | None
    balance: Decimal
    overdue: Decimal
    dpd: int
    written_off: Decimal | None
    written_off_on: date | None
    meetings: int  # centre meetings held for the loan
    absences: int  # of them, those the member missed
    meeting_day: int | None  # 0 Monday ... 6 Sunday
    meeting_time: str | None  # HH:MM


def member_problems(borrower: Borrower, reported: date) -> list[str]:
    """Why the CICs would reject this member's segments (empty: none)."""
    found = []
    b = borrower
    if not b.name.strip() or len(b.name) > 300:
        found.append("name: missing, or longer than 300 characters")
    elif _NAME_FORBIDDEN.search(b.name):
        found.append("name: holds digits or characters the bureaus refuse")
    if b.birth is None:
        found.append("date_of_birth: required in the microfinance format")
    elif not date(1900, 1, 1) < b.birth < reported:
        found.append("date_of_birth: must be after 1900 and before the reporting date")
    if b.gender not in GENDERS:
        found.append("gender: required (F, M or T)")
    if b.pan is not None and not _PAN.fullmatch(b.pan):
        found.append("pan: must be 5 letters, 4 digits and a letter")
    if b.pan is None and not phone_digits(b.phone):
        found.append("identity: neither an identity number (PAN ...) nor a phone number")
    if usable_address(b.addresses) is None:
        found.append("address: none with text, a known state and a PIN code")
    return found


def account_problems(loan: Loan, reported: date) -> list[str]:
    """Why the CICs would reject this account segment (empty: none)."""
    found = []
    if not 1 <= len(loan.number) <= WIDTHS["account_number"]:
        found.append("account number: 1 to 35 characters")
    if loan.opened > reported:
        found.append("date opened: after the reporting date")
    if loan.closed is not None and loan.balance > 0:
        found.append("date closed: the account still has a balance")
    for name in ("sanctioned", "disbursed", "balance", "overdue"):
        if getattr(loan, name) < 0 or len(rupees(getattr(loan, name))) > 9:
            found.append(f"{name}: must be 0 to 999999999 rupees")
    return found


def header(member_id: str, created: date, reported: date) -> str:
    """The file's header: tag, the lender's member id (14), the previous member id (14, none),
    the day the file was made and the reporting date, then filler to 100 characters."""
    text = "HDR" + member_id.ljust(14)[:14] + " " * 14 + ddmmyyyy(created) + ddmmyyyy(reported)
    return text.ljust(HEADER_LENGTH)


def trailer(members: int, accounts: int) -> str:
    """The file's trailer: tag, the number of member segments and of account segments."""
    return ("TRL" + f"{members:010d}" + f"{accounts:010d}").ljust(TRAILER_LENGTH)


def member_lines(borrower: Borrower, loans: Sequence[Loan], reported: date) -> list[str]:
    """A member's segments: her member and address segments, then one per loan."""
    return [
        _member(borrower, reported),
        _addresses(borrower),
        *(_account(n, reported) for n in loans),
    ]


def data_file(member_id: str, created: date, reported: date, lines: Sequence[str]) -> str:
    """The whole file: header, the members' lines, and the trailer counting them."""
    members = sum(1 for line in lines if line.startswith("CNSCRD|"))
    accounts = sum(1 for line in lines if line.startswith("ACTCRD|"))
    body = [header(member_id, created, reported), *lines, trailer(members, accounts)]
    return "\n".join(body) + "\n"


def _member(b: Borrower, reported: date) -> str:
    assert b.birth is not None
    names = _name_parts(b.name)
    age = (
        reported.year
        - b.birth.year
        - ((reported.month, reported.day) < (b.birth.month, b.birth.day))
    )
    values = {
        "segment": "CNSCRD", "member_id": b.member_id, "branch_id": b.branch,
        "centre_id": b.centre, "group_id": b.group, "name_1": names[0],
        "name_2": names[1] if len(names) > 1 else None, "name_3": names[2] if len(names) > 2 else None,
        "birth_date": ddmmyyyy(b.birth), "age": str(age), "age_as_on": ddmmyyyy(reported),
        "gender": b.gender, "key_person_name": b.key_person and b.key_person.upper(),
        "key_person_relationship": KEY_PERSON_OTHER if b.key_person else None, "pan": b.pan,
        "phone_type": MOBILE if phone_digits(b.phone) else None, "phone": phone_digits(b.phone),
        "monthly_family_income": _amount(b.monthly_income),
        "group_leader": ("Y" if b.group_leader else "N") if b.group else None,
        "email": b.email if b.email and len(b.email) <= WIDTHS["email"] else None,
    }  # fmt: skip
    return text_fields(MEMBER_FIELDS, values, WIDTHS)


def _addresses(b: Borrower) -> str:
    current = usable_address(b.addresses)
    assert current is not None
    permanent = next(
        (a for a in b.addresses if a.category == "permanent" and is_usable(a)), current
    )
    values = {
        "segment": "ADRCRD", "permanent_address": address_text(permanent.text),
        "permanent_state": STATES[permanent.state or ""], "permanent_pin": permanent.pin,
        "current_address": address_text(current.text), "current_state": STATES[current.state or ""],
        "current_pin": current.pin,
    }  # fmt: skip
    return text_fields(ADDRESS_FIELDS, values, WIDTHS)


def _account(n: Loan, reported: date) -> str:
    values = {
        "segment": "ACTCRD", "reference": n.reference, "account_number": n.number,
        "branch_id": n.branch, "centre_id": n.centre, "loan_officer": n.officer,
        "information_date": ddmmyyyy(reported), "category": CATEGORIES[n.category],
        "group_id": n.group, "cycle": str(n.cycle), "status": STATUSES[n.status],
        "sanction_date": ddmmyyyy(n.opened), "opened": ddmmyyyy(n.opened),
        "closed": _date(n.closed), "last_paid": _date(n.last_paid),
        "applied": rupees(n.sanctioned), "sanctioned": rupees(n.sanctioned),
        "disbursed": rupees(n.disbursed), "installments": str(n.installments) if n.installments else None,
        "frequency": FREQUENCIES.get(n.frequency, "F10") if n.frequency else None,
        "installment": _amount(n.installment), "balance": rupees(n.balance),
        "overdue": rupees(n.overdue), "dpd": str(min(n.dpd, MAX_DPD)),
        "written_off": _amount(n.written_off),
        "written_off_date": _date(n.written_off_on),
        "meetings_held": str(n.meetings) if n.centre else None,
        "absences": str(n.absences) if n.centre else None,
        "meeting_day": None if n.meeting_day is None else WEEKDAYS[n.meeting_day],
        "meeting_time": n.meeting_time,
    }  # fmt: skip
    return text_fields(ACCOUNT_FIELDS, values, WIDTHS)


def _name_parts(name: str) -> list[str]:
    """The name in up to three fields: first, middle (all between) and last."""
    words = name.upper().split()
    if len(words) == 1:
        return words
    return [words[0], " ".join(words[1:-1]), words[-1]]


def _date(day: date | None) -> str | None:
    return None if day is None else ddmmyyyy(day)


def _amount(value: Decimal | None) -> str | None:
    return rupees(value) if value else None
