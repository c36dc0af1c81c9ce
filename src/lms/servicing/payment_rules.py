"""The rules a repayment is taken by, one function each, for every path that takes one: the
exact path (lms.servicing.repayments.record_payment, one loan, replayed) and the set-based one
(lms.servicing.bulk_payments, many loans at once). Each path reads the figures from the database
its own way (one loan, or many in few queries) and decides with these same functions.

- `repeated`: a retry (the same idempotency key: the earlier payment), or a conflict (the key
  used for another payment, the reference already a payment of this loan or of another
  borrower's loan; one transfer may pay several loans of one borrower);
- `check`: the loan is active, the amount more than 0 and a multiple of the loan's precision,
  the value date neither before the disbursement nor after the posting date, nor more days
  before the posting date than the product allows (`backdate_days`);
- `plausible`: the amount is not above the product's multiple (`payment_ceiling`, 1.1) of
  all the loan could still owe (every installment's unpaid principal and interest and every
  charge levied): such money is refused, to be returned or held in suspense by a person. A
  payment the set-based path takes never exceeds what is owed, so only the exact path, which
  takes every other payment, needs to ask;
- `owed_on`: what is owed on a value date and may be paid under a waterfall (the components of
  the installments and charges a payment is split over, lms.core.allocation), as the replay's
  book (lms.core.book) gives it;
- `first_unpaid_due`: the oldest due date still unpaid at its day-end if no more money comes.

Guarantees: pure (no database access, nothing written); the same figures give the same
decision with the same text on every path; a refusal is an exception of lms.platform.errors whose
text is the reason reported to the payer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.allocation import Bucket, Owed, Waterfall, owed_components
from lms.core.book import InstallmentState
from lms.core.events import Charge
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import LoanEvent

MONEY_IN = ("payment", "prepayment")  # event kinds that bring money in (and can be returned)
DEFAULT_PAYMENT_CEILING = Decimal("1.1")  # a product's payment_ceiling when it names none
DEFAULT_BACKDATE_DAYS = 365  # a product's backdate_days when it names none


@dataclass(frozen=True)
class PaymentRequest:
    amount: Decimal
    value_date: date
    reference: str  # UTR, NACH debit id, receipt number
    channel: str  # upi, nach, neft, rtgs, imps, cash, cheque, gateway
    idempotency_key: str | None = None
    # a part-prepayment: after what is due, the rest reduces the principal and the schedule is
    # revised (reduce_emi or reduce_tenure); None: an ordinary repayment
    reschedule: str | None = None

    @property
    def kind(self) -> str:
        return "payment" if self.reschedule is None else "prepayment"


@dataclass(frozen=True, slots=True)
class Payable:
    """What the checks read of the loan a payment is for."""

    id: int
    customer_id: int
    status: str
    disbursed_on: date | None
    step: Decimal  # the loan's precision: its amounts are multiples of this
    backdate_days: int = DEFAULT_BACKDATE_DAYS  # the product's: how far back a value date goes


def repeated(
    loan: Payable, request: PaymentRequest, found: Iterable[tuple[LoanEvent, int]]
) -> LoanEvent | None:
    """The earlier payment of `loan` with the request's idempotency key (a retry), or None;
    `found`: stored events (with their loan's borrower) among which are every payment or
    prepayment with the request's reference and every event of the loan with its key (others
    are ignored). Raises ConflictError for a key used for a different payment, the reference
    already a payment of this loan, or a payment of another borrower's loan."""
    key = request.idempotency_key
    relevant = [
        (event, customer)
        for event, customer in found
        if (event.kind in MONEY_IN and event.reference == request.reference)
        or (key is not None and event.loan_id == loan.id and event.idempotency_key == key)
    ]
    earlier = [event for event, _ in relevant if event.loan_id == loan.id]
    retried = next((e for e in earlier if key and e.idempotency_key == key), None)
    if retried is not None:
        same = (retried.amount, retried.value_date, retried.reference, retried.kind) == (
            request.amount,
            request.value_date,
            request.reference,
            request.kind,
        )
        if not same:
            raise ConflictError(f"idempotency key {key!r} was used for another payment")
        return retried
    if earlier:
        raise ConflictError(
            f"reference {request.reference!r} is already a payment of loan {loan.id}"
        )
    other = next((e for e, customer in relevant if customer != loan.customer_id), None)
    if other is not None:
        raise ConflictError(
            f"reference {request.reference!r} already paid loan {other.loan_id} of another borrower"
        )
    return None


