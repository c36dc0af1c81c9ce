"""Watching gold loans every day, and giving the gold back: each gold loan's loan-to-value
ratio at the day-end (kept in `ltv_checks`), a margin call raised when it is above the loan's
ceiling and met when a later day-end finds it within; and the release of the pledge (gold, or
securities) to the borrower once the loan is closed, with the borrower's acknowledgement.

Guarantees: one check per loan and day (a loan checked already is left out of a second run;
the key refuses a second row); at most one open margin call per loan; the pledge of an open
loan is never released; works in the caller's unit of work and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.collateral.models import (
    CollateralItem,
    LtvCheck,
    MarginCall,
    PledgedSecurity,
    PropertyPledge,
)
from lms.collateral.service import ZERO, interest_start, owed_of, tiers, unpaid
from lms.core.gold import ceiling, gold_value, ltv, shortfall
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.models import Loan


@dataclass(frozen=True)
class Batch:
    """The gold loans of a range of ids to check at a day-end: active, not checked yet that
    day, with their gold (net grams, carats), installments unpaid and open margin calls."""

    day: date
    loans: dict[int, Loan]
    gold: dict[int, list[tuple[Decimal, Decimal]]]
    unpaid: dict[int, list[tuple[date, Decimal, Decimal]]]
    calls: dict[int, MarginCall]


def batch(uow: UnitOfWork, day: date, low: int, high: int) -> Batch:
    """The day-end's gold loans with ids from `low` to `high`; the open margin calls of those
    that are no longer active are closed with their loans."""
    gold: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for loan_id, net, carats in uow.session.execute(
        select(CollateralItem.loan_id, CollateralItem.net_grams, CollateralItem.carats)
        .where(CollateralItem.loan_id.between(low, high), CollateralItem.status == "pledged")
    ):  # fmt: skip
        gold[loan_id].append((net, carats))
    calls = {c.loan_id: c for c in uow.session.scalars(select(MarginCall).where(
        MarginCall.loan_id.between(low, high), MarginCall.closed_on.is_(None)))}  # fmt: skip
    wanted = set(gold) | set(calls)
    loans = {loan.id: loan for loan in uow.session.scalars(  # as the close's steps left them
        select(Loan).where(Loan.id.in_(sorted(wanted)))
        .execution_options(populate_existing=True))} if wanted else {}  # fmt: skip
    for loan_id, call in calls.items():  # closed (its gold given back or not): no more to call
        if loans[loan_id].status != "active":
            call.closed_on, call.outcome = day, "loan_closed"
    done = set(uow.session.scalars(select(LtvCheck.loan_id).where(
        LtvCheck.day == day, LtvCheck.loan_id.between(low, high))))  # fmt: skip
    live = {k: loan for k, loan in loans.items()
            if k in gold and loan.status == "active" and k not in done}  # fmt: skip
    return Batch(day, live, dict(gold), unpaid(uow, sorted(live)) if live else {}, calls)


def judge(uow: UnitOfWork, found: Batch, loan_id: int, price: Decimal | None) -> None:
    """Keep one loan's check of the day at `price` (None: there is none to value the gold
    at, an error), raising a margin call or meeting the open one."""
    if price is None:
        raise InvalidError([("gold_price", f"no gold price in the days before {found.day}: "
                                           "keep the prices (lms gold prices), then close again")])  # fmt: skip
    loan = found.loans[loan_id]
    value = sum((gold_value(net, carats, price) for net, carats in found.gold[loan_id]), ZERO)
    owed = owed_of(found.unpaid[loan_id], interest_start(loan), loan.excess, found.day)
    _judge(uow, found.day, loan, price, value, owed, found.calls.get(loan_id))
    uow.session.flush()


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
    if loan.status not in ("closed", "settled") or loan.closed_on is None:
        raise ConflictError(
            f"loan {loan_id} is {loan.status}: its pledge is released when it closes"
        )
    if not acknowledgement.strip():
        raise InvalidError([("acknowledgement", "is required (the borrower's receipt)")])
    if on < loan.closed_on:
        raise InvalidError([("on", f"is before the loan closed ({loan.closed_on})")])
    _release_securities(uow, loan_id, on)
    items = list(uow.session.scalars(select(CollateralItem).where(
        CollateralItem.loan_id == loan_id, CollateralItem.status == "pledged")))  # fmt: skip
    if not items and _had_securities(uow, loan_id):
        return []
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


def _release_securities(uow: UnitOfWork, loan_id: int, on: date) -> None:
    """The shares, fund units and property pledged for the loan released (their pledges and
    charges closed)."""
    for row in uow.session.scalars(select(PledgedSecurity).where(
            PledgedSecurity.loan_id == loan_id, PledgedSecurity.status == "pledged")):  # fmt: skip
        row.status, row.released_on = "released", on
    for home in uow.session.scalars(select(PropertyPledge).where(
            PropertyPledge.loan_id == loan_id, PropertyPledge.status == "pledged")):  # fmt: skip
        home.status, home.released_on = "released", on


def _had_securities(uow: UnitOfWork, loan_id: int) -> bool:
    """Whether the loan had other collateral than gold."""
    return any(
        uow.session.scalar(select(model.id).where(model.loan_id == loan_id).limit(1)) is not None
        for model in (PledgedSecurity, PropertyPledge)
    )


@dataclass(frozen=True)
class Holding:
    """A loan's collateral as its page and the API show it."""

    items: list[CollateralItem]
    check: LtvCheck | None  # the last day-end's ratio
    calls: list[MarginCall]
    securities: list[PledgedSecurity]
    properties: list[PropertyPledge]

    @property
    def releasable(self) -> bool:
        """Items still pledged (given back once the loan has closed)."""
        pledged = [i.status for i in self.items] + [x.status for x in self.securities]
        pledged += [p.status for p in self.properties]
        return "pledged" in pledged


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
    held = uow.session.scalars(select(PledgedSecurity).where(
        PledgedSecurity.loan_id == loan_id).order_by(PledgedSecurity.id))  # fmt: skip
    homes = uow.session.scalars(select(PropertyPledge).where(
        PropertyPledge.loan_id == loan_id).order_by(PropertyPledge.id))  # fmt: skip
    return Holding(list(items), check, list(calls), list(held), list(homes))
