"""The borrower's certificates and repayment schedule as a lender hands them over, each opening
with the lender and the borrower as the statement, the receipt and the KFS do:

- the repayment schedule: the loan at a date, then every installment of its current plan
  (number, due date, principal, interest, the installment, paid so far, the principal left
  after it, paid / overdue / not due) with their totals;
- the interest certificate of an Indian financial year (1 April to 31 March): the loan, the
  principal, interest and charges paid in the year, the principal outstanding at its end (or
  on the day of issue within it), and what the certificate is for (the borrower's income tax
  return; it claims no deduction);
- the no-dues certificate of a closed loan: how and when it closed, that nothing is owed.

Guarantees: pure functions of values (no clock: every date is passed in); in English or Hindi
(lms.documents.words), the figures the same; amounts with the rupee sign and Indian grouping to
the paisa, dates as 3 Dec 2026; the schedule's totals are the sums of its lines.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from lms.documents.display import day
from lms.documents.fonts import money, styles
from lms.documents.kfs_pdf import Borrower, Lender, grid, parties
from lms.documents.words import Words, words

ZERO = Decimal(0)
STATUSES = ("paid", "overdue", "not_due")
# the schedule's columns, in points (A4 less the margins is 523)
PLAN_WIDTHS = (24, 72, 66, 60, 66, 66, 72, 76)


def financial_year(first: int) -> tuple[date, date]:
    """The Indian financial year that starts in `first`: 1 April to 31 March."""
    return date(first, 4, 1), date(first + 1, 3, 31)


def year_of(day: date) -> int:
    """The year the Indian financial year holding `day` starts in."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(first: int) -> str:
    """``2026`` → ``2026-27``, as the year is named."""
    return f"{first}-{(first + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class LoanFacts:
    """The loan as the certificates and the schedule describe it."""

    loan: str  # its number as the borrower knows it
    product: str
    sanctioned: Decimal
    annual_rate: Decimal  # in force on the document's date
    disbursed_on: date


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One installment of the current plan at a date."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    paid: Decimal  # of its principal and interest, by then
    status: str  # one of STATUSES
    balance: Decimal  # the principal the plan leaves after it

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class ScheduleFacts:
    loan: LoanFacts
    as_of: date
    emi: Decimal  # the installment in force
    principal_outstanding: Decimal
    overdue: Decimal  # installments' principal and interest due and unpaid, and charges
    charges_due: Decimal  # of which charges (with their tax)


class PaidInYear(NamedTuple):
    """What a borrower paid in a financial year, by where it went."""

    principal: Decimal
    interest: Decimal
    charges: Decimal  # with their GST


@dataclass(frozen=True, slots=True)
class InterestFacts:
    loan: LoanFacts
    year: int  # the financial year's first: 2026 for 2026-27
    until: date  # the figures run to this day: the year's end, or the issue date within it
    paid: PaidInYear
    outstanding: Decimal  # principal outstanding at the day-end of `until`
    issued_on: date


@dataclass(frozen=True, slots=True)
class NoDuesFacts:
    loan: str
    closed_on: date
    foreclosed: bool
    refund_due: Decimal  # paid over what was owed, held for the borrower
    issued_on: date


def schedule_pdf(
    facts: ScheduleFacts,
    lender: Lender,
    borrower: Borrower,
    lines: Sequence[PlanLine],
    lang: str = "en",
) -> bytes:
    """The repayment schedule in `lang` (en or hi); every figure the same in both."""
    regular, text, head, title = styles(lang=lang)
    w = words(lang)
    cells = text if lang != "en" else None  # text to shape: every cell a paragraph
    on = day(facts.as_of, lang)
    parts: list[object] = [
        Paragraph(w("sc.title", loan=facts.loan.loan), title),
        Paragraph(w("sc.as_of", day=on), text),
        Spacer(1, 6),
        parties(lender, borrower, text, regular, lang),
        Paragraph(w("sc.the_loan", day=on), head),
        grid(_schedule_summary(facts, w, lang), regular, widths=(200, 320), header=False,
             cells=cells),
        Paragraph(w("sc.installments"), head),
        grid(_plan_rows(lines, w, lang), regular, widths=PLAN_WIDTHS, numbers=(2, 6),
             cells=cells),
        Spacer(1, 6),
        Paragraph(w("sc.note", day=on), text),
        Paragraph(w("ct.computer"), text),
    ]  # fmt: skip
    return _built(parts, f"Repayment schedule {facts.loan.loan}", lender, lang)


def _loan_rows(loan: LoanFacts, w: Words, lang: str) -> list[list[str]]:
    return [
        [w("rc.loan"), loan.loan],
        [w("st.product"), loan.product],
        [w("kfs.sanctioned"), money(loan.sanctioned, lang=lang)],
        [w("ct.disbursed"), day(loan.disbursed_on, lang)],
        [w("st.rate"), w("st.rate_value", rate=loan.annual_rate)],
    ]


