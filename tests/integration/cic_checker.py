"""An independent reader of the microfinance and commercial bureau files for the tests. It takes
each segment's fields, widths and required marks from the tables of docs/bureau-formats.md
(read as text, not from the product's writer) and its own patterns for the values, and checks
a file line by line, returning the records as dictionaries keyed by field name.

It checks: the header and trailer at their positions and the trailer's counts; segments in
the order the format requires (a member, her address, then her accounts; a borrower, its
address, its facility); each line with exactly the table's number of fields; every required
field present, every value within its width and of its pattern (dates of the calendar, codes
of the tables, digits); a PAN or a phone for each member.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "bureau-formats.md"
DATE = r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2}"
RUPEES = r"[0-9]{1,9}"
STATE = r"[A-Z]{2}"
PATTERNS = {  # by segment and field number; fields not named take any text
    "CNSCRD": {1: "CNSCRD", 10: DATE, 11: r"[0-9]{1,3}", 12: DATE, 13: "[FMT]", 16: "K(0[1-9]|1[0-5])",
               19: r"[A-Z]{5}[0-9]{4}[A-Z]", 23: "P0[0-8]", 24: r"[0-9]{10}", 25: RUPEES,
               26: "[YN]", 28: r"[^@\s]+@[^@\s]+"},
    "ADRCRD": {1: "ADRCRD", 3: STATE, 4: r"[1-9][0-9]{5}", 6: STATE, 7: r"[1-9][0-9]{5}"},
    "ACTCRD": {1: "ACTCRD", 7: DATE, 8: "T0[1-3]", 10: r"[1-9][0-9]{0,2}", 12: "S(0[4-9]|1[0-2])",
               14: DATE, 15: DATE, 16: DATE, 17: DATE, 18: RUPEES, 19: RUPEES, 20: RUPEES,
               21: r"[0-9]{1,3}", 22: "F(0[1-8]|10)", 23: RUPEES, 24: RUPEES, 25: RUPEES,
               26: r"[0-9]{1,3}", 27: RUPEES, 28: DATE, 30: r"[0-9]{1,3}", 31: r"[0-9]{1,3}",
               35: "MON|TUE|WED|THU|FRI|SAT|SUN", 36: r"([01][0-9]|2[0-3]):[0-5][0-9]"},
    "HD": {1: "HD", 4: DATE, 5: DATE, 6: "01"},
    "BS": {1: "BS", 5: r"[A-Z]{3}[PFHCTABLJG][A-Z][0-9]{4}[A-Z]",
           6: "11|12|13|20|40|51|52|60|70|80"},
    "AS": {1: "AS", 5: STATE, 6: r"[1-9][0-9]{5}", 7: "IN", 8: r"[0-9]{10,15}"},
    "CR": {1: "CR", 3: DATE, 4: r"[0-9]{1,12}", 5: "INR", 6: r"[0-9]{2}", 7: r"[0-9]{1,3}",
           8: "[WFMQB]", 9: r"[0-9]{1,12}", 10: DATE, 11: r"[0-9]{3}", 12: "STD|SMA|SUB|DBT|LSS",
           13: r"[0-9]{1,12}", 14: r"[0-9]{1,12}", 15: DATE, 16: "[CWSPR]", 17: r"[0-9]{1,12}",
           18: r"[0-9]{1,12}", 19: "[YN]"},
}  # fmt: skip


class RejectedError(AssertionError):
    pass


def _tables() -> dict[str, list[tuple[str, bool, int | None]]]:
    """Each segment's fields from the document: (name, required, width)."""
    text = DOC.read_text()
    found: dict[str, list[tuple[str, bool, int | None]]] = {}
    for segment in ("CNSCRD", "ADRCRD", "ACTCRD"):
        section = text.split(f"(`{segment}`)", 1)[1].split("###", 1)[0]
        rows = re.findall(r"^\| (\d+) \| ([^|]+) \| (yes)? ?\| +(\d+) \|", section, re.M)
        assert [int(n) for n, *_ in rows] == list(range(1, len(rows) + 1)), segment
        found[segment] = [(name.strip(), bool(req), int(width)) for _, name, req, width in rows]
    commercial = text.split("## Commercial file", 1)[1].split("## States", 1)[0]
    for segment in ("HD", "BS", "AS", "CR"):
        rows = re.findall(
            rf"^\| {segment} \| ([\d-]+) \| ([^|]+) \|\s*([^|]*?)\s*\|", commercial, re.M
        )
        fields: list[tuple[str, bool, int | None]] = [("segment", True, None)]
        for numbers, name, required in rows:
            first, _, last = numbers.partition("-")
            for n in range(int(first), int(last or first) + 1):
                fields.append((f"{name.strip()} {n}", "yes" in required and n == int(first), 100))
        assert [f[0].rsplit(" ", 1)[-1] for f in fields[1:]] == [
            str(n) for n in range(2, len(fields) + 1)
        ], segment
        found[segment] = fields
    return found


TABLES = _tables()


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
    if header["previous"].strip() or head[47:].strip() or not re.fullmatch(DATE, header["made"]):
        raise RejectedError(f"bad header {head!r}")
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
    for n, ((name, required, width), value) in enumerate(zip(table, values, strict=True), 1):
        if required and not value:
            raise RejectedError(f"{segment} {n} ({name}) is required")
        if width is not None and len(value) > width:
            raise RejectedError(f"{segment} {n} ({name}) is longer than {width}")
        pattern = PATTERNS[segment].get(n)
        if value and pattern and not re.fullmatch(pattern, value):
            raise RejectedError(f"{segment} {n} ({name}) {value!r} is not {pattern}")
        if value and pattern == DATE:
            datetime.strptime(value, "%d%m%Y")  # a day of the calendar
        found[name] = value
    return found
