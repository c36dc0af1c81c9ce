"""The gold work list: the day's gold price, the open margin calls to chase (the worst ratio
first), the closed loans whose gold is still to be given back (the longest waiting first), and
the auctions under way or whose surplus is still to be refunded (the earliest date first),
within the caller's branches.

Guarantee: read only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select

from lms.collateral.models import CollateralItem, GoldAuction, GoldPrice, MarginCall
from lms.collateral.service import price_or_none
from lms.platform.db import UnitOfWork
from lms.servicing.models import Customer, Loan

RELEASE_DAYS = 7  # the RBI's limit, in working days, to give the gold back after closure


@dataclass(frozen=True)
class Call:
    loan_id: int
    external_id: str
    borrower: str
    branch: str
    raised_on: date
    ltv: Decimal
    ceiling: Decimal
    pay_down: Decimal
    more_value: Decimal


@dataclass(frozen=True)
class Waiting:
    loan_id: int
    external_id: str
    borrower: str
    branch: str
    closed_on: date
    days: int  # calendar days since it closed
    items: int


@dataclass(frozen=True)
class Auction:
    loan_id: int
    external_id: str
    borrower: str
    branch: str
    status: str  # notified (the auction ahead), sold (the surplus to refund)
    day: date  # the earliest auction, or the surplus's last day
    amount: Decimal  # what the notice asked for, or the surplus


@dataclass(frozen=True)
class GoldOverview:
    last_price: GoldPrice | None
    reference: Decimal | None  # today's valuation price, if there is a recent one
    calls: list[Call]
    waiting: list[Waiting]
    auctions: list[Auction]


def gold_overview(uow: UnitOfWork, *, branches: frozenset[str] | None, today: date) -> GoldOverview:
    """The work list of the caller's branches (None: all)."""
    last = uow.session.scalar(select(GoldPrice).order_by(GoldPrice.day.desc()).limit(1))
    reference = price_or_none(uow, today)
    mine = Loan.branch_code.in_(sorted(branches)) if branches is not None else Loan.id.is_not(None)
    calls = [
        Call(loan.id, loan.external_id, name, loan.branch_code, c.raised_on, c.ltv, c.ceiling,
             c.pay_down, c.more_value)
        for c, loan, name in uow.session.execute(
            select(MarginCall, Loan, Customer.name).join(Loan, Loan.id == MarginCall.loan_id)
            .join(Customer, Customer.id == Loan.customer_id)
            .where(MarginCall.closed_on.is_(None), mine))
    ]  # fmt: skip
    calls.sort(key=lambda c: (-c.ltv, c.loan_id))
    closed = uow.session.execute(
        select(Loan, Customer.name, func.count(CollateralItem.id))
        .join(Customer, Customer.id == Loan.customer_id)
        .join(CollateralItem, CollateralItem.loan_id == Loan.id)
        .where(CollateralItem.status == "pledged", Loan.status.in_(("closed", "settled")), mine)
        .group_by(Loan.id, Customer.name)
    ).all()  # fmt: skip
    waiting = sorted(
        (Waiting(loan.id, loan.external_id, name, loan.branch_code, loan.closed_on,
                 (today - loan.closed_on).days, items)
         for loan, name, items in closed if loan.closed_on is not None),
        key=lambda w: (-w.days, w.loan_id),
    )  # fmt: skip
    return GoldOverview(last, reference, calls, waiting, _auctions(uow, mine))


def _auctions(uow: UnitOfWork, mine: ColumnElement[bool]) -> list[Auction]:
    """The auctions noticed and not yet held, and those sold whose surplus is unpaid."""
    a = GoldAuction
    rows = uow.session.execute(
        select(a, Loan, Customer.name).join(Loan, Loan.id == a.loan_id)
        .join(Customer, Customer.id == Loan.customer_id)
        .where(mine, (a.status == "notified")
               | ((a.status == "sold") & (a.surplus > Decimal(0)) & a.refunded_on.is_(None))))  # fmt: skip
    found = []
    for row, loan, name in rows:
        ahead = row.status == "notified"
        day = row.earliest_on if ahead else row.surplus_due_by or row.earliest_on
        amount = row.overdue if ahead else row.surplus or Decimal(0)
        found.append(Auction(loan.id, loan.external_id, name, loan.branch_code, row.status, day,
                             amount))  # fmt: skip
    return sorted(found, key=lambda x: (x.day, x.loan_id))
