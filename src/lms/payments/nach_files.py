"""The NACH files we write and read (layouts in docs/payments.md).

The debit presentation file for the sponsor bank is fixed-width text modelled on NPCI's ACH
debit (ACH-DR) input: one header record, then one detail record per debit; amounts in paise,
dates DDMMYYYY. The bank's response file is read as CSV with the columns `reference`, `status`
(`paid` / `returned`, or NPCI's flags `1` / `0`), `reason_code` (NPCI's two-digit return
reason, empty when paid) and, optionally, `amount` (rupees); a last line whose reference is
`TOTAL` carries the control totals: the number of lines in `status`, their sum in `amount`.

Guarantees: a field too long for its width is refused (never cut); amounts are exact paise;
`read_response` names the line and the field of anything it cannot read, refuses a line cut
short (a truncated file) and control totals that disagree with the lines.
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
    amount: Decimal | None = None  # as the bank reports it, when the file has the column


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
    """The lines of a response file, checked against its control line when it has one."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NachFileError("the response file is not UTF-8 text") from None
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or not {"reference", "status"} <= set(rows.fieldnames):
        raise NachFileError("the response file needs the columns reference, status, reason_code")
    found: list[Response] = []
    control: dict[str, str] | None = None
    for number, row in enumerate(rows, start=2):
        if control is not None:
            raise NachFileError(f"line {number}: a line after the TOTAL line")
        if None in row.values() or None in row:
            raise NachFileError(f"line {number}: cut short or too long: the file is damaged")
        if row["reference"].strip().upper() == "TOTAL":
            control = row
            continue
        found.append(_response(number, row))
    if control is not None:
        _check_control(control, found)
    return found


def _response(number: int, row: dict[str, str]) -> Response:
    status = row["status"].strip().lower()
    if status not in ("paid", "returned", "1", "0"):
        raise NachFileError(f"line {number}: status {status!r} is not paid or returned")
    paid = status in ("paid", "1")
    reason = (row.get("reason_code") or "").strip()
    if not paid and not reason:
        raise NachFileError(f"line {number}: a returned debit needs its reason_code")
    amount = _amount(row.get("amount") or "", f"line {number}")
    return Response(row["reference"].strip(), paid, reason.zfill(2) if reason else "", amount)


def _amount(text: str, where: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise NachFileError(f"{where}: amount {text!r} is not an amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise NachFileError(f"{where}: amount {text!r} is not an amount in rupees and paise")
    return value


def _check_control(control: dict[str, str], lines: list[Response]) -> None:
    count = control["status"].strip()
    if not (count.isascii() and count.isdigit()) or int(count) != len(lines):
        raise NachFileError(f"TOTAL: {count} lines declared, {len(lines)} in the file")
    declared = _amount(control.get("amount") or "", "TOTAL")
    summed = sum((r.amount or Decimal(0) for r in lines), Decimal(0))
    if declared is not None and declared != summed:
        raise NachFileError(f"TOTAL: {declared} declared, the lines add up to {summed}")
