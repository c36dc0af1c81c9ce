"""The auction of a defaulted gold loan's pledge: the notice to the borrower, auctions that
found no bid at the reserve price, the sale with its proceeds applied to the loan, and the
surplus refunded to the borrower.

A notice may be given once an installment of an active gold loan has been overdue for
`LMS_GOLD_AUCTION_OVERDUE_DAYS`; it is sent to the borrower with the amount overdue and the
earliest auction date, `LMS_GOLD_AUCTION_NOTICE_DAYS` later (until then the borrower may
redeem the gold by paying; a loan that closes cancels its auction). The reserve price is a
share of the gold's value on the day of the auction at the reference price
(`LMS_GOLD_RESERVE_PERCENT`: 90 %, 85 % once two auctions have failed; lms.core.gold). A sale
below it is refused. The proceeds close the loan when they cover what it owes that day (no
foreclosure charge: the lender closes it), and what is left over is owed back to the borrower
(the `auction_surplus` entry), refunded within `LMS_GOLD_SURPLUS_DAYS` working days; proceeds
that do not cover the loan are its repayment, and the borrower owes the rest.

Guarantees: works in the caller's unit of work and never commits; a loan has one auction that
is not cancelled (its row is locked while it changes); bad input raises `InvalidError` naming
the field and writes nothing; a notice given again returns the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.collateral.models import CollateralItem, GoldAuction
from lms.collateral.service import ZERO, price_on, unpaid, value_of
from lms.core.gold import reserve_price, working_days_after
from lms.ledger import rules
from lms.ledger.service import post_entries
from lms.notices.outbox import queue_message
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import locked_loan


def current(uow: UnitOfWork, loan_id: int) -> GoldAuction | None:
    """The loan's auction that is not cancelled (None: none)."""
    return uow.session.scalar(select(GoldAuction).where(
        GoldAuction.loan_id == loan_id, GoldAuction.status != "cancelled").with_for_update())  # fmt: skip


def give_notice(uow: UnitOfWork, loan_id: int, day: date) -> GoldAuction:
    """The auction notice of a gold loan in default, sent to its borrower."""
    loan = locked_loan(uow, loan_id)
    found = current(uow, loan_id)
    if found is not None:
        return found
    settings = get_settings()
    rows = unpaid(uow, [loan_id])[loan_id]
    overdue = [(due, p + n) for due, p, n in rows if due < day and p + n > 0]
    problems = []
    if loan.status != "active":
        problems.append(("loan_id", f"the loan is {loan.status}"))
    if not _pledged(uow, loan_id):
        problems.append(("loan_id", "no gold is pledged on the loan"))
    if not overdue or (day - overdue[0][0]).days < settings.gold_auction_overdue_days:
        problems.append(("loan_id", f"no installment has been overdue for "
                                    f"{settings.gold_auction_overdue_days} days"))  # fmt: skip
    if problems:
        raise InvalidError(problems)
    owed = sum((amount for _, amount in overdue), ZERO)
    earliest = day + timedelta(days=settings.gold_auction_notice_days)
    row = GoldAuction(loan_id=loan_id, status="notified", noticed_on=day, earliest_on=earliest,
                      overdue=owed, failures=0, created_by=uow.actor or "system",
                      created_at=datetime.now(UTC))  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    queue_message(uow, loan_id=loan_id, event="gold_auction_notice", day=day, data={
        "amount": f"{owed:.2f}", "loan_number": loan.external_id,
        "auction_from": earliest.isoformat()})  # fmt: skip
    return row


def _pledged(uow: UnitOfWork, loan_id: int) -> list[CollateralItem]:
    return list(uow.session.scalars(select(CollateralItem).where(
        CollateralItem.loan_id == loan_id, CollateralItem.status == "pledged")))  # fmt: skip


def _open(uow: UnitOfWork, loan_id: int, day: date) -> GoldAuction:
    """The loan and its auction, which may be held on `day`."""
    loan = locked_loan(uow, loan_id)
    found = current(uow, loan_id)
    if found is None or found.status != "notified":
        raise ConflictError(f"loan {loan_id} has no auction waiting: give the notice first")
    if loan.status != "active":
        found.status = "cancelled"  # redeemed: the borrower paid before the auction
        uow.session.flush()
        raise ConflictError(f"loan {loan_id} is {loan.status}: its auction is cancelled")
    if day < found.earliest_on:
        raise InvalidError([("day", f"is before the notice's period ends ({found.earliest_on})")])
    return found


