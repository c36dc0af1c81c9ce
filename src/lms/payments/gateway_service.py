"""Taking repayments through a payment gateway: an order per payment, the webhook posted
exactly once, the settlement report reconciled against the book.

Guarantees: a webhook whose signature does not verify writes nothing; each event is taken once
(its id, else its body's hash, is unique per gateway: a redelivery, even concurrent, is a
repeat), and each payment is posted once however many events report it (its id is the
repayment's reference and idempotency key); money for an order we did not create, or that its
loan can no longer take, is held in receipts suspense (never lost) and the event says so. A settlement report imported again adds nothing; its fees are booked once per
settlement; an unsigned or forged report, or one with an implausible line (a fee above its
payment, a tax above its fee, a settlement in the future), writes nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.ledger import rules
from lms.ledger.service import post_entry
from lms.payments.gateway import Captured, PaymentGateway, Settled
from lms.payments.models import GatewayEvent, GatewaySettlement, PaymentOrder
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.repayments import PaymentRequest, try_payment


class SignatureError(Exception):
    """A webhook body that does not carry the gateway's valid signature."""


def create_payment_order(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    loan_id: int,
    amount: Decimal,
    purpose: str | None = None,
) -> PaymentOrder:
    """An order at the gateway for `amount` on the loan (a checkout the borrower pays);
    `purpose` "foreclosure": the amount is the loan's foreclosure quote, and the money closes
    the loan when it comes on the quote's day."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    if loan.status != "active":
        raise ConflictError(f"loan {loan_id} is {loan.status}; payments need an active loan")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidError([("amount", "must be above 0, in whole paise")])
    receipt = f"L{loan_id}-{uuid.uuid4().hex[:12]}"
    order_ref = gateway.create_order(amount, receipt, {"loan_id": str(loan_id)})
    order = PaymentOrder(
        gateway=gateway.name, order_ref=order_ref, loan_id=loan_id, amount=amount,
        receipt=receipt, status="created", purpose=purpose, created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(order)
    uow.session.flush()
    return order


@dataclass(frozen=True)
class WebhookResult:
    outcome: str  # posted, repeat, ignored, unknown_order
    payment_ref: str | None = None
    loan_id: int | None = None


def receive_webhook(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    body: bytes,
    signature: str,
    event_id: str | None,
    posting_date: date,
) -> WebhookResult:
    """Take one webhook delivery."""
    if not gateway.verify(body, signature):
        raise SignatureError("the webhook's signature does not verify")
    name, captured = gateway.event_of(body)
    key = event_id or "sha256:" + hashlib.sha256(body).hexdigest()
    record = GatewayEvent(
        gateway=gateway.name, event_key=key[:80], event=name[:40], outcome="ignored",
        payment_ref=captured.payment_ref if captured else None, received_at=datetime.now(UTC),
    )  # fmt: skip
    try:
        with uow.session.begin_nested():
            uow.session.add(record)
            uow.session.flush()
    except IntegrityError:  # taken before (or just now, by a concurrent delivery)
        return WebhookResult("repeat", captured.payment_ref if captured else None)
    if captured is None:
        return WebhookResult("ignored")
    order = uow.session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.gateway == gateway.name, PaymentOrder.order_ref == captured.order_ref)
        .with_for_update()
    )
    if order is None:  # money taken for an order we never made: held, not lost
        _to_suspense(uow, record, captured, posting_date, "unknown_order")
        return WebhookResult("unknown_order", captured.payment_ref)
    taken = _take(uow, gateway, order, captured, posting_date)
    if isinstance(taken, str):  # the loan cannot take it (closed since, say): held, not lost
        _to_suspense(uow, record, captured, posting_date, "suspense")
        return WebhookResult("suspense", captured.payment_ref, order.loan_id)
    record.outcome = "posted" if taken else "repeat"
    if order.status != "paid":
        order.status, order.payment_ref, order.paid_at = (
            "paid",
            captured.payment_ref,
            datetime.now(UTC),
        )
    uow.session.flush()
    return WebhookResult(record.outcome, captured.payment_ref, order.loan_id)


def _take(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    order: PaymentOrder,
    captured: Captured,
    posting_date: date,
) -> bool | str:
    """Post the money on the order's loan: whether it was new (False: posted before), or why
    the loan cannot take it."""
    key = f"{gateway.name}:{captured.payment_ref}"
    if order.purpose == "foreclosure" and _foreclosed(uow, order, captured, posting_date, key):
        return True
    request = PaymentRequest(
        captured.amount, min(captured.paid_on, posting_date), captured.payment_ref, "gateway",
        idempotency_key=key,
    )  # fmt: skip
    taken = try_payment(uow, loan_id=order.loan_id, request=request, posting_date=posting_date)
    return taken if isinstance(taken, str) else taken[1]


def _foreclosed(
    uow: UnitOfWork, order: PaymentOrder, captured: Captured, posting_date: date, key: str
) -> bool:
    """Close the loan with the money if it is still the loan's foreclosure quote on the day it
    was paid (the quote grows by a day's interest each day); whether it did. Otherwise the
    money is taken as a repayment, as any other."""
    on = min(captured.paid_on, posting_date)
    try:
        with uow.session.begin_nested():
            if foreclosure_quote(uow, loan_id=order.loan_id, on=on).payable != captured.amount:
                return False
            foreclose_loan(uow, loan_id=order.loan_id, on=on, reference=captured.payment_ref,
                           channel="gateway", posting_date=posting_date, idempotency_key=key)  # fmt: skip
    except (ConflictError, InvalidError):  # closed or changed since: a repayment, or suspense
        return False
    return True


def _to_suspense(
    uow: UnitOfWork, record: GatewayEvent, captured: Captured, posting_date: date, outcome: str
) -> None:
    value_date = min(captured.paid_on, posting_date)
    post_entry(
        uow, rules.receipt_to_suspense(value_date, captured.amount), posting_date=posting_date
    )
    record.outcome = outcome
    uow.session.flush()


@dataclass(frozen=True)
class SettlementResult:
    rows: int
    new: int
    matched: int
    amount_differs: int
    unknown: int
    fees: Decimal
    taxes: Decimal


def import_settlement(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    *,
    content: bytes,
    signature: str,
    posting_date: date,
) -> SettlementResult:
    """Compare a settlement report with the repayments the book took through the gateway;
    book the fees the gateway kept, once per settlement. The report must carry the gateway's
    signature (HMAC-SHA256 of the file under the gateway's secret, as its webhooks do), and
    every line must be plausible, or nothing of it is taken."""
    if not gateway.verify(content, signature):
        raise SignatureError("the settlement report's signature does not verify")
    try:
        settled = gateway.settlement(content)
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise InvalidError([("file", f"not a {gateway.name} settlement report: {exc}")]) from None
    problems = [_implausible(k, s, posting_date) for k, s in enumerate(settled, start=1)]
    if any(problems):
        raise InvalidError([("file", p) for p in problems if p])
    known = {
        (s, p)
        for s, p in uow.session.execute(
            select(GatewaySettlement.settlement_ref, GatewaySettlement.payment_ref).where(
                GatewaySettlement.gateway == gateway.name
            )
        )
    }
    fresh = [s for s in settled if (s.settlement_ref, s.payment_ref) not in known]
    taken = _taken(uow, [s.payment_ref for s in fresh])
    counts = {"matched": 0, "amount_differs": 0, "unknown": 0}
    fees: dict[tuple[str, date], tuple[Decimal, Decimal]] = {}
    for s in fresh:
        loan_id, amount = taken.get(s.payment_ref, (None, None))
        status = (
            "unknown" if loan_id is None else "matched" if amount == s.amount else "amount_differs"
        )
        counts[status] += 1
        uow.session.add(
            GatewaySettlement(
                gateway=gateway.name, settlement_ref=s.settlement_ref, payment_ref=s.payment_ref,
                amount=s.amount, fee=s.fee, tax=s.tax, settled_on=s.settled_on, status=status,
                loan_id=loan_id,
            )
        )  # fmt: skip
        fee, tax = fees.get((s.settlement_ref, s.settled_on), (Decimal(0), Decimal(0)))
        fees[s.settlement_ref, s.settled_on] = (fee + s.fee, tax + s.tax)
    for (_, settled_on), (fee, tax) in sorted(fees.items()):
        if fee or tax:  # the gateway's fee includes the GST on it
            post_entry(
                uow, rules.gateway_fees(settled_on, fee - tax, tax), posting_date=posting_date
            )
    uow.session.flush()
    return SettlementResult(
        len(settled), len(fresh), counts["matched"], counts["amount_differs"], counts["unknown"],
        sum((f for f, _ in fees.values()), Decimal(0)), sum((t for _, t in fees.values()), Decimal(0)),
    )  # fmt: skip


def _implausible(line: int, s: Settled, today: date) -> str:
    """Why a settled payment cannot be what a gateway reports ('' when it can): a gateway
    never keeps more than the payment, nor tax beyond its fee, nor settles in the future."""
    if s.amount <= 0 or s.fee < 0 or s.tax < 0:
        return f"payment {line} ({s.payment_ref}): amounts must be positive, fees not negative"
    if s.fee > s.amount or s.tax > s.fee:
        return f"payment {line} ({s.payment_ref}): a fee above the payment or a tax above the fee"
    if s.settled_on > today + timedelta(days=1):
        return f"payment {line} ({s.payment_ref}): settled on {s.settled_on}, after today"
    return ""


def _taken(uow: UnitOfWork, references: list[str]) -> dict[str, tuple[int, Decimal]]:
    """The gateway repayments the book took, by payment reference: (loan, amount)."""
    found: dict[str, tuple[int, Decimal]] = {}
    for start in range(0, len(references), 5_000):
        for reference, loan_id, amount in uow.session.execute(
            select(LoanEvent.reference, LoanEvent.loan_id, LoanEvent.amount).where(
                LoanEvent.reference.in_(references[start : start + 5_000]),
                LoanEvent.channel == "gateway",
                LoanEvent.kind == "payment",
            )
        ):
            found[reference or ""] = (loan_id, Decimal(amount or 0))
    return found
