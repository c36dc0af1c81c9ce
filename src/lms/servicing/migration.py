"""Migrating a book from another system: loans (with their borrowers) and the payments each
has had, from a CSV file or an XLSX workbook, booked through the same services as loans from
an origination system, so a loan migrated mid-life has its paid installments and arrears as
if it had been served here from the start.

The files: `loans` with the columns of LOAN_COLUMNS (one loan and its borrower a row), and
`payments` with PAYMENT_COLUMNS (each payment received: the loan's external id, the day, the
amount, its reference). An XLSX workbook holds them as two sheets of those names; CSV takes
two files.

Each loan is booked, disbursed (posted on the business date, its disbursement date kept as
the value date) and paid in date order (each payment posted on the business date with its
own value date), in a savepoint of its own: a row that breaks a rule is rejected with the
reason and the rest go on. A dry run does all of it and then rolls everything back, so its
report is exactly what the import would do.

Guarantees: every rejection names the row (the file's line), the column and the reason;
nothing of a rejected loan is written; an external id already in the book is rejected (an
import run twice books nothing twice); the loans' books are those of the single services.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from lms.platform.audit import pending
from lms.platform.db import UnitOfWork
from lms.platform.errors import DomainError, InvalidError
from lms.servicing.catalog import create_customer
from lms.servicing.models import Customer, Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.payment_rules import PaymentRequest
from lms.servicing.repayments import record_payment
from lms.servicing.service import disburse_loan

LOAN_COLUMNS = ("external_id", "branch", "name", "phone", "email", "pan", "date_of_birth",
                "gender", "address", "pin", "state", "product", "principal", "annual_rate",
                "installments", "disbursement_date", "first_due_date")  # fmt: skip
REQUIRED = ("external_id", "branch", "name", "product", "principal", "annual_rate",
            "installments", "disbursement_date")  # fmt: skip
PAYMENT_COLUMNS = ("external_id", "date", "amount", "reference")


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int  # the row's line in its file or sheet (the header is line 1)
    external_id: str
    field: str
    reason: str


@dataclass(slots=True)
class Migration:
    booked: list[str] = field(default_factory=list)  # external ids
    payments: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected_rows(self) -> int:
        """How many rows were rejected (a row may have several problems)."""
        return len({(r.field == "payments", r.line) for r in self.rejected})


Row = dict[str, str]


def rows_of_csv(text: str) -> list[Row]:
    return [
        {k.strip(): (v or "").strip() for k, v in r.items() if k}
        for r in csv.DictReader(io.StringIO(text))
    ]


def sheets_of_xlsx(content: bytes) -> tuple[list[Row], list[Row]]:
    """The workbook's `loans` and `payments` sheets as rows of text."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    found: list[list[Row]] = []
    for name in ("loans", "payments"):
        if name not in book.sheetnames:
            found.append([])
            continue
        values = list(book[name].iter_rows(values_only=True))
        header = [str(h or "").strip() for h in values[0]] if values else []
        found.append(
            [{h: _text(v) for h, v in zip(header, row, strict=False) if h} for row in values[1:]]
        )
    return found[0], found[1]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):  # a spreadsheet date comes as datetime
        return str(value.date().isoformat())
    return str(value).strip()


def migrate(
    uow: UnitOfWork, loans: list[Row], payments: list[Row], *, today: date, dry_run: bool
) -> Migration:
    """Book each loan of `loans` with its `payments` (see the module); `today` the business
    date. With `dry_run` nothing stays written."""
    result = Migration(dry_run=dry_run)
    header = set(loans[0]) if loans else set()
    missing = [c for c in REQUIRED if c not in header]
    if not loans or missing:
        raise InvalidError([("loans", f"no rows, or missing columns: {', '.join(missing)}")])
    paid = _payments_by_loan(payments, result)
    outer = uow.session.begin_nested() if dry_run else None
    for line, row in enumerate(loans, start=2):
        external = row.get("external_id", "")
        problems = _loan_problems(uow, row)
        if problems:
            paid.pop(external, None)  # rejected with their loan
            result.rejected += [Rejected(line, external, f, r) for f, r in problems]
            continue
        kept = len(pending(uow.session))  # the audit records before this loan
        savepoint = uow.session.begin_nested()
        try:
            result.payments += _book(uow, row, paid.pop(external, []), today)
        except DomainError as exc:
            savepoint.rollback()
            del pending(uow.session)[kept:]  # nothing of the loan is kept, its audit neither
            result.rejected += [Rejected(line, external, f, r) for f, r in _problems_of(exc)]
            continue
        savepoint.commit()
        result.booked.append(external)
    for external, orphans in paid.items():  # payments of no loan booked by this file
        result.rejected += [Rejected(line, external, "payments", "no loan of this file has this"
                                     " external_id") for line, _ in orphans]  # fmt: skip
    if outer is not None:
        outer.rollback()
    return result


