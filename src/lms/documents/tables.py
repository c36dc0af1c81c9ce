"""A table of figures (a dashboard's, a report's) as the files people open: CSV and XLSX.

Guarantees: every value keeps its exactness (amounts are written as their decimal text in
CSV and as numbers with two places, grouped the Indian way, in XLSX; nothing goes through a
float on our side); the first row names the columns; a missing value is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

# Excel's format for 12,34,567.89 (lakhs and crores), negative amounts with a minus sign
INDIAN = "[>=10000000]##\\,##\\,##\\,##0.00;[>=100000]##\\,##\\,##0.00;##,##0.00"


def table_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def table_xlsx(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = INDIAN
    for k, name in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, k).column_letter].width = max(12, len(name) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
