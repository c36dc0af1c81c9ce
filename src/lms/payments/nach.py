"""NACH and eNACH: mandates registered and tracked, debits presented for dues falling due.

- A mandate is registered (via the API or a bulk CSV file) as pending; the sponsor bank's
  acceptance makes it active with its UMRN, or rejected with a reason; it can be cancelled,
  and one past its end date expires.
- Each day the close presents, for every loan with an active mandate, what falls due that day
  (a fixed mandate: its amount, if that is what is due; a maximum mandate: what is due, up to
  its maximum), and again a debit returned for a reason that is not final, after
  $LMS_NACH_REPRESENT_AFTER days (default 3), up to $LMS_NACH_ATTEMPTS presentations in all
  (default 2). A presented debit is posted at once as the loan's repayment on its settlement
  date (reference = the presentation's), as the sponsor bank debits it that day.
- A debit the loan's repayment path refuses (a closed loan, say) is kept as refused, out of
  the file.
- The response file marks each debit paid or returned (lms.payments.nach_responses).

Guarantees: one presentation per loan, due date and attempt; all in the caller's unit of
work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lms.notices.service import queue_notice
from lms.payments.models import Mandate, Presentation
from lms.payments.nach_files import (
    FINAL_REASONS,
    Debit,
    NachFileError,
    presentation_file,
)
from lms.payments.rows import locked
from lms.payments.upi import autopay_limit
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.bulk_payments import post_payments
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.repayments import PaymentRequest

KINDS = ("nach", "enach", "upi_autopay")
FREQUENCIES, AMOUNT_TYPES = ("monthly", "as_presented"), ("fixed", "maximum")


@dataclass(frozen=True)
class MandateRequest:
    kind: str
    frequency: str
    amount_type: str
    amount: Decimal
    start_date: date
    end_date: date | None
    debtor_name: str
    debtor_account: str
    debtor_ifsc: str
    umrn: str | None = None


def register_mandate(uow: UnitOfWork, *, loan_id: int, request: MandateRequest) -> Mandate:
    """A new mandate for the loan: pending, or active if its UMRN is already known."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    problems = _problems(request)
    if problems:
        raise InvalidError(problems)
    now = datetime.now(UTC)
    mandate = Mandate(
        loan_id=loan_id, umrn=request.umrn, kind=request.kind, frequency=request.frequency,
        amount_type=request.amount_type, amount=request.amount, start_date=request.start_date,
        end_date=request.end_date, debtor_name=request.debtor_name,
        debtor_account=request.debtor_account, debtor_ifsc=request.debtor_ifsc.upper(),
        status="active" if request.umrn else "pending", created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(mandate)
    uow.session.flush()
    return mandate


def _problems(r: MandateRequest) -> list[tuple[str, str]]:
    found = []
    for name, value, allowed in (("kind", r.kind, KINDS), ("frequency", r.frequency, FREQUENCIES),
                                 ("amount_type", r.amount_type, AMOUNT_TYPES)):  # fmt: skip
        if value not in allowed:
            found.append((name, f"must be one of {', '.join(allowed)}"))
    if r.amount <= 0 or r.amount != r.amount.quantize(Decimal("0.01")):
        found.append(("amount", "must be above 0, in whole paise"))
    if r.end_date is not None and r.end_date < r.start_date:
        found.append(("end_date", "is before the start date"))
    if r.kind == "upi_autopay":
        found.extend(_upi_problems(r))
    else:
        if len(r.debtor_ifsc) != 11 or r.debtor_ifsc[4] != "0" or not r.debtor_ifsc[:4].isalpha():
            found.append(("debtor_ifsc", "is not an IFSC (4 letters, 0, 6 letters or digits)"))
        if not r.debtor_account.isalnum() or not 6 <= len(r.debtor_account) <= 34:
            found.append(("debtor_account", "must be 6 to 34 letters or digits"))
    if r.umrn is not None and not (r.umrn.isalnum() and len(r.umrn) == 20):
        found.append(("umrn", "must be 20 letters or digits"))
    if not r.debtor_name.strip():
        found.append(("debtor_name", "is empty"))
    return found


def _upi_problems(r: MandateRequest) -> list[tuple[str, str]]:
    """A UPI AutoPay mandate debits the payer's UPI address, within the per-debit limit."""
    found = []
    if "@" not in r.debtor_account or len(r.debtor_account) > 34:
        found.append(("debtor_account", "must be the payer's UPI address (name@handle)"))
    if r.debtor_ifsc:
        found.append(("debtor_ifsc", "a UPI AutoPay mandate has no IFSC"))
    if r.amount > autopay_limit():
        found.append(("amount", f"is above the UPI AutoPay limit per debit, {autopay_limit()}"))
    return found


def set_mandate_status(
    uow: UnitOfWork,
    *,
    mandate_id: int,
    status: str,
    umrn: str | None = None,
    reason: str | None = None,
) -> Mandate:
    """The sponsor bank's answer or the lender's decision: active (with its UMRN), rejected or
    cancelled (with a reason). Only a pending mandate is accepted or rejected; only a pending
    or active one is cancelled."""
    mandate = locked(uow, Mandate, mandate_id, "mandate")
    allowed = {"active": ("pending",), "rejected": ("pending",), "cancelled": ("pending", "active")}
    if status not in allowed:
        raise InvalidError([("status", "must be active, rejected or cancelled")])
    if mandate.status not in allowed[status]:
        raise ConflictError(f"mandate {mandate_id} is {mandate.status}; it cannot become {status}")
    if status == "active" and not (umrn and umrn.isalnum() and len(umrn) == 20):
        raise InvalidError([("umrn", "an active mandate needs its 20-character UMRN")])
    if status != "active" and not reason:
        raise InvalidError([("reason", f"a {status} mandate needs a reason")])
    mandate.status, mandate.reason, mandate.updated_at = status, reason, datetime.now(UTC)
    if umrn:
        mandate.umrn = umrn
    uow.session.flush()
    return mandate


def present_due(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """The close's presentations of `day` for the loans `low`..`high` (see the module's text),
    each posted at once; returns how many were presented."""
    _expire(uow, day, low, high)
    _pre_debit_notices(uow, day, low, high)
    wanted = _first_presentations(uow, day, low, high) + _represent(uow, day, low, high)
    if not wanted:
        return 0
    now = datetime.now(UTC)
    rows = [
        Presentation(
            mandate_id=mandate, loan_id=loan_id, due_date=due, attempt=attempt, amount=amount,
            presented_on=day, reference=f"N{due:%y%m%d}{loan_id:09d}{attempt:02d}",
            status="presented", created_at=now,
        )  # the reference is unique as (loan, due date, attempt) is
        for mandate, loan_id, due, attempt, amount in wanted
    ]  # fmt: skip
    uow.session.add_all(rows)
    uow.session.flush()
    requests = [(r.loan_id, PaymentRequest(r.amount, day, r.reference, "nach")) for r in rows]
    for row, outcome in zip(rows, post_payments(uow, requests, posting_date=day), strict=True):
        if outcome.error is not None:  # not presented: kept, out of the file, with the reason
            row.status, row.reason_code, row.resolved_at = "refused", None, now
    return len(rows)


def _pre_debit_notices(uow: UnitOfWork, day: date, low: int, high: int) -> None:
    """UPI AutoPay: tell each payer today what will be debited tomorrow (at least 24 hours
    before the debit, as the rules require)."""
    tomorrow = day + timedelta(days=1)
    for mandate, loan_id, kind, limit, due in _due_under_mandates(
        uow, tomorrow, low, high, "upi_autopay"
    ):
        amount = _presentable(kind, limit, Decimal(due))
        if amount:
            queue_notice(uow, loan_id=loan_id, template="upi_autopay_predebit", day=day, data={
                "amount": str(amount), "debit_date": tomorrow.isoformat(), "mandate": mandate})  # fmt: skip


def _expire(uow: UnitOfWork, day: date, low: int, high: int) -> None:
    for mandate in uow.session.scalars(
        select(Mandate).where(
            Mandate.loan_id.between(low, high),
            Mandate.status.in_(("pending", "active")),
            Mandate.end_date < day,
        )
    ):
        mandate.status, mandate.reason, mandate.updated_at = (
            "expired",
            "end date passed",
            datetime.now(UTC),
        )


def _first_presentations(
    uow: UnitOfWork, day: date, low: int, high: int
) -> list[tuple[int, int, date, int, Decimal]]:
    found, seen = [], set()
    for mandate, loan_id, kind, limit, due in _due_under_mandates(uow, day, low, high):
        amount = _presentable(kind, limit, Decimal(due))
        if amount and loan_id not in seen:  # one mandate per loan and day
            seen.add(loan_id)
            found.append((mandate, loan_id, day, 1, amount))
    return found


def _due_under_mandates(
    uow: UnitOfWork, day: date, low: int, high: int, kind: str | None = None
) -> list[tuple[int, int, str, Decimal, Decimal]]:
    """(mandate, loan, amount type, amount, unpaid) for the installments due on `day` of the
    loans `low`..`high` with an active mandate (of `kind`, if given)."""
    unpaid = func.sum(
        LoanInstallment.principal + LoanInstallment.interest
        - LoanInstallment.principal_paid - LoanInstallment.interest_paid
    )  # fmt: skip
    query = (
        select(Mandate.id, Mandate.loan_id, Mandate.amount_type, Mandate.amount, unpaid)
        .join(Loan, Loan.id == Mandate.loan_id)
        .join(LoanInstallment, LoanInstallment.loan_id == Mandate.loan_id)
        .where(
            Mandate.loan_id.between(low, high),
            LoanInstallment.loan_id.between(low, high),
            Mandate.status == "active",
            Mandate.start_date <= day,
            Loan.status == "active",
            LoanInstallment.due_date == day,
        )
        .group_by(Mandate.id, Mandate.loan_id, Mandate.amount_type, Mandate.amount)
        .order_by(Mandate.loan_id, Mandate.id)
    )
    if kind is not None:
        query = query.where(Mandate.kind == kind)
    return [(m, k, t, a, Decimal(u)) for m, k, t, a, u in uow.session.execute(query)]


def _presentable(kind: str, limit: Decimal, due: Decimal) -> Decimal | None:
    """What a mandate lets us debit for `due` (None: nothing)."""
    due = due.quantize(Decimal("0.01"))
    if due <= 0:
        return None
    if kind == "fixed":
        return limit if limit == due else None  # a fixed mandate debits its amount only
    return min(due, limit)


def _represent(
    uow: UnitOfWork, day: date, low: int, high: int
) -> list[tuple[int, int, date, int, Decimal]]:
    after = get_settings().nach_represent_after
    attempts = get_settings().nach_attempts
    returned = uow.session.execute(
        select(Presentation, Mandate)
        .join(Mandate, Mandate.id == Presentation.mandate_id)
        .where(
            Presentation.loan_id.between(low, high),
            Presentation.status == "returned",
            Presentation.presented_on <= day - timedelta(days=after),  # a late answer too
            Presentation.attempt < attempts,
            Mandate.status == "active",
        )
    ).all()
    found = []
    for p, m in returned:
        if p.reason_code in FINAL_REASONS:
            continue
        later = uow.session.scalar(
            select(func.count()).select_from(Presentation).where(
                Presentation.loan_id == p.loan_id, Presentation.due_date == p.due_date,
                Presentation.attempt > p.attempt,
            )
        )  # fmt: skip
        unpaid = uow.session.scalar(
            select(func.sum(LoanInstallment.principal + LoanInstallment.interest
                            - LoanInstallment.principal_paid - LoanInstallment.interest_paid))
            .where(LoanInstallment.loan_id == p.loan_id, LoanInstallment.due_date <= p.due_date)
        )  # fmt: skip
        amount = _presentable(m.amount_type, m.amount, Decimal(unpaid or 0))
        if not later and amount:
            found.append((m.id, p.loan_id, p.due_date, p.attempt + 1, amount))
    return found


def write_presentation_file(
    uow: UnitOfWork, *, day: date, sponsor_ifsc: str, user_code: str
) -> tuple[str, bytes]:
    """The file of `day`'s presentations not yet in a file (they are marked as in it)."""
    rows = uow.session.execute(
        select(Presentation, Mandate)
        .join(Mandate, Mandate.id == Presentation.mandate_id)
        .where(
            Presentation.presented_on == day,
            Presentation.file_name.is_(None),
            Presentation.status == "presented",
            Mandate.kind != "upi_autopay",  # executed through the UPI PSP, not in a NACH file
        )
        .order_by(Presentation.id)
        .with_for_update(of=Presentation)  # two requests at once: the second finds none left
    ).all()
    if not rows:
        raise ConflictError(f"no presentations of {day} are waiting for a file")
    count = uow.session.scalar(
        select(func.count(func.distinct(Presentation.file_name))).where(
            Presentation.presented_on == day
        )
    )
    name = f"ACH-DR-{user_code}-{day:%d%m%Y}-{(count or 0) + 1:03d}"
    debits = [Debit(m.umrn or "", m.debtor_account, m.debtor_ifsc, m.debtor_name, p.amount, p.reference)
              for p, m in rows]  # fmt: skip
    try:
        content = presentation_file(debits, sponsor_ifsc=sponsor_ifsc, user_code=user_code,
                                    settlement=day, name=name)  # fmt: skip
    except NachFileError as exc:
        raise InvalidError([("file", str(exc))]) from None
    for p, _ in rows:
        p.file_name = name
    uow.session.flush()
    return name, content
