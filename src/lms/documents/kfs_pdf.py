"""The Key Facts Statement as a lender hands it to a borrower (RBI KFS format, April 2024):
the lender and the borrower, Part 1 (interest rate, fees and charges), Part 2 (other
qualitative information: recovery agents, grievances, transfer and securitisation, co-lending,
digital loans' cooling-off), the acceptance block, and the annexes (the repayment schedule and
the APR computation) kept concise.

Guarantees: in English or Hindi (lms.documents.words), every figure the schedule's own
(lms.core); amounts with the rupee sign and Indian grouping (12,34,567.89) to the paisa,
dates as 3 Dec 2026; identity numbers only
masked; the schedule is printed two installments to a line so a long loan stays short (a
180-month loan's schedule fits in two pages); the APR sheet names the cash flows and their
times and gives the rate they solve to, not a second copy of the schedule.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core.schedule import Schedule
from lms.core.terms import LoanTerms
from lms.documents.display import day
from lms.documents.fonts import money, styles
from lms.documents.words import Words, words


@dataclass(frozen=True, slots=True)
class Lender:
    name: str
    address: str
    registration: str
    website: str
    grievance_officer: str
    nodal_officer: str
    cooling_off_days: int


@dataclass(frozen=True, slots=True)
class Borrower:
    name: str
    address: str
    identity: str  # masked: "PAN XXXXX1234X; Aadhaar XXXX XXXX 1234"


@dataclass(frozen=True, slots=True)
class KfsFacts:
    """What the KFS says beside the schedule."""

    number: str
    issued_on: date
    loan_type: str  # the product's name
    rate_type: str  # fixed, or floating on a benchmark with its spread
    contingent: Sequence[str]  # penal, bounce, foreclosure charges as the product has them
    # a microfinance loan: the pricing policy's ceilings (rate a year on the reducing balance,
    # fees: percent of the loan) and the loan's own rate on the reducing balance
    pricing: tuple[Decimal, Decimal, Decimal] | None = None
    colending: CoLending | None = None  # lent jointly with a partner lender


@dataclass(frozen=True, slots=True)
class CoLending:
    """A co-lent loan's partner, the two shares and the blended rate the borrower pays."""

    partner: str
    partner_share: Decimal
    own_share: Decimal
    blended_rate: Decimal


def kfs_pdf(
    facts: KfsFacts,
    lender: Lender,
    borrower: Borrower,
    terms: LoanTerms,
    schedule: Schedule,
    lang: str = "en",
) -> bytes:
    """The KFS in `lang` (en or hi); every figure the same in both."""
    regular, text, head, title = styles(lang=lang)
    w = words(lang)
    cells = text if lang != "en" else None  # text to shape: every cell a paragraph
    small = ParagraphStyle("doc-s", parent=text, fontSize=7, leading=9) if cells else None
    parts: list[object] = [
        Paragraph(w("kfs.title", number=facts.number), title),
        Paragraph(w("kfs.issued", on=day(facts.issued_on, lang)), text),
        Spacer(1, 6),
        parties(lender, borrower, text, regular, lang),
        Paragraph(w("kfs.part1"), head),
        grid([[label, Paragraph(_escape(value), text) if k else value]
              for k, (label, value) in enumerate(_part_one(facts, terms, schedule, lang))],
             regular, widths=(200, 320), cells=cells),
        Paragraph(w("kfs.part2"), head),
        *[Paragraph(f"<b>{k}.</b> {line}", text)
          for k, line in enumerate(_part_two(lender, w, facts.colending), 1)],
        Spacer(1, 8),
        KeepTogether([Paragraph(w("kfs.acceptance"), head), Paragraph(w("kfs.accept"), text),
                      Paragraph("<br/><br/>" + w("kfs.sign"), text)]),
        Paragraph(w("kfs.annex_schedule"), head),
        grid(_schedule_rows(schedule, w, lang), regular, widths=(22, 58, 62, 62, 56) * 2,
             small=True, cells=small),
        Paragraph(w("kfs.annex_apr"), head),
        *[Paragraph(line, text) for line in _apr_lines(schedule, w, lang)],
    ]  # fmt: skip
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Key Facts Statement {facts.number}",
                      author=lender.name, leftMargin=36, rightMargin=36, topMargin=32,
                      bottomMargin=32, lang=lang).build(parts)  # fmt: skip
    return out.getvalue()


def _lines(lines: list[str]) -> str:
    return "<br/>".join(_escape(line) for line in lines if line)


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lender_lines(lender: Lender) -> list[str]:
    return [lender.name, lender.address, lender.registration, lender.website]


def _borrower_lines(borrower: Borrower) -> list[str]:
    return [borrower.name, borrower.address, borrower.identity]