def _schedule_summary(facts: ScheduleFacts, w: Words, lang: str) -> list[list[str]]:
    overdue = w("st.overdue_value", overdue=money(facts.overdue, lang=lang),
                charges=money(facts.charges_due, lang=lang))  # fmt: skip
    return [
        *_loan_rows(facts.loan, w, lang),
        [w("kfs.emi"), money(facts.emi, lang=lang)],
        [w("st.outstanding"), money(facts.principal_outstanding, lang=lang)],
        [w("st.overdue"), overdue],
    ]


def _plan_rows(lines: Sequence[PlanLine], w: Words, lang: str) -> list[list[str]]:
    """The header, a line per installment, and the totals."""
    rows = [["#", w("kfs.due"), w("kfs.principal"), w("st.interest"), w("kfs.installment"),
             w("sc.paid"), w("kfs.balance"), w("sc.status")]]  # fmt: skip
    rows += [[str(line.number), day(line.due_date, lang), money(line.principal, sign=False),
              money(line.interest, sign=False), money(line.total, sign=False),
              money(line.paid, sign=False), money(line.balance, sign=False),
              w(f"sc.status.{line.status}")]
             for line in lines]  # fmt: skip
    sums = [sum((getattr(line, name) for line in lines), ZERO)
            for name in ("principal", "interest", "total", "paid")]  # fmt: skip
    rows.append(["", w("ct.total"), *(money(s, sign=False) for s in sums), "", ""])
    return rows


def interest_certificate_pdf(
    facts: InterestFacts, lender: Lender, borrower: Borrower, lang: str = "en"
) -> bytes:
    """The interest certificate of the financial year in `lang` (en or hi); every figure the
    same in both."""
    regular, text, head, title = styles(lang=lang)
    w = words(lang)
    cells = text if lang != "en" else None
    year = year_label(facts.year)
    since, end = (day(d, lang) for d in financial_year(facts.year))
    until = day(facts.until, lang)
    parts: list[object] = [
        Paragraph(w("ic.title", year=year), title),
        Paragraph(w("ic.period", year=year, since=since, until=end), text),
    ]
    if facts.until < financial_year(facts.year)[1]:
        parts.append(Paragraph(w("ic.so_far", day=until), text))
    parts += [
        Spacer(1, 6),
        parties(lender, borrower, text, regular, lang),
        Paragraph(w("ic.the_loan"), head),
        grid(_loan_rows(facts.loan, w, lang), regular, widths=(200, 320), header=False,
             cells=cells),
        Paragraph(w("ic.paid", since=since, until=until), head),
        grid(_paid_rows(facts, w, lang), regular, widths=(200, 320), header=False, cells=cells),
        Spacer(1, 6),
        *[Paragraph(w(key), text) for key in ("ic.counted", "ic.purpose")],
        Paragraph(w("ct.issued", day=day(facts.issued_on, lang)), text),
        Paragraph(w("ct.computer"), text),
    ]  # fmt: skip
    return _built(parts, f"Interest certificate {year} {facts.loan.loan}", lender, lang)


def _paid_rows(facts: InterestFacts, w: Words, lang: str) -> list[list[str]]:
    paid = facts.paid
    return [
        [w("ic.principal"), money(paid.principal, lang=lang)],
        [w("ic.interest"), money(paid.interest, lang=lang)],
        [w("ic.charges"), money(paid.charges, lang=lang)],
        [w("ct.total"), money(paid.principal + paid.interest + paid.charges, lang=lang)],
        [w("ic.outstanding", day=day(facts.until, lang)), money(facts.outstanding, lang=lang)],
    ]


def no_dues_pdf(facts: NoDuesFacts, lender: Lender, borrower: Borrower, lang: str = "en") -> bytes:
    """The no-dues certificate of a closed loan in `lang` (en or hi)."""
    regular, text, _, title = styles(lang=lang)
    w = words(lang)
    cells = text if lang != "en" else None
    how = w("nd.foreclosed" if facts.foreclosed else "nd.repaid")
    closed = day(facts.closed_on, lang)
    certify = w("nd.certify", loan=facts.loan, name=borrower.name, how=how, day=closed)
    rows = [[w("rc.loan"), facts.loan], [w("nd.closed"), closed], [w("nd.how"), how]]
    parts: list[object] = [
        Paragraph(w("nd.title", loan=facts.loan), title),
        parties(lender, borrower, text, regular, lang),
        Spacer(1, 6),
        grid(rows, regular, widths=(200, 320), header=False, cells=cells),
        Spacer(1, 6),
        Paragraph(f"<b>{_escape(certify)}</b>", text),
    ]
    if facts.refund_due > 0:
        parts.append(Paragraph(w("nd.refund", amount=money(facts.refund_due, lang=lang)), text))
    parts += [
        Paragraph(w("nd.security"), text),
        Paragraph(w("ct.issued", day=day(facts.issued_on, lang)), text),
        Paragraph(w("ct.computer"), text),
    ]
    return _built(parts, f"No-dues certificate {facts.loan}", lender, lang)


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _built(parts: list[object], title: str, lender: Lender, lang: str) -> bytes:
    """The document on A4 pages with the margins of the statement and the KFS."""
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, author=lender.name, leftMargin=36,
                      rightMargin=36, topMargin=32, bottomMargin=32, lang=lang).build(parts)  # fmt: skip
    return out.getvalue()
