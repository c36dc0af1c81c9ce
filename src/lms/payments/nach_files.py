"""The NACH files we write and read (layouts in docs/payments.md).

The debit presentation file for the sponsor bank is fixed-width text modelled on NPCI's ACH
debit (ACH-DR) input: one header record, then one detail record per debit; amounts in paise,
dates DDMMYYYY. The bank's response file is read as CSV with the columns `reference`, `status`
(`paid` / `returned`, or NPCI's flags `1` / `0`) and `reason_code` (NPCI's two-digit return
reason, empty when paid).

Guarantees: a field too long for its width is refused (never cut); amounts are exact paise;
`read_response` names the line and the field of anything it cannot read.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class NachFileError(ValueError):
    """A NACH file that cannot be written or read."""


@dataclass(frozen=True)
class Debit:
    umrn: str
    account: str
    ifsc: str
    name: str
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class Response:
    reference: str
    paid: bool
    reason_code: str


# NPCI return reasons (the common ones; the file may carry others, kept as given)
REASONS = {
    "01": "account closed or transferred",
    "02": "no such account",
    "03": "account description does not tally",
    "04": "balance insufficient",
    "05": "not arranged for",
    "06": "payment stopped by the drawer",
    "08": "mandate not received",
    "14": "mandate expired",
    "21": "invalid UMRN or inactive mandate",
    "22": "mandate not valid for debit",
    "26": "amount exceeds the mandate's maximum",
    "61": "mandate cancelled",
    "68": "account blocked or frozen",
}
# reasons after which presenting again cannot succeed
FINAL_REASONS = frozenset({"01", "02", "03", "06", "08", "14", "21", "22", "61", "68"})


def _field(value: str, width: int, name: str, *, right: bool = False, fill: str = " ") -> str:
    if len(value) > width:
        raise NachFileError(f"{name} {value!r} is longer than {width} characters")
    return value.rjust(width, fill) if right else value.ljust(width, fill)


def _paise(amount: Decimal) -> str:
    value = amount * 100
    if value != value.to_integral_value() or value < 0:
        raise NachFileError(f"amount {amount} is not a whole, positive number of paise")
    return str(int(value))


def _ascii(text: str) -> str:
    """A name as the file's ASCII allows: accents dropped (Zoë -> Zoe), other letters out."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def presentation_file(
    debits: Sequence[Debit], *, sponsor_ifsc: str, user_code: str, settlement: date, name: str
) -> bytes:
    """The debit presentation file of one settlement date."""
    total = sum((d.amount for d in debits), Decimal(0))
    header = "".join(
        (
            "H",
            _field(sponsor_ifsc, 11, "sponsor IFSC"),
            _field(user_code, 18, "user code"),
            settlement.strftime("%d%m%Y"),
            _field(str(len(debits)), 9, "count", right=True, fill="0"),
            _field(_paise(total), 15, "total", right=True, fill="0"),
            _field(name, 40, "file name"),
        )
    )
    lines = [header]
    for d in debits:
        lines.append(
            "".join(
                (
                    "D",
                    _field(d.umrn, 20, "UMRN"),
                    _field(d.account, 35, "account"),
                    _field(d.ifsc, 11, "IFSC"),
                    _field(_ascii(d.name)[:40], 40, "name"),
                    _field(_paise(d.amount), 13, "amount", right=True, fill="0"),
                    _field(d.reference, 20, "reference"),
                    settlement.strftime("%d%m%Y"),
                )
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("ascii", errors="strict")


def read_response(content: bytes) -> list[Response]:
    """The lines of a response file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NachFileError("the response file is not UTF-8 text") from None
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or not {"reference", "status"} <= set(rows.fieldnames):
        raise NachFileError("the response file needs the columns reference, status, reason_code")
    found = []
    for number, row in enumerate(rows, start=2):
        status = (row.get("status") or "").strip().lower()
        if status not in ("paid", "returned", "1", "0"):
            raise NachFileError(f"line {number}: status {status!r} is not paid or returned")
        paid = status in ("paid", "1")
        reason = (row.get("reason_code") or "").strip()
        if not paid and not reason:
            raise NachFileError(f"line {number}: a returned debit needs its reason_code")
        found.append(
            Response((row.get("reference") or "").strip(), paid, reason.zfill(2) if reason else "")
        )
    return found
