"""The typefaces of the PDF documents, and amounts as they print.

Guarantees: when the system has DejaVu Sans (Debian's fonts-dejavu-core, on most Linux
machines) documents use it, and amounts carry the rupee sign (₹, which the PDF base fonts
lack); without it, Helvetica and "Rs" — the same figures either way. Registered once.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lms.documents.display import amount

FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@cache
def typefaces() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab."""
    for folder in FOLDERS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def money(value: Decimal | int | None, *, sign: bool = True) -> str:
    """An amount as documents print it: ₹12,34,567.89 (Rs 12,34,567.89 without the font)."""
    if not sign or value is None:
        return amount(value)
    if typefaces()[0] == "DejaVuSans":
        return amount(value, rupee=True)
    text = amount(value)
    return f"-Rs {text[1:]}" if text.startswith("-") else f"Rs {text}"


def styles(size: float = 8.5) -> tuple[str, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """(the regular font's name, body text, a heading, the title) of the documents' look."""
    regular, bold = typefaces()
    base = getSampleStyleSheet()
    text = ParagraphStyle("doc", parent=base["Normal"], fontName=regular, fontSize=size,
                          leading=size + 2.5)  # fmt: skip
    head = ParagraphStyle("doc-h", parent=base["Heading2"], fontName=bold, fontSize=11)
    title = ParagraphStyle("doc-t", parent=base["Title"], fontName=bold, fontSize=15)
    return regular, text, head, title
