"""The loan statement as a PDF with reportlab (the Key Facts Statement is lms.documents.kfs_pdf).

Guarantees: a pure function from values to PDF bytes (no clock: every date is passed in);
amounts are shown exactly as computed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.documents.statement import COLUMNS, StatementLine

_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ]
)


def _build(title: str, parts: list[object]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="lms")
    document.build(parts)
    return buffer.getvalue()


def _table(rows: Sequence[Sequence[object]]) -> Table:
    table = Table([[str(cell) for cell in row] for row in rows], repeatRows=1)
    table.setStyle(_STYLE)
    return table


def statement_pdf(loan_label: str, as_of: date, lines: list[StatementLine]) -> bytes:
    styles = getSampleStyleSheet()
    rows = [COLUMNS, *(line.cells() for line in lines)]
    parts: list[object] = [
        Paragraph(f"Loan statement: {loan_label}", styles["Title"]),
        Paragraph(
            f"As of {as_of.isoformat()}. Balance: principal outstanding after each line.",
            styles["Normal"],
        ),
        Spacer(1, 8),
        _table(rows),
    ]
    return _build(f"Statement {loan_label}", parts)
