"""Watching gold loans every day, and giving the gold back: each gold loan's loan-to-value
ratio at the day-end (kept in `ltv_checks`), a margin call raised when it is above the loan's
ceiling and met when a later day-end finds it within; and the release of the pledge to the
borrower once the loan is closed, with the borrower's acknowledgement.

Guarantees: one check per loan and day (the key refuses a second); at most one open margin
call per loan; the pledge of an open loan is never released; works in the caller's unit of
work and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.collateral.models import CollateralItem, LtvCheck, MarginCall
from lms.collateral.service import ZERO, owed_of, price_on, tiers, unpaid
from lms.core.gold import ceiling, gold_value, ltv, shortfall
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Loan


def check(uow: UnitOfWork, day: date, low: int, high: int) -> int:
    """The day-end check of the gold loans with ids from `low` to `high`; returns how many."""
    items = uow.session.execute(
        select(CollateralItem.loan_id, CollateralItem.net_grams, CollateralItem.carats)
        .where(CollateralItem.loan_id.between(low, high), CollateralItem.status == "pledged")
    ).all()  # fmt: skip
    if not items:
        return 0
    loans = {loan.id: loan for loan in uow.session.scalars(
        select(Loan).where(Loan.id.in_({i.loan_id for i in items})))}  # fmt: skip
    calls = {c.loan_id: c for c in uow.session.scalars(select(MarginCall).where(
        MarginCall.loan_id.in_(list(loans)), MarginCall.closed_on.is_(None)))}  # fmt: skip
    live = sorted(k for k, loan in loans.items() if loan.status == "active")
    for loan_id in set(calls) - set(live):  # the loan closed: nothing more to call for
        calls[loan_id].closed_on, calls[loan_id].outcome = day, "loan_closed"
    if not live:
        return 0
    price = price_on(uow, day)
    value: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for loan_id, net, carats in items:
        value[loan_id] += gold_value(net, carats, price)
    owed = unpaid(uow, live)
    for loan_id in live:
        loan = loans[loan_id]
        amount = owed_of(owed[loan_id], loan.accrued_interest or ZERO, loan.excess, day)
        _judge(uow, day, loan, price, value[loan_id], amount, calls.get(loan_id))
    uow.session.flush()
    return len(live)


def _judge(
    uow: UnitOfWork, day: date, loan: Loan, price: Decimal, value: Decimal, owed: Decimal,
    call: MarginCall | None,
) -> None:  # fmt: skip
    """Keep the loan's check of the day; raise a margin call, or close the open one."""
    limit = ceiling(loan.principal, tiers())
    ratio = ltv(owed, value)
    shown = ratio if ratio is not None else Decimal("999999")  # no gold value left at all
    uow.session.add(LtvCheck(day=day, loan_id=loan.id, price=price.quantize(Decimal("0.0001")),
                             value=value, owed=owed, ltv=shown, ceiling=limit))  # fmt: skip
    short = shortfall(owed, value, limit)
    if short is None and call is not None:
        call.closed_on, call.outcome = day, "met"
    elif short is not None and call is None:
        uow.session.add(MarginCall(
            loan_id=loan.id, raised_on=day, ltv=shown, ceiling=limit, pay_down=short.pay_down,
            more_value=short.more_value))  # fmt: skip


def release(uow: UnitOfWork, loan_id: int, on: date, acknowledgement: str) -> list[CollateralItem]:
    """Give the pledged gold of a closed loan back to the borrower on `on`, with their
    acknowledgement (a receipt number or the borrower's words)."""
    loan = uow.session.get(Loan, loan_id)
    if loan is None:
        raise NotFoundError("loan", loan_id)
    if loan.status != "closed" or loan.closed_on is None:
        raise ConflictError(
            f"loan {loan_id} is {loan.status}: its pledge is released when it closes"
        )
    if not acknowledgement.strip():
        raise InvalidError([("acknowledgement", "is required (the borrower's receipt)")])
    if on < loan.closed_on:
        raise InvalidError([("on", f"is before the loan closed ({loan.closed_on})")])
    items = list(uow.session.scalars(select(CollateralItem).where(
        CollateralItem.loan_id == loan_id, CollateralItem.status == "pledged")))  # fmt: skip
    if not items:  # a retry of the same release gives what it gave
        given = list(uow.session.scalars(select(CollateralItem).where(
            CollateralItem.loan_id == loan_id,
            CollateralItem.acknowledgement == acknowledgement.strip()[:200])))  # fmt: skip
        if given:
            return given
        raise ConflictError(f"loan {loan_id} has no gold pledged")
    for item in items:
        item.status, item.released_on = "released", on
        item.released_by, item.acknowledgement = (
            uow.actor or "system",
            acknowledgement.strip()[:200],
        )
    uow.session.flush()
    return items


@dataclass(frozen=True)
class Holding:
    """A loan's collateral as its page and the API show it."""

    items: list[CollateralItem]
    check: LtvCheck | None  # the last day-end's ratio
    calls: list[MarginCall]

    @property
    def releasable(self) -> bool:
        """Items still pledged (given back once the loan has closed)."""
        return any(i.status == "pledged" for i in self.items)


def holding(uow: UnitOfWork, loan_id: int) -> Holding:
    """A loan's items, its latest check and its margin calls."""
    if uow.session.get(Loan, loan_id) is None:
        raise NotFoundError("loan", loan_id)
    items = uow.session.scalars(select(CollateralItem).where(
        CollateralItem.loan_id == loan_id).order_by(CollateralItem.id))  # fmt: skip
    check = uow.session.scalar(select(LtvCheck).where(LtvCheck.loan_id == loan_id)
                               .order_by(LtvCheck.day.desc()).limit(1))  # fmt: skip
    calls = uow.session.scalars(select(MarginCall).where(
        MarginCall.loan_id == loan_id).order_by(MarginCall.id))  # fmt: skip
    return Holding(list(items), check, list(calls))
