"""PDF documents with reportlab: the loan statement and the Key Facts Statement (KFS).

Guarantees: pure functions from values to PDF bytes (no clock: every date is passed in); the
KFS shows the RBI format's figures (amount, term, installments, rate, fees by payee, APR, net
disbursed amount, total interest and payable), the repayment schedule and the APR computation
sheet (each cash flow with its time in periods); amounts are shown exactly as computed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core.schedule import Schedule
from lms.core.terms import LoanTerms
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


def kfs_pdf(
    loan_label: str,
    kfs_number: str,
    issued_on: date,
    terms: LoanTerms,
    schedule: Schedule,
    contingent: Sequence[str] = ("none defined for this product",),
    rate_type: str = "fixed",
) -> bytes:
    styles = getSampleStyleSheet()
    facts = _facts(kfs_number, issued_on, terms, schedule, contingent, rate_type)
    fees = [("Fee", "Payable to", "Amount (Rs)", "Tax (Rs)")] + [
        (f.name, "the lender" if f.payee.value == "lender" else "a third party", f.amount, f.tax)
        for f in schedule.fee_charges
    ]
    plan = [("#", "Due date", "Principal", "Interest", "Installment", "Balance")] + [
        (r.number, r.due_date.isoformat(), r.principal, r.interest, r.total, r.balance)
        for r in schedule.installments
    ]
    parts: list[object] = [
        Paragraph(f"Key Facts Statement: {loan_label}", styles["Title"]),
        Paragraph("Part 1: interest rate and fees/charges", styles["Heading2"]),
        _table(facts),
        Spacer(1, 8),
        _table(fees) if len(fees) > 1 else Paragraph("No upfront fees.", styles["Normal"]),
        Paragraph("Repayment schedule", styles["Heading2"]),
        _table(plan),
        Paragraph("APR computation sheet", styles["Heading2"]),
        Paragraph(
            "APR = periodic internal rate of return of these cash flows x "
            f"{schedule.apr_basis.periods_per_year} periods a year = {schedule.apr} %.",
            styles["Normal"],
        ),
        _table(_cash_flows(schedule)),
    ]
    return _build(f"KFS {loan_label}", parts)


def _facts(
    kfs_number: str,
    issued_on: date,
    terms: LoanTerms,
    schedule: Schedule,
    contingent: Sequence[str],
    rate_type: str,
) -> list[tuple[str, object]]:
    """The KFS's key facts, in the RBI format's order."""
    return [
        ("Key fact", "Value"),
        ("KFS number", kfs_number),
        ("Issued on", issued_on.isoformat()),
        ("Sanctioned loan amount (Rs)", terms.principal),
        ("Loan term (installments)", len(schedule.installments)),
        ("Installment (EMI) (Rs)", schedule.emi),
        ("Commencement of repayment", schedule.installments[0].due_date.isoformat()),
        ("Interest rate (% per year) and type", f"{terms.annual_rate} {rate_type}"),
        ("Broken-period interest (Rs)", f"{schedule.bpi} ({terms.bpi.value})"),
        ("Total interest (Rs)", schedule.total_interest),
        ("Upfront fees and tax (Rs)", schedule.upfront_fees),
        ("Net disbursed amount (Rs)", schedule.net_disbursed),
        ("Total amount payable (Rs)", schedule.total_payable),
        ("Annual percentage rate (APR, %)", schedule.apr),
        *(("Contingent charges" if k == 0 else "", text) for k, text in enumerate(contingent)),
    ]


def _cash_flows(schedule: Schedule) -> list[tuple[object, ...]]:
    """The APR computation sheet: each cash flow with its time in periods."""
    offset = schedule.apr_basis.first_offset
    return [
        ("Cash flow", "Time (periods)", "Amount (Rs)"),
        ("net disbursed", "0", -schedule.net_disbursed),
        *(
            (f"installment {r.number}", _periods(offset + r.number), r.total)
            for r in schedule.installments
        ),
    ]


def _periods(time: Fraction) -> str:
    return str((Decimal(time.numerator) / Decimal(time.denominator)).quantize(Decimal("0.0001")))
