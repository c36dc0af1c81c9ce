"""An independent reader of the microfinance and commercial bureau files for the tests. It takes
each segment's fields, widths, required marks and codes (the value column's backticked
values) and the state codes from the tables of docs/bureau-formats.md (read as text, not
from the product's writer), with its own patterns for the values' forms, and checks a file
line by line, returning the records as dictionaries keyed by field name.

It checks: the header and trailer at their positions and the trailer's counts; segments in
the order the format requires (a member, her address, then her accounts; a borrower, its
address, its facility); each line with exactly the table's number of fields; every required
field present, every value within its width and of its pattern (dates of the calendar, codes
of the tables, digits); a PAN or a phone for each member; no account, member or facility
written twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "bureau-formats.md"
DATE = r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2}"
RUPEES = r"[0-9]{1,9}"
PIN = r"[1-9][0-9]{5}"
AMOUNT = r"[0-9]{1,12}"
PATTERNS = {  # the values' forms by segment and field number (codes come from the document)
    "CNSCRD": {10: DATE, 11: r"[0-9]{1,3}", 12: DATE, 19: r"[A-Z]{5}[0-9]{4}[A-Z]", 24: r"[0-9]{10}",
               25: RUPEES, 28: r"[^@\s]+@[^@\s]+"},
    "ADRCRD": {4: PIN, 7: PIN},
    "ACTCRD": {7: DATE, 10: r"[1-9][0-9]{0,2}", 14: DATE, 15: DATE, 16: DATE, 17: DATE,
               18: RUPEES, 19: RUPEES, 20: RUPEES, 21: r"[0-9]{1,3}", 23: RUPEES, 24: RUPEES,
               25: RUPEES, 26: r"[0-9]{1,3}", 27: RUPEES, 28: DATE, 30: r"[0-9]{1,3}",
               31: r"[0-9]{1,3}", 36: r"([01][0-9]|2[0-3]):[0-5][0-9]"},
    "HD": {4: DATE, 5: DATE},
    "BS": {5: r"[A-Z]{3}[PFHCTABLJG][A-Z][0-9]{4}[A-Z]"},
    "AS": {6: PIN, 8: r"[0-9]{10,15}"},
    "CR": {3: DATE, 4: AMOUNT, 6: r"[0-9]{2}", 7: r"[0-9]{1,3}", 9: AMOUNT, 10: DATE,
           11: r"[0-9]{3}", 13: AMOUNT, 14: AMOUNT, 15: DATE, 17: AMOUNT, 18: AMOUNT},
}  # fmt: skip


class RejectedError(AssertionError):
    pass


Field = tuple[str, bool, int, frozenset[str]]  # name, required, width, codes (none: any)


def _tables() -> dict[str, list[Field]]:
    """Each segment's fields from the document, in order: the codes a field takes are those
    its value column puts in backticks."""
    text = DOC.read_text()
    found: dict[str, list[Field]] = {}
    row = r"^\| (\d+) \| ([^|]+) \|\s*(yes)?\s*\| +(\d+) \| ([^\n]*)\|$"
    for segment in ("CNSCRD", "ADRCRD", "ACTCRD"):
        section = text.split(f"(`{segment}`)", 1)[1].split("###", 1)[0]
        found[segment] = _fields_of(re.findall(row, section, re.M), segment)
    commercial = text.split("## Commercial file", 1)[1].split("## States", 1)[0]
    for segment in ("HD", "BS", "AS", "CR"):
        rows = re.findall(rf"^\| {segment} \|{row[3:]}", commercial, re.M)
        found[segment] = _fields_of(rows, segment)
    return found


def _fields_of(rows: list[tuple[str, ...]], segment: str) -> list[Field]:
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1)), segment
    return [
        (name.strip(), bool(required), int(width), frozenset(re.findall(r"`([^`]+)`", value)))
        for _, name, required, width, value in rows
    ]


def _states() -> frozenset[str]:
    """The two-letter codes of the document's state table."""
    table = DOC.read_text().split("## States", 1)[1]
    return frozenset(re.findall(r"\| ([A-Z]{2}) \|", table))


TABLES = _tables()
STATE_CODES = _states()
STATE_FIELDS = {"ADRCRD": {3, 6}, "AS": {5}}


