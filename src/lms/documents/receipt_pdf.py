"""A repayment receipt: the lender, the borrower, the loan, the amount in figures and in words,
how it was paid and where it went (principal, interest, charges, held ahead); a returned
payment's receipt says so.

Guarantee: a pure function of values; in English or Hindi (lms.documents.words), the figures
the same; amounts with the rupee sign and Indian grouping.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A5, landscape
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from lms.documents.display import day, in_words
from lms.documents.fonts import money, styles
from lms.documents.kfs_pdf import Borrower, Lender, grid, parties
from lms.documents.words import words


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    loan: str
    received_on: date
    amount: Decimal
    channel: str
    reference: str  # the UTR, cheque or receipt number
    principal: Decimal
    interest: Decimal
    charges: Decimal
    held: Decimal  # kept ahead for the next due
    returned_on: date | None  # the bank returned it (the receipt no longer stands)


def receipt_pdf(receipt: Receipt, lender: Lender, borrower: Borrower, lang: str = "en") -> bytes:
    """The receipt in `lang` (en or hi); every figure the same in both."""
    regular, text, _, title = styles(9, lang)
    w = words(lang)

    def rupees(value: Decimal) -> str:
        return money(value, lang=lang)

    rows = [
        [w("rc.loan"), receipt.loan],
        [w("rc.received"), day(receipt.received_on, lang)],
        [w("rc.amount"), rupees(receipt.amount)],
        [w("rc.words"), in_words(receipt.amount, lang)],
        [w("rc.paid_by"), w("rc.paid_by_value", channel=receipt.channel.upper(),
                            reference=receipt.reference)],
        [w("rc.applied"), w("rc.applied_value", principal=rupees(receipt.principal),
                            interest=rupees(receipt.interest), charges=rupees(receipt.charges),
                            held=rupees(receipt.held))],
    ]  # fmt: skip
    parts: list[object] = [
        Paragraph(w("rc.title", number=receipt.number), title),
        parties(lender, borrower, text, regular, lang),
        Spacer(1, 6),
        grid(
            [[Paragraph(label, text), Paragraph(value, text)] for label, value in rows],
            regular,
            widths=(110, 410),
            header=False,
        ),
    ]
    if receipt.returned_on is not None:
        said = w("rc.returned", day=day(receipt.returned_on, lang))
        parts.append(Paragraph(f"<b>{said}</b>", text))
    parts.append(Paragraph(w("rc.computer"), text))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A5), title=f"Receipt {receipt.number}",
                      author=lender.name, leftMargin=24, rightMargin=24, topMargin=20,
                      bottomMargin=20).build(parts)  # fmt: skip
    return out.getvalue()
