"""What a microfinance manager watches: each centre's book and arrears, and the portfolio at
risk of each field officer; and a centre's collection sheet as a printable PDF.

The figures are of the loans lent through groups that are paid out and not closed:
outstanding is the principal not yet repaid; arrears are the installments (principal and
interest) fallen due before the business date and unpaid; the portfolio at risk (PAR 30) is
the principal outstanding of the loans 30 or more days past due (as the last close found them)
as a percent of all the principal outstanding, to two places, rounded half up.

Guarantees: read-only; exact Decimal sums (each figure one query, whatever the book's size);
within the branches given (None: every branch).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from lms.documents.tables import table_pdf
from lms.microfinance.models import Centre, GroupLoan, LendingGroup
from lms.microfinance.sheets import Sheet, paise
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment

ZERO = Decimal(0)
PAISA = Decimal("0.01")
PAR_DAYS = 30


@dataclass(frozen=True)
class CentreBook:
    centre_id: int
    code: str
    name: str
    branch_code: str
    field_officer: str
    groups: int
    loans: int
    outstanding: Decimal
    arrears: Decimal
    at_risk: Decimal  # the principal outstanding of loans PAR_DAYS or more past due

    @property
    def par(self) -> Decimal:
        return _percent(self.at_risk, self.outstanding)


@dataclass(frozen=True)
class OfficerBook:
    field_officer: str
    centres: int
    loans: int
    outstanding: Decimal
    at_risk: Decimal

    @property
    def par(self) -> Decimal:
        return _percent(self.at_risk, self.outstanding)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return ZERO if not whole else (part * 100 / whole).quantize(PAISA, ROUND_HALF_UP)


def centre_books(
    uow: UnitOfWork, today: date, branches: Collection[str] | None = None
) -> list[CentreBook]:
    """Every centre (within `branches`) with its book on `today`, by code."""
    i = LoanInstallment
    left = i.principal - i.principal_paid
    unpaid = i.principal + i.interest - i.principal_paid - i.interest_paid
    per_loan = (
        select(GroupLoan.centre_id.label("centre_id"), Loan.id.label("loan_id"),
               func.sum(left).label("outstanding"),
               func.sum(case((i.due_date < today, unpaid), else_=0)).label("arrears"),
               func.max(case((func.coalesce(Loan.dpd, 0) >= PAR_DAYS, 1), else_=0))
               .label("risky"))
        .join(Loan, Loan.id == GroupLoan.loan_id)
        .join(i, i.loan_id == Loan.id)
        .where(Loan.status == "active")
        .group_by(GroupLoan.centre_id, Loan.id)
    ).subquery()  # fmt: skip
    loans = (
        select(per_loan.c.centre_id, func.count().label("loans"),
               func.sum(per_loan.c.outstanding).label("outstanding"),
               func.sum(per_loan.c.arrears).label("arrears"),
               func.sum(case((per_loan.c.risky == 1, per_loan.c.outstanding), else_=0))
               .label("at_risk"))
        .group_by(per_loan.c.centre_id)
    ).subquery()  # fmt: skip
    groups = (
        select(LendingGroup.centre_id, func.count().label("groups"))
        .group_by(LendingGroup.centre_id)
        .subquery()
    )
    query = (
        select(Centre, groups.c.groups, loans.c.loans, loans.c.outstanding, loans.c.arrears,
               loans.c.at_risk)
        .outerjoin(groups, groups.c.centre_id == Centre.id)
        .outerjoin(loans, loans.c.centre_id == Centre.id)
        .order_by(Centre.code)
    )  # fmt: skip
    if branches is not None:
        query = query.where(Centre.branch_code.in_(branches))
    return [
        CentreBook(c.id, c.code, c.name, c.branch_code, c.field_officer, g or 0, n or 0,
                   paise(out), paise(arrears), paise(risk))
        for c, g, n, out, arrears, risk in uow.session.execute(query)
    ]  # fmt: skip


def officer_books(books: list[CentreBook]) -> list[OfficerBook]:
    """The centres' books summed by field officer, by name."""
    found: dict[str, OfficerBook] = {}
    for b in books:
        was = found.get(b.field_officer, OfficerBook(b.field_officer, 0, 0, ZERO, ZERO))
        found[b.field_officer] = OfficerBook(b.field_officer, was.centres + 1,
                                             was.loans + b.loans,
                                             was.outstanding + b.outstanding,
                                             was.at_risk + b.at_risk)  # fmt: skip
    return [found[name] for name in sorted(found)]


COLUMNS = ("group", "member", "loan", "installment", "arrears", "due", "collected",
           "group_cover", "present", "signature")  # fmt: skip


def sheet_pdf(sheet: Sheet) -> bytes:
    """The sheet on A4 landscape: each member's line, blank where the officer writes what was
    taken (filled in once the meeting is posted), and the totals."""
    centre = sheet.centre
    rows: list[list[object]] = [
        [r.group, r.member, r.loan_id, r.installment, r.arrears, r.due, r.collected,
         r.cover, "" if r.attended is None else "yes" if r.attended else "no", ""]
        for r in sheet.rows
    ]  # fmt: skip
    total = [sheet.total(name) for name in ("installment", "arrears", "due")]
    taken = [sheet.total("collected"), sheet.total("cover")] if sheet.meeting else [None, None]
    rows.append(["Total", f"{len(sheet.rows)} members", None, *total, *taken, "", ""])
    status = "posted" if sheet.meeting else "to be filled in at the meeting"
    note = (f"{centre.place}, {centre.meeting_time}, meets {centre.frequency}; field officer "
            f"{centre.field_officer}; branch {centre.branch_code}. Sheet {status}.")  # fmt: skip
    title = f"Collection sheet: centre {centre.code} {centre.name}, {sheet.on:%d %b %Y}"
    return table_pdf(title, note, COLUMNS, rows)
