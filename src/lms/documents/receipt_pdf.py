"""A repayment receipt: the lender, the borrower, the loan, the amount in figures and in words,
how it was paid and where it went (principal, interest, charges, held ahead); a returned
payment's receipt says so.

Guarantee: a pure function of values; amounts with the rupee sign and Indian grouping.
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


def receipt_pdf(receipt: Receipt, lender: Lender, borrower: Borrower) -> bytes:
    regular, text, _, title = styles(9)
    rows = [
        ["", ""],
        ["Loan", receipt.loan],
        ["Received on", day(receipt.received_on)],
        ["Amount", money(receipt.amount)],
        ["In words", in_words(receipt.amount)],
        ["Paid by", f"{receipt.channel.upper()}, reference {receipt.reference}"],
        ["Applied to", f"principal {money(receipt.principal)}, interest {money(receipt.interest)}, "
                       f"charges {money(receipt.charges)}; held ahead {money(receipt.held)}"],
    ][1:]  # fmt: skip
    parts: list[object] = [
        Paragraph(f"Receipt · {receipt.number}", title),
        parties(lender, borrower, text, regular),
        Spacer(1, 6),
        grid(
            [[label, Paragraph(value, text)] for label, value in rows],
            regular,
            widths=(110, 410),
            header=False,
        ),
    ]
    if receipt.returned_on is not None:
        parts.append(Paragraph(f"<b>This payment was returned by the bank on "
                               f"{day(receipt.returned_on)}; this receipt no longer stands.</b>",
                               text))  # fmt: skip
    parts.append(Paragraph("A computer-made receipt; it needs no signature.", text))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A5), title=f"Receipt {receipt.number}",
                      author=lender.name, leftMargin=24, rightMargin=24, topMargin=20,
                      bottomMargin=20).build(parts)  # fmt: skip
    return out.getvalue()
