"""An independent reader of the consumer data file (TUDF 12) for the tests: it knows the format
from its published field tables (below, written out apart from the product's writer) and
checks a file field by field, returning the records as dictionaries.

It checks: the 146-character header at its positions, the trailer, every record closed by
`ES02**`, segments in the order the format requires, field tags known, ascending and within
their maximum length, each value in its format (digits, DDMMYYYY dates of the calendar, codes
of the published tables), the fields each segment requires, the ID-or-phone rule, and at
least one address.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

DATE = r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2}"
DIGITS = r"[0-9]+"
STATES = "|".join(f"{n:02d}" for n in range(1, 37)) + "|38|99"
# segment: {field tag: (maximum length, pattern)}; the required tags beside
SPEC: dict[str, dict[str, tuple[int, str]]] = {
    "PN": {"01": (26, r"[A-Z .'/-]+"), "02": (26, r"[A-Z .'/-]+"), "03": (26, r"[A-Z .'/-]+"),
           "04": (26, r"[A-Z .'/-]+"), "05": (26, r"[A-Z .'/-]+"), "07": (8, DATE),
           "08": (1, "[123]")},
    "ID": {"01": (2, "0[1-6]"), "02": (30, r"[A-Z0-9]+"), "03": (8, DATE), "04": (8, DATE)},
    "PT": {"01": (20, r"[0-9]{5,20}"), "02": (10, DIGITS), "03": (2, "0[0-3]")},
    "EC": {"01": (70, r"[^@\s]+@[^@\s]+")},
    "PA": {"01": (40, r".+"), "02": (40, r".+"), "03": (40, r".+"), "04": (40, r".+"),
           "05": (40, r".+"), "06": (2, STATES), "07": (6, r"[1-9][0-9]{5}"),
           "08": (2, "0[1-4]"), "09": (2, "0[12]")},
    "TL": {"01": (10, r"[A-Z0-9]{10}"), "02": (16, r".+"), "03": (25, r".+"),
           "04": (2, DIGITS), "05": (1, "[1-4]"), "08": (8, DATE), "09": (8, DATE),
           "10": (8, DATE), "11": (8, DATE), "12": (9, DIGITS), "13": (9, r"[0-9]+-?"),
           "14": (9, DIGITS), "15": (3, r"[0-9]{3}"), "21": (2, "0[0-3]"),
           "22": (2, r"0[0-9]|1[0-1]"), "26": (2, "0[1-5]"), "38": (6, r"[0-9]{1,4}\.[0-9]{1,2}"),
           "39": (3, DIGITS), "40": (9, DIGITS), "41": (9, DIGITS), "42": (9, DIGITS),
           "43": (9, DIGITS), "44": (2, "0[1-4]")},
}  # fmt: skip
REQUIRED = {"PN": {"01"}, "ID": {"01", "02"}, "PT": {"01"}, "EC": {"01"}, "PA": {"01", "06", "07"},
            "TL": {"01", "02", "03", "04", "05", "08", "11", "12", "13"}}  # fmt: skip
# each segment's header: name, version, occurrence letter and how many may come
HEADERS = {"PN": ("03", "N", 1), "ID": ("03", "I", 8), "PT": ("03", "T", 10),
           "EC": ("03", "C", 10), "PA": ("03", "A", 5)}  # fmt: skip
ORDER = ["PN", "ID", "PT", "EC", "PA", "TL"]


class RejectedError(AssertionError):
    pass


def read(text: str) -> tuple[dict[str, str], list[dict[str, list[dict[str, str]]]]]:
    """(the header's fields, each record as {segment: [its occurrences' fields]})."""
    if len(text) < 150 or not text.endswith("TRLR"):
        raise RejectedError("no header or no trailer")
    head = text[:146]
    header = {"tag": head[0:4], "version": head[4:6], "member": head[6:36].rstrip(),
              "short_name": head[36:52].rstrip(), "reported": head[54:62],
              "method": head[92], "future": head[93:98]}  # fmt: skip
    if (
        header["tag"] != "TUDF"
        or header["version"] != "12"
        or not re.fullmatch(DATE, header["reported"])
    ):
        raise RejectedError(f"bad header {head!r}")
    if header["method"] not in "LA" or header["future"] != "00000":
        raise RejectedError("bad header tail")
    body = text[146:-4]
    if body and not body.endswith("ES02**"):
        raise RejectedError("the last record is not closed")
    records = [_record(r) for r in body.split("ES02**")[:-1]] if body else []
    return header, records


def _record(text: str) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    position, last = 0, -1
    while position < len(text):
        name = text[position : position + 2]
        if name not in ORDER:
            raise RejectedError(f"unknown segment at {text[position : position + 12]!r}")
        if ORDER.index(name) < last:
            raise RejectedError(f"segment {name} out of order")
        last = ORDER.index(name)
        if name == "TL":
            if text[position : position + 8] != "TL04T001" or "TL" in found:
                raise RejectedError("the account segment's header")
            position += 8
        else:
            version, letter, most = HEADERS[name]
            occurrence = len(found.get(name, [])) + 1
            if text[position : position + 7] != f"{name}{version}{letter}{occurrence:02d}":
                raise RejectedError(f"segment header {text[position : position + 7]!r}")
            if occurrence > most:
                raise RejectedError(f"more than {most} {name} segments")
            position += 7
        fields, position = _fields(name, text, position)
        found.setdefault(name, []).append(fields)
    _whole(found)
    return found


def _fields(segment: str, text: str, position: int) -> tuple[dict[str, str], int]:
    fields: dict[str, str] = {}
    previous = ""
    while position < len(text) and text[position : position + 2].isdigit():
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        value = text[position + 4 : position + 4 + length]
        if tag not in SPEC[segment] or tag <= previous:
            raise RejectedError(f"{segment} field {tag}: unknown or out of order")
        most, pattern = SPEC[segment][tag]
        if not 0 < length <= most or len(value) != length or not re.fullmatch(pattern, value):
            raise RejectedError(f"{segment} field {tag}: {value!r}")
        if pattern == DATE:
            datetime.strptime(value, "%d%m%Y")  # a real day of the calendar
        fields[tag] = value
        previous = tag
        position += 4 + length
    missing = REQUIRED[segment] - set(fields)
    if missing:
        raise RejectedError(f"{segment} lacks {sorted(missing)}")
    return fields, position


def _whole(record: dict[str, Any]) -> None:
    if "PN" not in record or "TL" not in record or "PA" not in record:
        raise RejectedError("a record needs a name, an address and an account")
    ids = [i["01"] for i in record.get("ID", []) if i["01"] in ("01", "02", "03", "04", "06")]
    if not ids and not record.get("PT"):
        raise RejectedError("neither an identity number nor a phone")
    for identity in record.get("ID", []):
        if identity["01"] == "01" and not re.fullmatch(r"[A-Z]{5}[0-9]{4}[A-Z]", identity["02"]):
            raise RejectedError(f"PAN {identity['02']!r}")
    account = record["TL"][0]
    if "15" not in account and "26" not in account:
        raise RejectedError("neither days past due nor asset classification")
