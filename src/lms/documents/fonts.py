"""The typefaces of the PDF documents, and amounts as they print.

Guarantees: English documents use DejaVu Sans when the system has it (Debian's
fonts-dejavu-core, on most Linux machines), and amounts carry the rupee sign (₹, which the PDF
base fonts lack); without it, Helvetica and "Rs" — the same figures either way. Hindi
documents use Noto Sans Devanagari (fetched from the npm registry by `scripts/bootstrap`,
kept beside this module) and are shaped by HarfBuzz, so conjuncts and vowel signs join as
they should; without that font a Hindi document is refused, never printed as boxes.
Registered once.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lms.documents.display import amount
from lms.platform.errors import ConflictError

FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
DEVANAGARI = Path(__file__).parent / "fonts"  # NotoSansDevanagari-{Regular,Bold}.ttf
RUPEE_FONTS = ("DejaVuSans", "NotoSansDevanagari")


@cache
def typefaces(lang: str = "en") -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab for documents in `lang`."""
    if lang == "hi":
        return _devanagari()
    for folder in FOLDERS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return _registered("DejaVuSans", regular, bold)
    return "Helvetica", "Helvetica-Bold"


def _devanagari() -> tuple[str, str]:
    regular = DEVANAGARI / "NotoSansDevanagari-Regular.ttf"
    bold = DEVANAGARI / "NotoSansDevanagari-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise ConflictError(
            "documents in Hindi need the Noto Sans Devanagari font: run scripts/bootstrap"
        )
    return _registered("NotoSansDevanagari", regular, bold)


def _registered(name: str, regular: Path, bold: Path) -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont(name, str(regular)))
    pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
    pdfmetrics.registerFontFamily(name, normal=name, bold=f"{name}-Bold")
    return name, f"{name}-Bold"


def money(value: Decimal | int | None, *, sign: bool = True, lang: str = "en") -> str:
    """An amount as documents print it: ₹12,34,567.89 (Rs 12,34,567.89 without the font)."""
    if not sign or value is None:
        return amount(value)
    if typefaces(lang)[0] in RUPEE_FONTS:
        return amount(value, rupee=True)
    text = amount(value)
    return f"-Rs {text[1:]}" if text.startswith("-") else f"Rs {text}"


def styles(
    size: float = 8.5, lang: str = "en"
) -> tuple[str, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """(the regular font's name, body text, a heading, the title) of the documents' look in
    `lang` (Hindi text is shaped)."""
    regular, bold = typefaces(lang)
    base = getSampleStyleSheet()
    shaping = 1 if lang == "hi" else 0
    text = ParagraphStyle("doc", parent=base["Normal"], fontName=regular, fontSize=size,
                          leading=size + (4.5 if shaping else 2.5), shaping=shaping)  # fmt: skip
    head = ParagraphStyle("doc-h", parent=base["Heading2"], fontName=bold, fontSize=11,
                          shaping=shaping)  # fmt: skip
    title = ParagraphStyle("doc-t", parent=base["Title"], fontName=bold, fontSize=15,
                           shaping=shaping)  # fmt: skip
    return regular, text, head, title