def reserve_on(uow: UnitOfWork, auction: GoldAuction, day: date) -> tuple[Decimal, Decimal]:
    """The pledged gold's value on `day` and the auction's reserve price."""
    value = value_of(uow, auction.loan_id, price_on(uow, day))
    first, later = get_settings().gold_reserve_percent
    return value, reserve_price(value, auction.failures, first, later)


def record_failure(uow: UnitOfWork, loan_id: int, day: date) -> GoldAuction:
    """An auction held on `day` drew no bid at the reserve price."""
    found = _open(uow, loan_id, day)
    found.failures += 1
    uow.session.flush()
    return found


def record_sale(
    uow: UnitOfWork, loan_id: int, day: date, proceeds: Decimal, buyer: str
) -> GoldAuction:
    """The pledge sold on `day` (the business date) for `proceeds` to `buyer`."""
    found = _open(uow, loan_id, day)
    value, reserve = reserve_on(uow, found, day)
    if not proceeds.is_finite() or proceeds != proceeds.quantize(Decimal("0.01")):
        raise InvalidError([("proceeds", "rupees, to the paisa")])
    if proceeds < reserve:
        raise InvalidError([("proceeds", f"is below the reserve price of {reserve} (the gold "
                                         f"is worth {value} today)")])  # fmt: skip
    if not buyer.strip():
        raise InvalidError([("buyer", "is required")])
    reference = f"AUCTION-{found.id}"
    owed = foreclosure_quote(uow, loan_id=loan_id, on=day, charge=False).payable
    if proceeds >= owed:
        foreclose_loan(uow, loan_id=loan_id, on=day, reference=reference, channel="auction",
                       posting_date=day, charge=False)  # fmt: skip
    else:
        record_payment(uow, loan_id=loan_id, request=PaymentRequest(proceeds, day, reference,
                                                                    "auction"), posting_date=day)  # fmt: skip
    surplus = max(proceeds - owed, ZERO)
    if surplus:
        post_entries(uow, [rules.auction_surplus(day, surplus, reference)], posting_date=day)
    for item in _pledged(uow, loan_id):
        item.status, item.released_on = "sold", day
        item.released_by, item.acknowledgement = uow.actor or "system", reference
    found.status, found.sold_on, found.buyer = "sold", day, buyer.strip()[:120]
    found.value, found.reserve, found.proceeds = value, reserve, proceeds
    found.applied, found.surplus = min(proceeds, owed), surplus
    if surplus:
        found.surplus_due_by = working_days_after(day, get_settings().gold_surplus_days)
    uow.session.flush()
    return found


def refund_surplus(uow: UnitOfWork, loan_id: int, day: date, reference: str) -> GoldAuction:
    """The auction's surplus paid to the borrower on `day` (`reference`: the transfer's UTR)."""
    found = current(uow, loan_id)
    if found is None or not found.surplus:
        raise ConflictError(f"loan {loan_id} has no auction surplus to refund")
    if found.refunded_on is not None:
        if found.refund_reference == reference.strip():
            return found
        raise ConflictError(f"the surplus was refunded on {found.refunded_on}")
    if not reference.strip():
        raise InvalidError([("reference", "is required (the transfer's UTR)")])
    post_entries(uow, [rules.surplus_refund(day, found.surplus, f"AUCTION-{found.id}")],
                 posting_date=day)  # fmt: skip
    found.refunded_on, found.refund_reference = day, reference.strip()[:64]
    uow.session.flush()
    return found


def auction_of(uow: UnitOfWork, loan_id: int) -> GoldAuction | None:
    if uow.session.get(Loan, loan_id) is None:
        raise NotFoundError("loan", loan_id)
    return uow.session.scalar(select(GoldAuction).where(GoldAuction.loan_id == loan_id)
                              .order_by(GoldAuction.id.desc()).limit(1))  # fmt: skip