def _payments_by_loan(
    payments: list[Row], result: Migration
) -> dict[str, list[tuple[int, PaymentRequest]]]:
    found: dict[str, list[tuple[int, PaymentRequest]]] = {}
    for line, row in enumerate(payments, start=2):
        try:
            request = PaymentRequest(Decimal(row["amount"]), date.fromisoformat(row["date"]),
                                     row.get("reference") or f"MIGRATED-{line}", "migration")  # fmt: skip
        except (KeyError, ValueError, InvalidOperation):
            result.rejected.append(Rejected(line, row.get("external_id", ""), "payments",
                                            "needs a date (YYYY-MM-DD), an amount and the loan"))  # fmt: skip
            continue
        found.setdefault(row.get("external_id", ""), []).append((line, request))
    for rows in found.values():
        rows.sort(key=lambda p: (p[1].value_date, p[0]))
    return found


def _loan_problems(uow: UnitOfWork, row: Row) -> list[tuple[str, str]]:
    problems = [(c, "required") for c in REQUIRED if not row.get(c)]
    for column in ("principal", "annual_rate"):
        if row.get(column) and not _decimal(row[column]):
            problems.append((column, "a number"))
    if row.get("installments") and not row["installments"].isdigit():
        problems.append(("installments", "a whole number"))
    for column in ("disbursement_date", "first_due_date", "date_of_birth"):
        if row.get(column) and _day(row[column]) is None:
            problems.append((column, "a date, YYYY-MM-DD"))
    taken = uow.session.scalar(select(Loan.id).where(Loan.external_id == row.get("external_id")))
    if taken is not None:
        problems.append(("external_id", "already in the book"))
    return problems


def _book(
    uow: UnitOfWork, row: Row, payments: Iterable[tuple[int, PaymentRequest]], today: date
) -> int:
    customer = _customer(uow, row)
    request = LoanRequest(
        row["external_id"], row["branch"], customer.id, row["product"], Decimal(row["principal"]),
        Decimal(row["annual_rate"]), int(row["installments"]),
        date.fromisoformat(row["disbursement_date"]), _day(row.get("first_due_date", "")),
    )  # fmt: skip
    loan = onboard_loan(uow, request=request)
    disburse_loan(uow, loan_id=loan.id, posting_date=today)
    count = 0
    for _, payment in payments:
        record_payment(uow, loan_id=loan.id, request=payment, posting_date=today)
        count += 1
    return count


def _customer(uow: UnitOfWork, row: Row) -> Customer:
    """The borrower: the customer with the row's PAN if the book has one, else a new one."""
    if row.get("pan"):
        known = uow.session.scalars(
            select(Customer).where(Customer.pan_masked == f"XXXXX{row['pan'][5:9]}X")
        ).all()
        for customer in known:
            if customer.pan == row["pan"]:
                return customer
    address = [{"kind": "current", "text": row["address"], "pin": row.get("pin", ""),
                **({"state": row["state"]} if row.get("state") else {})}] if row.get("address") else []  # fmt: skip
    return create_customer(
        uow, branch_code=row["branch"], name=row["name"], phone=row.get("phone") or None,
        email=row.get("email") or None, pan=row.get("pan") or None,
        date_of_birth=_day(row.get("date_of_birth", "")), gender=row.get("gender") or None,
        addresses=address,
    )  # fmt: skip


def _problems_of(exc: DomainError) -> list[tuple[str, str]]:
    if isinstance(exc, InvalidError):
        return exc.problems
    return [("loan", str(exc))]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
