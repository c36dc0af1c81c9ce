"""Foreclosure use cases: a quote as of a date, and closing the loan by paying it.

Guarantees: the quote is what the replay of the foreclosed loan says is owed on that date
(unpaid installments already due, the principal not yet due, interest on it for the actual days
since the last due date), less unapplied funds; foreclosing records the foreclosure and the
payment in one transaction, posts the ledger and closes the loan. The product's foreclosure
charge (a percent of the principal foreclosed, plus GST) is quoted and levied, except on a
floating-rate loan to an individual, where the RBI forbids it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from lms.core.replay import Foreclosure
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError
from lms.servicing.models import Customer, Loan, LoanEvent, Product
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import (
    existing_loan,
    loan_history,
    loan_terms,
    locked_loan,
    replayed,
)


@dataclass(frozen=True)
class ForeclosureQuote:
    on: date
    principal: Decimal  # principal not yet repaid
    interest: Decimal  # unpaid interest: of past installments and accrued to `on`
    charges: Decimal  # charges levied and unpaid (bounce charges)
    foreclosure_charge: Decimal  # the product's charge for foreclosing
    foreclosure_tax: Decimal  # GST on it
    excess: Decimal  # unapplied funds already held, set off
    payable: Decimal  # what the borrower pays to close the loan on `on`


def foreclosure_quote(
    uow: UnitOfWork, *, loan_id: int, on: date, charge: bool = True
) -> ForeclosureQuote:
    loan = existing_loan(uow, loan_id)
    _check(loan, on)
    rows, events = loan_history(uow, loan)
    state = replayed(uow, loan, on, (rows, [*events, Foreclosure(on)]))
    principal = sum((i.principal - i.principal_paid for i in state.installments), Decimal(0))
    interest = sum((i.interest - i.interest_paid for i in state.installments), Decimal(0))
    charges = state.charges_due
    fee, tax = foreclosure_charge(uow, loan, principal) if charge else (Decimal(0), Decimal(0))
    return ForeclosureQuote(
        on,
        principal,
        interest,
        charges,
        fee,
        tax,
        state.excess,
        principal + interest + charges + fee + tax - state.excess,
    )


def charge_exempt(product: Product | None, borrower: Customer | None) -> bool:
    """A floating-rate loan to an individual: no foreclosure or prepayment charge (RBI)."""
    individual = borrower is None or (borrower.kind or "individual") == "individual"
    return product is not None and product.rate_type == "floating" and individual


def foreclosure_charge(uow: UnitOfWork, loan: Loan, principal: Decimal) -> tuple[Decimal, Decimal]:
    """(charge, GST) for foreclosing `principal` under the loan's product; none on a
    floating-rate loan to an individual borrower (RBI)."""
    zero = principal * 0
    product = uow.session.get(Product, loan.product_id)
    if product is None or not product.foreclosure_charge:
        return zero, zero
    if charge_exempt(product, uow.session.get(Customer, loan.customer_id)):
        return zero, zero
    precision = loan_terms(loan).precision
    fee = precision.apply(principal * product.foreclosure_charge / 100)
    return fee, precision.apply(fee * (product.foreclosure_charge_tax or 0) / 100)


def foreclose_loan(
    uow: UnitOfWork,
    *,
    loan_id: int,
    on: date,
    reference: str,
    channel: str,
    posting_date: date,
    idempotency_key: str | None = None,
    charge: bool = True,
) -> ForeclosureQuote:
    """Close loan `loan_id` on `on` with a payment of the quoted amount (`idempotency_key`:
    the payment's, so that the same money reported again is known as a repeat). Without
    `charge`, no foreclosure charge (the lender closing it: its pledge sold)."""
    loan = locked_loan(uow, loan_id)
    quote = foreclosure_quote(uow, loan_id=loan_id, on=on, charge=charge)
    if quote.payable <= 0:
        raise ConflictError(f"loan {loan_id} owes nothing to foreclose on {on}")
    now = datetime.now(UTC)
    if quote.foreclosure_charge:
        uow.session.add(
            LoanEvent(
                loan_id=loan.id,
                kind="charge",
                value_date=on,
                amount=quote.foreclosure_charge,
                tax=quote.foreclosure_tax,
                reference=f"foreclosure:{reference}",
                created_at=now,
            )
        )
    uow.session.add(LoanEvent(loan_id=loan.id, kind="foreclosure", value_date=on, created_at=now))
    uow.session.flush()
    request = PaymentRequest(quote.payable, on, reference, channel, idempotency_key=idempotency_key)
    record_payment(uow, loan_id=loan_id, request=request, posting_date=posting_date)
    if loan.status != "closed":
        raise ConflictError(f"loan {loan_id} did not close; quote {quote}")  # a bug: roll back
    return quote


def _check(loan: Loan, on: date) -> None:
    if loan.status != "active":
        raise ConflictError(
            f"loan {loan.id} is {loan.status}; only an active loan can be foreclosed"
        )
    assert loan.last_event_on is not None
    if on < loan.last_event_on:
        raise ConflictError(
            f"foreclosure date {on} is before the loan's last event on {loan.last_event_on}"
        )
