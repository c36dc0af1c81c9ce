"""Paying from the portal: what the borrower may pay (the amount due, the amount that closes
the loan today, or an amount of their own up to it), and the request for it: a UPI intent
link (and its QR code); an order at the payment gateway is made by the gateway's service
(lms.payments.gateway_service), whose signed webhook posts the payment.

Guarantees: nothing here posts money (the gateway's signed webhook, or the bank statement
that carries the UPI reference, does); an amount is in whole paise, above zero and at most
what closes the loan; a loan that is not active takes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lms.payments.models import PaymentLink
from lms.payments.upi import upi_link
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing.foreclosure import foreclosure_quote
from lms.servicing.models import Loan
from lms.servicing.service import loan_state

CHOICES = ("due", "foreclosure", "custom")
METHODS = ("upi", "gateway")
PAISE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Payable:
    due: Decimal | None  # what is owed now (or the next installment), less what is held
    closing: Decimal  # what closes the loan today (foreclosure)


def payable(uow: UnitOfWork, loan: Loan, today: date) -> Payable:
    """What the borrower may pay on the loan today: what is overdue and due today, charges
    included (the waterfall pays them first, so less would leave installments unpaid), else
    the next installment, less what the loan holds; and what closes it."""
    if loan.status != "active":
        raise ConflictError(f"loan {loan.external_id} is {loan.status}; it takes no payment")
    closing = closing_amount(uow, loan, today)
    state = loan_state(uow, loan_id=loan.id, as_of=today)
    owed = state.principal_due + state.interest_due + state.charges_due
    if owed <= 0:
        owed = next((i.unpaid for i in state.installments if i.due_date > today and i.unpaid),
                    Decimal(0))  # fmt: skip
    due = min(owed - state.excess, closing).quantize(PAISE)
    return Payable(due if due > 0 else None, closing)


def closing_amount(uow: UnitOfWork, loan: Loan, today: date) -> Decimal:
    """What closes the loan today (its foreclosure quote)."""
    return foreclosure_quote(uow, loan_id=loan.id, on=today).payable.quantize(PAISE)


def amount_of(uow: UnitOfWork, loan: Loan, choice: str, custom: str, today: date) -> Decimal:
    """The amount the borrower chose: `due`, `foreclosure` or `custom` (then `custom`)."""
    if choice not in CHOICES:
        raise InvalidError([("choice", f"must be one of {', '.join(CHOICES)}")])
    can = payable(uow, loan, today)
    if choice == "due":
        if can.due is None:
            raise InvalidError([("choice", "nothing is due on this loan now")])
        return can.due
    if choice == "foreclosure":
        return can.closing
    try:
        amount = Decimal(custom.replace(",", "").strip())
    except InvalidOperation:
        raise InvalidError([("amount", "is not an amount")]) from None
    if not amount.is_finite() or amount <= 0 or amount.adjusted() > 12:
        raise InvalidError([("amount", "must be above 0 and below a lakh crore")])
    if amount != amount.quantize(PAISE):
        raise InvalidError([("amount", "must be in whole paise")])
    if amount > can.closing:
        raise InvalidError([("amount", f"must be at most {can.closing}, which closes the loan")])
    return amount


def upi_request(uow: UnitOfWork, loan: Loan, choice: str, amount: Decimal, today: date) -> (
    PaymentLink
):  # fmt: skip
    """A UPI request for `amount`, of a reference of its own (which names the loan when the
    credit comes back on a bank statement). Closing the loan is not offered by UPI: the credit
    reaches the book a day or more later, when the quote has grown; the gateway's order
    closes it on the day it is paid."""
    if choice == "foreclosure":
        raise InvalidError([("method", "to close the loan, pay by card or net banking; by UPI,"
                                       " pay the amount as your own amount")])  # fmt: skip
    reference = f"B{today:%y%m%d}{loan.id:09d}{secrets.token_hex(3).upper()}"
    settings = get_settings()
    link = upi_link(vpa=settings.upi_vpa, payee=settings.lender_name, amount=amount,
                    reference=reference, note=f"Loan {loan.external_id}")  # fmt: skip
    row = PaymentLink(loan_id=loan.id, kind="upi", reference=reference, amount=amount,
                      due_date=None, link=link, created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row
