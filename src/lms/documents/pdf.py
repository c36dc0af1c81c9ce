"""The loan statement as a lender hands it to a borrower: the lender and the borrower, the
loan's figures at the statement's date (product, rate, EMI, principal outstanding, overdue
with charges, DPD, the next due), the period's opening and closing principal balances, and
every line between them (payments with their split, returns, charges and fees, refunds).

Guarantees: a pure function of values (no clock: every date is passed in); amounts with the
rupee sign and Indian grouping, dates as 3 Dec 2026; the closing balance is the last line's.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from lms.documents.display import day
from lms.documents.fonts import money, styles
from lms.documents.kfs_pdf import Borrower, Lender, grid, parties
from lms.documents.statement import StatementLine

WIDTHS = (66, 82, 56, 80, 58, 54, 46, 76)  # the transactions' columns, in points (518 of A4's 523)


@dataclass(frozen=True, slots=True)
class StatementFacts:
    """The loan at the statement's date."""

    loan: str  # its number as the borrower knows it
    product: str
    annual_rate: Decimal
    emi: Decimal
    principal_outstanding: Decimal
    overdue: Decimal  # installments' principal and interest due and unpaid, and charges
    charges_due: Decimal  # of which charges (with their tax)
    dpd: int
    next_due: tuple[date, Decimal] | None  # the next installment not yet due: date, amount
    excess: Decimal  # paid ahead, held for the next due


def statement_pdf(
    facts: StatementFacts,
    lender: Lender,
    borrower: Borrower,
    period: tuple[date, date],
    lines: Sequence[StatementLine],
    opening: Decimal,
) -> bytes:
    regular, text, head, title = styles()
    since, until = period
    closing = lines[-1].balance if lines else opening
    parts: list[object] = [
        Paragraph(f"Loan statement · {facts.loan}", title),
        Paragraph(f"From {day(since)} to {day(until)}.", text),
        Spacer(1, 6),
        parties(lender, borrower, text, regular),
        Paragraph(f"The loan on {day(until)}", head),
        grid(_summary(facts), regular, widths=(200, 320)),
        Paragraph("Transactions", head),
        grid(_lines(lines, since, opening, closing), regular, widths=WIDTHS, numbers=(3, 7)),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Loan statement {facts.loan}", author=lender.name,
                      leftMargin=36, rightMargin=36, topMargin=32, bottomMargin=32).build(parts)  # fmt: skip
    return out.getvalue()


def _summary(facts: StatementFacts) -> list[list[str]]:
    upcoming = (f"{money(facts.next_due[1])} on {day(facts.next_due[0])}"
                if facts.next_due else "nothing: every installment has fallen due")  # fmt: skip
    return [
        ["", ""],
        ["Product", facts.product],
        ["Interest rate", f"{facts.annual_rate} % a year"],
        ["Installment (EMI)", money(facts.emi)],
        ["Principal outstanding", money(facts.principal_outstanding)],
        ["Overdue", f"{money(facts.overdue)} (of which charges {money(facts.charges_due)})"],
        ["Days past due", str(facts.dpd)],
        ["Next installment", upcoming],
        ["Paid ahead, held for the next due", money(facts.excess)],
    ][1:]


def _lines(
    lines: Sequence[StatementLine], since: date, opening: Decimal, closing: Decimal
) -> list[list[str]]:
    rows = [["Date", "Transaction", "Reference", "Amount", "Principal", "Interest", "Held",
             "Balance"], [day(since), "opening balance", "", "", "", "", "", money(opening)]]  # fmt: skip
    for line in lines:
        rows.append([day(line.day), line.kind, line.reference[:24],
                     f"{line.amount} %" if line.kind == "rate change" else money(line.amount),
                     *(money(v, sign=False) if v else "" for v in (line.principal, line.interest,
                                                                 line.held)),
                     money(line.balance)])  # fmt: skip
    rows.append(["", "closing balance", "", "", "", "", "", money(closing)])
    return rows