def read_microfinance(text: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(the header's fields, each member as {"member", "address", "accounts"})."""
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) < 3:
        raise RejectedError("the file must end with a line break after the trailer")
    head, trail, body = lines[0], lines[-2], lines[1:-2]
    if len(head) != 100 or not head.startswith("HDR") or len(trail) != 100:
        raise RejectedError("header and trailer are 100 characters")
    header = {"member": head[3:17].rstrip(), "previous": head[17:31], "made": head[31:39],
              "reported": head[39:47]}  # fmt: skip
    if header["previous"].strip() or head[47:].strip() or not header["member"]:
        raise RejectedError(f"bad header {head!r}")
    made, reported = (datetime.strptime(header[k], "%d%m%Y") for k in ("made", "reported"))
    if reported >= made:
        raise RejectedError(f"the reporting date is not before the day made: {head!r}")
    members: list[dict[str, Any]] = []
    for line in body:
        segment = line.split("|", 1)[0]
        fields = _fields(segment, line)
        if segment == "CNSCRD":
            members.append({"member": fields, "address": None, "accounts": []})
        elif segment == "ADRCRD" and members and members[-1]["address"] is None:
            members[-1]["address"] = fields
        elif segment == "ACTCRD" and members and members[-1]["address"] is not None:
            members[-1]["accounts"].append(fields)
        else:
            raise RejectedError(f"segment {segment} out of order")
    counts = (len(members), sum(len(m["accounts"]) for m in members))
    if trail[:23] != f"TRL{counts[0]:010d}{counts[1]:010d}" or trail[23:].strip():
        raise RejectedError(f"trailer {trail[:23]!r} does not count {counts}")
    references = [a["unique account reference"] for m in members for a in m["accounts"]]
    numbers = [a["account number"] for m in members for a in m["accounts"]]
    ids = [m["member"]["member id"] for m in members]
    if len(set(references)) < len(references) or len(set(numbers)) < len(numbers):
        raise RejectedError("an account reported twice")
    if len(set(ids)) < len(ids):
        raise RejectedError("a member written twice")
    for m in members:
        if not m["accounts"]:
            raise RejectedError("a member with no account")
        if not (m["member"]["PAN"] or m["member"]["telephone"]):
            raise RejectedError("a member with neither PAN nor telephone")
    return header, members


def read_commercial(text: str) -> tuple[dict[str, str], list[dict[str, dict[str, str]]]]:
    """(the header's fields, each facility as {"BS", "AS", "CR"})."""
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) < 3:
        raise RejectedError("the file must end with a line break after the trailer")
    header = _fields("HD", lines[0])
    facilities: list[dict[str, dict[str, str]]] = []
    order = ["BS", "AS", "CR"]
    for n, line in enumerate(lines[1:-2]):
        segment = line.split("|", 1)[0]
        if segment != order[n % 3]:
            raise RejectedError(f"line {n + 2}: {segment} where {order[n % 3]} belongs")
        if segment == "BS":
            facilities.append({})
        facilities[-1][segment] = _fields(segment, line)
    numbers = [f["CR"]["account number"] for f in facilities]
    if len(set(numbers)) < len(numbers):
        raise RejectedError("a facility reported twice")
    if lines[-2] != f"TS|{len(facilities)}|{len(facilities)}" or (len(lines) - 3) % 3:
        raise RejectedError(f"trailer {lines[-2]!r} does not count the facilities")
    return header, facilities


def _fields(segment: str, line: str) -> dict[str, str]:
    table = TABLES.get(segment)
    if table is None:
        raise RejectedError(f"unknown segment {segment!r}")
    values = line.split("|")
    if len(values) != len(table):
        raise RejectedError(f"{segment}: {len(values)} fields, the table has {len(table)}")
    found = {}
    for n, ((name, required, width, codes), value) in enumerate(zip(table, values, strict=True), 1):
        if required and not value:
            raise RejectedError(f"{segment} {n} ({name}) is required")
        if len(value) > width:
            raise RejectedError(f"{segment} {n} ({name}) is longer than {width}")
        if value and codes and value not in codes:
            raise RejectedError(f"{segment} {n} ({name}) {value!r} is not one of {sorted(codes)}")
        if value and n in STATE_FIELDS.get(segment, ()) and value not in STATE_CODES:
            raise RejectedError(f"{segment} {n} ({name}) {value!r} is not a state's code")
        pattern = PATTERNS[segment].get(n)
        if value and pattern and not re.fullmatch(pattern, value):
            raise RejectedError(f"{segment} {n} ({name}) {value!r} is not {pattern}")
        if value and pattern == DATE:
            datetime.strptime(value, "%d%m%Y")  # a day of the calendar
        found[name] = value
    return found
