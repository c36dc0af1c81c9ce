"""UPI: a payment request per due (the `upi://pay` intent link of NPCI's UPI linking
specification and its QR code) and UPI AutoPay's rules (the per-debit limit; the pre-debit
notice, sent by the close the day before each debit, which is at least 24 hours ahead).

The link carries `pa` (the lender's VPA, $LMS_UPI_VPA), `pn` (its name, $LMS_LENDER_NAME),
`am` (the amount, two decimals), `cu=INR`, `tr` (our reference, which names the loan and the
due: `U` + due date YYMMDD + the loan id in nine digits) and `tn` (a note with the loan
number). The reference is kept, so a credit that carries it on a bank statement is matched to
the loan with confidence 100.

Settings: $LMS_UPI_VPA, $LMS_LENDER_NAME, $LMS_UPI_AUTOPAY_LIMIT (per debit without an extra
factor of authentication; RBI default 15,000).
Guarantees: the link is percent-encoded; the QR code is a PNG of the link, nothing else.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

import segno
from sqlalchemy import select

from lms.core.money import ZERO
from lms.payments.models import PaymentLink
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan, LoanInstallment


def upi_link(*, vpa: str, payee: str, amount: Decimal, reference: str, note: str) -> str:
    if "@" not in vpa:
        raise InvalidError([("vpa", f"{vpa!r} is not a UPI address (name@handle)")])
    query = urlencode(
        {"pa": vpa, "pn": payee, "am": f"{amount:.2f}", "cu": "INR", "tr": reference, "tn": note},
        quote_via=quote,
    )
    return f"upi://pay?{query}"


def qr_png(link: str, *, scale: int = 6) -> bytes:
    """The QR code of `link` as a PNG image."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def autopay_limit() -> Decimal:
    return get_settings().upi_autopay_limit


def payment_request(uow: UnitOfWork, *, loan_id: int, day: date) -> PaymentLink:
    """A UPI payment request for what the loan owes on `day` (overdue and due), or, if
    nothing is owed, for its next installment; less the money the loan already holds (excess).
    The same request again returns the first. Raises ConflictError if the loan owes nothing
    (every installment paid, or what is unpaid covered by what it holds)."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    if loan.status != "active":
        raise ConflictError(f"loan {loan_id} is {loan.status}; payments need an active loan")
    due, amount = amount_asked(uow, loan, day)
    reference = f"U{due:%y%m%d}{loan_id:09d}"
    earlier = uow.session.scalar(select(PaymentLink).where(PaymentLink.reference == reference))
    if earlier is not None:
        return earlier
    link = upi_link(
        vpa=get_settings().upi_vpa,
        payee=get_settings().lender_name,
        amount=amount, reference=reference, note=f"EMI {loan.external_id}",
    )  # fmt: skip
    row = PaymentLink(loan_id=loan_id, kind="upi", reference=reference, amount=amount,
                      due_date=due, link=link, created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def amount_asked(uow: UnitOfWork, loan: Loan, day: date) -> tuple[date, Decimal]:
    """(the due date the request names, the amount to ask for): what is unpaid of the
    installments due by `day` (named by `day`), else of the next one, less what is held."""
    unpaid = (LoanInstallment.principal + LoanInstallment.interest
              - LoanInstallment.principal_paid - LoanInstallment.interest_paid)  # fmt: skip
    rows = uow.session.execute(
        select(LoanInstallment.due_date, unpaid)
        .where(LoanInstallment.loan_id == loan.id, unpaid > ZERO)
        .order_by(LoanInstallment.due_date)
    ).all()
    if not rows:
        raise ConflictError(f"loan {loan.id} owes nothing: every installment is paid")
    owed = sum((amount for due, amount in rows if due <= day), ZERO)
    due, owed = (day, owed) if owed > 0 else (rows[0][0], rows[0][1])
    held = loan.excess or ZERO
    if owed <= held:
        what = "what it owes" if due == day else "its next installment"
        raise ConflictError(
            f"loan {loan.id} owes nothing now: {what} ({_shown(owed)}, due {due}) is covered"
            f" by the {_shown(held)} it holds"
        )
    return due, _shown(owed - held)


def _shown(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def issued_references(uow: UnitOfWork) -> dict[str, int]:
    """Every reference issued for a loan (for matching statement credits)."""
    found: dict[str, int] = {}
    for reference, loan_id in uow.session.execute(
        select(PaymentLink.reference, PaymentLink.loan_id)
    ):
        found[reference] = loan_id
    return found
