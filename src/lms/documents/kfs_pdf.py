"""The Key Facts Statement as a lender hands it to a borrower (RBI KFS format, April 2024):
the lender and the borrower, Part 1 (interest rate, fees and charges), Part 2 (other
qualitative information: recovery agents, grievances, transfer and securitisation, co-lending,
digital loans' cooling-off), the acceptance block, and the annexes (the repayment schedule and
the APR computation) kept concise.

Guarantees: every figure is the schedule's own (lms.core); amounts with the rupee sign and
Indian grouping (12,34,567.89) to the paisa, dates as 3 Dec 2026; identity numbers only
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

ACCEPT = (
    "I have read and understood these key facts, which were explained to me in a language I"
    " understand, and I accept the loan on these terms.",
    "<br/><br/>Borrower's signature: ______________________ &nbsp; Date: ____________"
    " &nbsp; Place: ____________",
)


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


def kfs_pdf(
    facts: KfsFacts, lender: Lender, borrower: Borrower, terms: LoanTerms, schedule: Schedule
) -> bytes:
    regular, text, head, title = styles()
    parts: list[object] = [
        Paragraph(f"Key Facts Statement · {facts.number}", title),
        Paragraph(f"Issued on {day(facts.issued_on)}; valid for 3 working days from then.", text),
        Spacer(1, 6),
        parties(lender, borrower, text, regular),
        Paragraph("Part 1: interest rate and fees and charges", head),
        grid([[label, Paragraph(_escape(value), text) if k else value]
               for k, (label, value) in enumerate(_part_one(facts, terms, schedule))],
              regular, widths=(200, 320)),
        Paragraph("Part 2: other qualitative information", head),
        *[Paragraph(f"<b>{k}.</b> {line}", text) for k, line in enumerate(_part_two(lender), 1)],
        Spacer(1, 8),
        KeepTogether([Paragraph("Acceptance", head), *[Paragraph(line, text) for line in ACCEPT]]),
        Paragraph("Annex: repayment schedule", head),
        grid(_schedule_rows(schedule), regular, widths=(22, 58, 62, 62, 56) * 2, small=True),
        Paragraph("Annex: computation of the APR", head),
        *[Paragraph(line, text) for line in _apr_lines(schedule)],
    ]  # fmt: skip
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Key Facts Statement {facts.number}",
                      author=lender.name, leftMargin=36, rightMargin=36, topMargin=32,
                      bottomMargin=32).build(parts)  # fmt: skip
    return out.getvalue()


def _lines(lines: list[str]) -> str:
    return "<br/>".join(_escape(line) for line in lines if line)


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lender_lines(lender: Lender) -> list[str]:
    return [lender.name, lender.address, lender.registration, lender.website]


def _borrower_lines(borrower: Borrower) -> list[str]:
    return [borrower.name, borrower.address, borrower.identity]


def _part_one(facts: KfsFacts, terms: LoanTerms, schedule: Schedule) -> list[list[str]]:
    first = schedule.installments[0]
    rows = [
        ["Key fact", "Value"],
        ["Type of loan", facts.loan_type],
        ["Sanctioned loan amount", money(terms.principal)],
        ["Loan term", f"{len(schedule.installments)} installments"],
        ["Installment (EMI)", f"{money(schedule.emi)}, {len(schedule.installments)} of them"],
        ["Repayment starts", day(first.due_date)],
        ["Interest rate (a year) and type", f"{terms.annual_rate} %, {facts.rate_type}"],
        ["Broken-period interest", f"{money(schedule.bpi)} ({terms.bpi.value.replace('_', ' ')})"],
        ["Total interest", money(schedule.total_interest)],
    ]
    rows += [[f"Fee: {f.name} (to {'the lender' if f.payee.value == 'lender' else 'a third party'})",
              f"{money(f.amount)} + tax {money(f.tax)}"] for f in schedule.fee_charges]  # fmt: skip
    rows += [
        ["Net disbursed amount", money(schedule.net_disbursed)],
        ["Total amount to be paid", money(schedule.total_payable)],
        ["Annual percentage rate (APR)", f"{schedule.apr} %"],
    ]
    rows += [
        ["Contingent charges" if k == 0 else "", line] for k, line in enumerate(facts.contingent)
    ]
    return rows


def _part_two(lender: Lender) -> list[str]:
    site = f" ({_escape(lender.website)})" if lender.website else ""
    grievance = _escape(lender.grievance_officer) or "the lender's grievance redressal officer"
    nodal = _escape(lender.nodal_officer) or "the lender's principal nodal officer"
    return [
        "Recovery agents: the lender may engage recovery agents under its board-approved policy"
        f"{site}. An agent carries identity and the lender's authorisation, calls only between"
        " 8 am and 7 pm, and never threatens or harasses; the borrower may complain of any agent.",
        f"Grievances: write to {grievance}. If not resolved in 14 days, escalate to {nodal}. If"
        " still not resolved in 30 days, complain to the RBI Ombudsman (cms.rbi.org.in).",
        "Transfer and securitisation: the lender may transfer or securitise the loan; the borrower"
        " will be told, and the terms of this statement stay as they are.",
        "Co-lending: not applicable to this loan.",
        f"Digital loans: the borrower may exit within {lender.cooling_off_days} days of"
        " disbursement (the cooling-off period) by repaying the principal and the interest"
        " for those days, without any penalty. No lending service provider acts for this loan.",
    ]


def _schedule_rows(schedule: Schedule) -> list[list[str]]:
    """Two installments to a line: #, due date, installment, principal, balance (each twice)."""
    head = ["#", "Due", "Installment", "Principal", "Balance"]
    cells = [[str(r.number), day(r.due_date), money(r.total, sign=False),
              money(r.principal, sign=False), money(r.balance, sign=False)]
             for r in schedule.installments]  # fmt: skip
    half = (len(cells) + 1) // 2
    rows = [head * 2]
    for k in range(half):
        right = cells[half + k] if half + k < len(cells) else [""] * 5
        rows.append(cells[k] + right)
    return rows


def _apr_lines(schedule: Schedule) -> list[str]:
    basis = schedule.apr_basis
    offset = basis.first_offset
    start = Decimal(offset.numerator + offset.denominator) / Decimal(offset.denominator)
    return [
        f"Cash flows: the net disbursed amount, {money(schedule.net_disbursed)}, paid out at time"
        f" 0; then each installment of the schedule above, the n-th at time"
        f" {start.quantize(Decimal('0.0001'))} + (n - 1) periods.",
        "The APR is the rate per period that makes the installments, discounted to time 0, equal"
        f" the net disbursed amount, times {basis.periods_per_year} periods a year:"
        f" <b>{schedule.apr} %</b> a year.",
    ]


def parties(lender: Lender, borrower: Borrower, text: ParagraphStyle, font: str) -> Table:
    """The lender beside the borrower, as documents open."""
    cells = [[Paragraph(f"<b>Lender</b><br/>{_lines(_lender_lines(lender))}", text),
              Paragraph(f"<b>Borrower</b><br/>{_lines(_borrower_lines(borrower))}", text)]]  # fmt: skip
    return grid(cells, font, widths=(260, 260), header=False)


def grid(
    rows: Sequence[Sequence[object]],
    font: str,
    *,
    widths: tuple[float, ...],
    header: bool = True,
    small: bool = False,
    numbers: tuple[int, int] | None = None,
) -> Table:
    """A table of the documents' look; `numbers`: the first and last columns right-aligned."""
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