def check(loan: Payable, request: PaymentRequest, posting_date: date) -> None:
    """Raise ConflictError or InvalidError if the loan cannot take this payment now."""
    if loan.status == "written_off":
        _check_recovery(loan, request)
    elif loan.status != "active":
        raise ConflictError(f"loan {loan.id} is {loan.status}; payments need an active loan")
    if request.amount <= 0:
        raise InvalidError([("amount", "must be greater than zero")])
    if request.amount % loan.step != 0:
        raise InvalidError([("amount", f"must be a multiple of the loan's precision {loan.step}")])
    assert loan.disbursed_on is not None  # an active loan is disbursed
    if request.value_date < loan.disbursed_on:
        raise InvalidError([("value_date", f"is before the disbursement on {loan.disbursed_on}")])
    if request.value_date > posting_date:
        raise InvalidError(
            [("value_date", f"is after the posting date {posting_date}: money not yet received")]
        )
    if (posting_date - request.value_date).days > loan.backdate_days:
        raise InvalidError(
            [("value_date", f"is more than {loan.backdate_days} days before the posting date"
                            f" {posting_date} (the product's limit)")]
        )  # fmt: skip


def _check_recovery(loan: Payable, request: PaymentRequest) -> None:
    """A written-off loan takes money as a recovery: a plain payment (one dated on or before
    the write-off is taken the day after it: lms.servicing.repayments)."""
    if request.reschedule is not None:
        raise ConflictError(f"loan {loan.id} is written off: it takes payments, not prepayments")


def plausible(amount: Decimal, could_owe: Decimal, ceiling: Decimal) -> None:
    """Raise InvalidError if `amount` is above `ceiling` times what the loan could owe."""
    if amount > could_owe * ceiling:
        raise InvalidError(
            [("amount", f"is more than {ceiling} times all this loan could still owe"
                        f" ({could_owe:.2f}): refused, to be returned or held by a person")]
        )  # fmt: skip


def owed_on(
    installments: Iterable[InstallmentState],
    day: date,
    waterfall: Waterfall,
    charges: Sequence[tuple[Charge, Decimal]] = (),
) -> list[Owed]:
    """What a payment on `day` may be split over by `waterfall`: each unpaid component of the
    installments due by `day` (of every installment, if the waterfall pays in advance), then
    what is unpaid of each charge levied by `day`. `charges`: every charge levied, in the order
    levied, with what is paid of it (charge k is "installment" -k, as in the replay)."""
    ahead = any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order)
    rows = (
        (i.number, i.due_date, i.interest - i.interest_paid, i.principal - i.principal_paid)
        for i in installments
    )
    levied = (
        (-k, charge.day, charge.component, charge.amount + charge.tax - paid)
        for k, (charge, paid) in enumerate(charges, start=1)
    )
    return owed_components(rows, levied, day, ahead)


def first_unpaid_due(
    installments: Iterable[InstallmentState], as_of: date, excess: Decimal
) -> date | None:
    """The due date of the oldest installment (in due-date order) that will still be unpaid at
    its day-end if no more money comes: `excess` (unapplied funds) pays the installments after
    `as_of` as they fall due, so those it covers in full are skipped (DPD for any later day
    follows from this)."""
    funds = excess
    for item in installments:
        if item.unpaid <= 0:
            continue
        if item.due_date > as_of and funds >= item.unpaid:
            funds -= item.unpaid
            continue
        return item.due_date
    return None
