"""Money taken over the counter and money paid back: branch cash and cheque receipts with the
day-end tally per collector, and refunds of unapplied funds with maker-checker.

Settings: $LMS_CASH_LIMIT (default 199999.99: the Income-tax Act's section 269ST forbids taking
2,00,000 or more in cash from one person in a day; counted over all of the borrower's loans).

Guarantees: a receipt and the repayment it posts are written together (the receipt number is
the repayment's reference); receipt numbers run per branch and day without gaps within a
transaction; a refund is paid only when a person other than the one who asked approves it,
and only from unapplied funds the loan holds on the day; all in the caller's unit of work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from lms.payments.models import Receipt, RefundRequest
from lms.payments.rows import locked
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Branch, Loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess


def take_receipt(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    mode: str,
    collector: str,
    day: date,
    cheque: tuple[str, str] | None = None,
    posted: date | None = None,
) -> Receipt:
    """Cash or a cheque (number, bank) for the loan, received by `collector` on `day`:
    numbered and posted as the loan's repayment on `posted` (the business date; default
    `day`), with `day` its value date."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    problems = []
    if mode not in ("cash", "cheque"):
        problems.append(("mode", "must be cash or cheque"))
    limit = get_settings().cash_limit
    if mode == "cash" and _cash_today(uow, loan.customer_id, day) + amount > limit:
        problems.append(
            ("amount", "cash of 2,00,000 or more from one person in a day is not allowed (269ST)")
        )
    if mode == "cheque" and not (cheque and cheque[0].isdigit() and len(cheque[0]) == 6):
        problems.append(("cheque_number", "a cheque needs its 6-digit number"))
    if not collector.strip():
        problems.append(("collector", "is empty"))
    if problems:
        raise InvalidError(problems)
    uow.session.scalar(  # receipts of one branch are numbered one after another
        select(Branch.code).where(Branch.code == loan.branch_code).with_for_update()
    )
    prefix = f"{loan.branch_code}-{day:%Y%m%d}-"
    taken = uow.session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.number.like(prefix + "%"))
    )
    receipt = Receipt(
        number=f"{prefix}{(taken or 0) + 1:05d}", loan_id=loan_id, branch_code=loan.branch_code,
        mode=mode, amount=amount, collected_on=day, collector=collector,
        cheque_number=cheque[0] if cheque else None, cheque_bank=cheque[1] if cheque else None,
        created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(receipt)
    uow.session.flush()
    record_payment(uow, loan_id=loan_id, request=PaymentRequest(amount, day, receipt.number, mode),
                   posting_date=posted or day)  # fmt: skip
    return receipt


def _cash_today(uow: UnitOfWork, customer_id: int, day: date) -> Decimal:
    """The cash the borrower paid on `day`, on any of their loans."""
    taken = uow.session.scalar(
        select(func.sum(Receipt.amount))
        .join(Loan, Loan.id == Receipt.loan_id)
        .where(Loan.customer_id == customer_id, Receipt.collected_on == day, Receipt.mode == "cash")
    )
    return Decimal(taken or 0)


@dataclass(frozen=True)
class Tally:
    collector: str
    receipts: int
    cash: Decimal
    cheques: Decimal


def day_tally(
    uow: UnitOfWork, *, day: date, branches: Collection[str] | None = None
) -> list[Tally]:
    """What each collector took on `day` (at `branches`, or all), for the day-end count."""
    query = (
        select(Receipt.collector, Receipt.mode, func.count(), func.sum(Receipt.amount))
        .where(Receipt.collected_on == day)
        .group_by(Receipt.collector, Receipt.mode)
    )
    if branches is not None:
        query = query.where(Receipt.branch_code.in_(sorted(branches)))
    by: dict[str, list[Decimal | int]] = {}
    for collector, mode, count, total in uow.session.execute(query):
        row = by.setdefault(collector, [0, Decimal(0), Decimal(0)])
        row[0] = int(row[0]) + count
        row[1 if mode == "cash" else 2] = Decimal(total)
    return [Tally(c, int(r[0]), Decimal(r[1]).quantize(Decimal("0.01")),
                  Decimal(r[2]).quantize(Decimal("0.01"))) for c, r in sorted(by.items())]  # fmt: skip


def request_refund(
    uow: UnitOfWork,
    *,
    loan_id: int,
    amount: Decimal,
    account: tuple[str, str, str],
    reason: str,
    by: str,
) -> RefundRequest:
    """Ask for a refund (the maker): to (holder, account number, IFSC)."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    holder, number, ifsc = account
    problems = []
    if not 0 < amount <= loan.excess:
        problems.append(
            ("amount", f"must be more than 0 and at most the unapplied funds {loan.excess:.2f}")
        )
    if len(ifsc) != 11 or ifsc[4] != "0":
        problems.append(("ifsc", "is not an IFSC"))
    if not number.isalnum() or not 6 <= len(number) <= 34:
        problems.append(("account_number", "must be 6 to 34 letters or digits"))
    if not by.strip() or not reason.strip():
        problems.append(("requested_by" if not by.strip() else "reason", "is empty"))
    if problems:
        raise InvalidError(problems)
    row = RefundRequest(
        loan_id=loan_id, amount=amount, account_holder=holder, account_number=number, ifsc=ifsc,
        reason=reason, status="requested", requested_by=by, requested_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def payout_file(uow: UnitOfWork, *, day: date, debit_account: str) -> tuple[str, bytes]:
    """The bank's bulk payment file (CSV) for the approved refunds not yet in a file: one NEFT
    per refund from the lender's `debit_account`; they are marked as in it."""
    rows = list(uow.session.scalars(
        select(RefundRequest)
        .where(RefundRequest.status == "approved", RefundRequest.payout_file.is_(None))
        .order_by(RefundRequest.id)
        .with_for_update()
    ))  # fmt: skip
    if not rows:
        raise ConflictError("no approved refunds are waiting to be paid")
    name = f"REFUNDS-{day:%Y%m%d}-{rows[0].id}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["payment_type", "debit_account", "beneficiary_name", "beneficiary_account",
                     "beneficiary_ifsc", "amount", "value_date", "reference", "narration"])  # fmt: skip
    for r in rows:
        writer.writerow(["NEFT", debit_account, r.account_holder, r.account_number, r.ifsc,
                         f"{r.amount:.2f}", day.isoformat(), f"REFUND-{r.id}",
                         f"Refund of excess paid, loan {r.loan_id}"])  # fmt: skip
        r.payout_file = name
    uow.session.flush()
    return name, out.getvalue().encode()


def decide_refund(
    uow: UnitOfWork, *, request_id: int, approve: bool, by: str, day: date, note: str | None = None
) -> RefundRequest:
    """The checker's decision; an approval pays the refund from the loan's unapplied funds."""
    row = locked(uow, RefundRequest, request_id, "refund request")
    if row.status != "requested":
        raise ConflictError(f"refund request {request_id} is {row.status} already")
    if by == row.requested_by:
        raise ConflictError("the person who asked for a refund cannot approve or reject it")
    if approve:
        refund_excess(uow, loan_id=row.loan_id, amount=row.amount, value_date=day,
                      reference=f"REFUND-{row.id}", posting_date=day)  # fmt: skip
    row.status, row.decided_by, row.decided_at, row.note = (
        "approved" if approve else "rejected", by, datetime.now(UTC), note,
    )  # fmt: skip
    uow.session.flush()
    return row
