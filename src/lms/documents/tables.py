"""A table of figures (a dashboard's, a report's) as the files people open: CSV, XLSX, PDF.

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
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.documents.display import amount

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


def table_pdf(
    title: str, note: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bytes:
    """The table on A4 landscape pages (the header row repeated on each), amounts grouped the
    Indian way and right-aligned, under `title` and `note` (who made it, when, the filters)."""
    styles = getSampleStyleSheet()
    cells = [[c.replace("_", " ") for c in columns]]
    cells += [[amount(v) if isinstance(v, Decimal) else "" if v is None else str(v) for v in row]
              for row in rows]  # fmt: skip
    table = Table(cells, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        *[("ALIGN", (k, 1), (k, -1), "RIGHT") for k in _numeric(rows, len(columns))],
    ]))  # fmt: skip
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), title=title, author="lms",
                                 leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28)  # fmt: skip
    document.build([Paragraph(title, styles["Title"]), Paragraph(note, styles["Normal"]),
                    Spacer(1, 8), table])  # fmt: skip
    return out.getvalue()


def _numeric(rows: Sequence[Sequence[Any]], width: int) -> list[int]:
    """The columns holding numbers (amounts, counts) in every row that has a value there."""
    return [
        k for k in range(width)
        if any(row[k] is not None for row in rows)
        and all(isinstance(row[k], Decimal | int) or row[k] is None for row in rows)
    ]  # fmt: skip


MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "pdf": "application/pdf"}  # fmt: skip


def table_file(
    format: str, title: str, note: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bytes:
    """The table as a file of `format` (a key of MEDIA_TYPES); `note` is printed on a PDF."""
    if format == "csv":
        return table_csv(columns, rows).encode()
    if format == "xlsx":
        return table_xlsx(title, columns, rows)
    return table_pdf(title, note, columns, rows)
