"""The loan statement as a lender hands it to a borrower: the lender and the borrower, the
loan's figures at the statement's date (product, rate, EMI, principal outstanding, overdue
with charges, DPD, the next due), the period's opening and closing principal balances, and
every line between them (payments with their split, returns, charges and fees, refunds).

Guarantees: a pure function of values (no clock: every date is passed in); in English or
Hindi (lms.documents.words), the figures the same; amounts with the rupee sign and Indian
grouping, dates as 3 Dec 2026; the closing balance is the last line's.
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
from lms.documents.words import Words, kind_of, words

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
    lang: str = "en",
) -> bytes:
    """The statement in `lang` (en or hi); every figure the same in both."""
    regular, text, head, title = styles(lang=lang)
    w = words(lang)
    cells = text if lang != "en" else None  # text to shape: every cell a paragraph
    since, until = period
    closing = lines[-1].balance if lines else opening
    parts: list[object] = [
        Paragraph(w("st.title", loan=facts.loan), title),
        Paragraph(w("st.period", since=day(since, lang), until=day(until, lang)), text),
        Spacer(1, 6),
        parties(lender, borrower, text, regular, lang),
        Paragraph(w("st.on", day=day(until, lang)), head),
        grid(_summary(facts, w, lang), regular, widths=(200, 320), header=False, cells=cells),
        Paragraph(w("st.transactions"), head),
        grid(_lines(lines, since, (opening, closing), lang), regular, widths=WIDTHS,
             numbers=(3, 7), cells=cells),
    ]  # fmt: skip
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Loan statement {facts.loan}", author=lender.name,
                      leftMargin=36, rightMargin=36, topMargin=32, bottomMargin=32).build(parts)  # fmt: skip
    return out.getvalue()


def _summary(facts: StatementFacts, w: Words, lang: str) -> list[list[str]]:
    def rupees(value: Decimal) -> str:
        return money(value, lang=lang)

    upcoming = (w("st.next_value", amount=rupees(facts.next_due[1]),
                  day=day(facts.next_due[0], lang))
                if facts.next_due else w("st.next_none"))  # fmt: skip
    return [
        [w("st.product"), facts.product],
        [w("st.rate"), w("st.rate_value", rate=facts.annual_rate)],
        [w("kfs.emi"), rupees(facts.emi)],
        [w("st.outstanding"), rupees(facts.principal_outstanding)],
        [w("st.overdue"), w("st.overdue_value", overdue=rupees(facts.overdue),
                            charges=rupees(facts.charges_due))],
        [w("st.dpd"), str(facts.dpd)],
        [w("st.next"), upcoming],
        [w("st.excess"), rupees(facts.excess)],
    ]  # fmt: skip


def _lines(
    lines: Sequence[StatementLine], since: date, balances: tuple[Decimal, Decimal], lang: str
) -> list[list[str]]:
    w, (opening, closing) = words(lang), balances

    def rupees(value: Decimal) -> str:
        return money(value, lang=lang)

    rows = [[w("st.date"), w("st.kind"), w("st.reference"), w("st.amount"), w("kfs.principal"),
             w("st.interest"), w("st.held"), w("kfs.balance")],
            [day(since, lang), w("st.opening"), "", "", "", "", "", rupees(opening)]]  # fmt: skip
    for line in lines:
        rows.append([day(line.day, lang), kind_of(line.kind, lang), line.reference[:24],
                     f"{line.amount} %" if line.kind == "rate change" else rupees(line.amount),
                     *(money(v, sign=False) if v else "" for v in (line.principal, line.interest,
                                                                 line.held)),
                     rupees(line.balance)])  # fmt: skip
    rows.append(["", w("st.closing"), "", "", "", "", "", rupees(closing)])
    return rows