def _part_one(facts: KfsFacts, terms: LoanTerms, schedule: Schedule, lang: str) -> list[list[str]]:
    w, count = words(lang), len(schedule.installments)
    term = count + terms.advance_emis  # advance EMIs are installments of the term too

    def rupees(value: Decimal) -> str:
        return money(value, lang=lang)

    rows = [
        [w("kfs.key_fact"), w("kfs.value")],
        [w("kfs.loan_type"), facts.loan_type],
        [w("kfs.sanctioned"), rupees(terms.principal)],
        [w("kfs.term"), w("kfs.installments", n=term) if term > 1 else w("kfs.installment_one")],
        [w("kfs.emi"), w("kfs.emi_value", emi=rupees(schedule.emi), n=count) if count > 1
         else w("kfs.emi_one", emi=rupees(schedule.emi))],
        [w("kfs.starts"), day(schedule.installments[0].due_date, lang)],
        [w("kfs.rate"), w("kfs.rate_value", rate=terms.annual_rate, kind=facts.rate_type)],
        [w("kfs.bpi"), w("kfs.bpi_value", amount=rupees(schedule.bpi),
                         treatment=w(f"bpi.{terms.bpi.value}"))],
        [w("kfs.total_interest"), rupees(schedule.total_interest)],
    ]  # fmt: skip
    if schedule.advance:
        ahead = terms.advance_emis
        rows.insert(4, [w("kfs.advance"), w("kfs.advance_value", n=ahead, amount=rupees(
            schedule.advance), start=day(terms.disbursement_date, lang))])  # fmt: skip
    rows += [[w("kfs.fee", name=f.name, payee=w("kfs.to_lender" if f.payee.value == "lender"
                                                else "kfs.to_third_party")),
              w("kfs.fee_value", amount=rupees(f.amount), tax=rupees(f.tax))]
             for f in schedule.fee_charges]  # fmt: skip
    rows += [
        [w("kfs.net_disbursed"), rupees(schedule.net_disbursed)],
        [w("kfs.total_payable"), rupees(schedule.total_payable)],
        [w("kfs.apr"), f"{schedule.apr} %"],
    ]
    rows += [
        [w("kfs.contingent") if k == 0 else "", line] for k, line in enumerate(facts.contingent)
    ]
    if facts.pricing is not None:
        rate, fees, own = facts.pricing
        rows.append([w("kfs.pricing"), w("kfs.pricing_value", rate=rate, fees=fees, own=own)])
    return rows


def _part_two(lender: Lender, w: Words, colending: CoLending | None) -> list[str]:
    site = f" ({_escape(lender.website)})" if lender.website else ""
    grievance = _escape(lender.grievance_officer) or w("kfs.grievance_officer")
    nodal = _escape(lender.nodal_officer) or w("kfs.nodal_officer")
    return [
        w("kfs.recovery", site=site),
        w("kfs.grievances", grievance=grievance, nodal=nodal),
        w("kfs.transfer"),
        w("kfs.colending")
        if colending is None
        else w(
            "kfs.colending_terms",
            lender=_escape(lender.name),
            partner=_escape(colending.partner),
            own=f"{colending.own_share.normalize():f}",
            share=f"{colending.partner_share.normalize():f}",
            rate=f"{colending.blended_rate.normalize():f}",
        ),
        w("kfs.digital", days=lender.cooling_off_days),
    ]


def _schedule_rows(schedule: Schedule, w: Words, lang: str) -> list[list[str]]:
    """Two installments to a line: #, due date, installment, principal, balance (each twice)."""
    head = ["#", w("kfs.due"), w("kfs.installment"), w("kfs.principal"), w("kfs.balance")]
    cells = [[str(r.number), day(r.due_date, lang), money(r.total, sign=False),
              money(r.principal, sign=False), money(r.balance, sign=False)]
             for r in schedule.installments]  # fmt: skip
    half = (len(cells) + 1) // 2
    rows = [head * 2]
    for k in range(half):
        right = cells[half + k] if half + k < len(cells) else [""] * 5
        rows.append(cells[k] + right)
    return rows


def _apr_lines(schedule: Schedule, w: Words, lang: str) -> list[str]:
    basis = schedule.apr_basis
    offset = basis.first_offset
    start = Decimal(offset.numerator + offset.denominator) / Decimal(offset.denominator)
    return [
        w("kfs.apr_flows", net=money(schedule.net_disbursed, lang=lang),
          start=start.quantize(Decimal("0.0001"))),
        w("kfs.apr_rate", periods=basis.periods_per_year, apr=schedule.apr),
    ]  # fmt: skip


def parties(
    lender: Lender, borrower: Borrower, text: ParagraphStyle, font: str, lang: str = "en"
) -> Table:
    """The lender beside the borrower, as documents open."""
    w = words(lang)
    cells = [[Paragraph(f"<b>{w('lender')}</b><br/>{_lines(_lender_lines(lender))}", text),
              Paragraph(f"<b>{w('borrower')}</b><br/>{_lines(_borrower_lines(borrower))}", text)]]  # fmt: skip
    return grid(cells, font, widths=(260, 260), header=False)


def grid(
    rows: Sequence[Sequence[object]],
    font: str,
    *,
    widths: tuple[float, ...],
    header: bool = True,
    small: bool = False,
    numbers: tuple[int, int] | None = None,
    cells: ParagraphStyle | None = None,
) -> Table:
    """A table of the documents' look; `numbers`: the first and last columns right-aligned;
    `cells`: text cells become paragraphs of that style (Hindi must be shaped)."""
    if cells is not None:
        rows = [[_cell(v, cells) for v in row] for row in rows]
    table = Table(
        [list(row) for row in rows], colWidths=list(widths), repeatRows=1 if header else 0
    )
    size = 7 if small else 8.5
    style = [("FONT", (0, 0), (-1, -1), font, size), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]  # fmt: skip
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    if small:
        style += [("ALIGN", (2, 1), (4, -1), "RIGHT"), ("ALIGN", (7, 1), (9, -1), "RIGHT"),
                  ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]  # fmt: skip
    if numbers is not None:
        style.append(("ALIGN", (numbers[0], 1), (numbers[1], -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def _cell(value: object, style: ParagraphStyle) -> object:
    """A text cell as a paragraph (an amount's only if it holds more than digits: it stays
    a string, right-aligned by the table)."""
    if (
        not isinstance(value, str)
        or not value
        or value.lstrip("-₹").replace(",", "").replace(".", "").isdigit()
    ):
        return value
    return Paragraph(_escape(value), style)
