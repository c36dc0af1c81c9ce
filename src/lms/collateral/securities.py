"""Loans against shares and mutual fund units: the closing prices kept, securities pledged at
sanction (refused when the loan would owe more than their drawing power), each such loan's
position at the day-end (its market value, drawing power and what it owes, kept as the day's
check), and a margin shortfall call when it owes more than the drawing power, met when a later
day-end finds it within (lms.core.securities).

What a loan owes is counted as for gold (lms.collateral.service.owed_of). A holding is valued at
its last closing price on or before the day, no older than `LMS_SECURITY_PRICE_DAYS`; a loan with
a holding that has none cannot be checked, a close failure of that loan alone.

Guarantees: works in the caller's unit of work and never commits; bad input raises
`InvalidError` naming each field and writes nothing; a pledge retried with the same references
and figures gives back what it gave; a loan pledges gold or securities, not both; one check per
loan and day; at most one open margin call per loan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from lms.collateral.models import (
    SECURITY_KINDS,
    CollateralItem,
    LtvCheck,
    MarginCall,
    PledgedSecurity,
    SecurityPrice,
)
from lms.collateral.service import ZERO, owed_on
from lms.core.securities import Holding, Position, position
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing.models import Loan
from lms.servicing.service import locked_loan

_ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")


@dataclass(frozen=True)
class Security:
    """Securities as pledged: the class, ISIN, name, quantity and the depository's pledge."""

    kind: str
    isin: str
    name: str
    quantity: str
    pledge_reference: str


def record_security_price(
    uow: UnitOfWork, isin: str, day: date, price: Decimal, source: str
) -> SecurityPrice:
    """Keep a security's closing price (a fund's NAV) of `day`; the same again does nothing."""
    problems = []
    if not _ISIN.fullmatch(isin):
        problems.append(("isin", "12 characters: country, 9 letters or digits, a check digit"))
    if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.0001")):
        problems.append(("price", "more than nought, to four places at most"))
    if not source.strip():
        problems.append(("source", "is required (the exchange, or the fund's NAV)"))
    if problems:
        raise InvalidError(problems)
    kept = uow.session.get(SecurityPrice, (isin, day))
    if kept is not None:
        if kept.price != price:
            raise ConflictError(f"the price of {isin} on {day} is kept already: {kept.price}")
        return kept
    row = SecurityPrice(isin=isin, day=day, price=price, source=source.strip()[:40],
                        recorded_by=uow.actor or "system")  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def prices_on(uow: UnitOfWork, isins: Sequence[str], day: date) -> dict[str, Decimal]:
    """Each security's last closing price on or before `day`, if recent enough."""
    since = day - timedelta(days=get_settings().security_price_days)
    found: dict[str, tuple[date, Decimal]] = {}
    for isin, when, price in uow.session.execute(
        select(SecurityPrice.isin, SecurityPrice.day, SecurityPrice.price)
        .where(SecurityPrice.isin.in_(sorted(set(isins))), SecurityPrice.day <= day,
               SecurityPrice.day >= since)
    ):  # fmt: skip
        if isin not in found or when > found[isin][0]:
            found[isin] = (when, Decimal(price))
    return {isin: price for isin, (_, price) in found.items()}


def loan_position(
    uow: UnitOfWork, held: Sequence[PledgedSecurity], owed: Decimal, day: date
) -> Position:
    """The pledge's position at `day`; refused when a holding has no recent price."""
    prices = prices_on(uow, [h.isin for h in held], day)
    missing = sorted({h.isin for h in held} - set(prices))
    if missing:
        raise InvalidError([("security_price", f"no price of {', '.join(missing)} in the "
                                               f"days to {day}: keep the prices first")])  # fmt: skip
    cuts = get_settings().security_haircuts
    return position([Holding(h.quantity, prices[h.isin], cuts[h.kind]) for h in held], owed)


def pledge_securities(
    uow: UnitOfWork, loan_id: int, items: Sequence[Security], on: date
) -> list[PledgedSecurity]:
    """Pledge `items` on the loan on `on`, within its drawing power at the day's prices."""
    loan = locked_loan(uow, loan_id)
    parsed = _parsed(items)
    if loan.status not in ("approved", "active"):
        raise ConflictError(f"loan {loan_id} is {loan.status}: nothing more can be pledged")
    if uow.session.scalar(select(CollateralItem.id).where(CollateralItem.loan_id == loan_id)):
        raise ConflictError(f"loan {loan_id} is lent against gold")
    given = {i.pledge_reference for i in items}
    before = list(uow.session.scalars(select(PledgedSecurity).where(
        PledgedSecurity.loan_id == loan_id, PledgedSecurity.pledge_reference.in_(given))))  # fmt: skip
    if before:
        return _pledged_before(before, items, parsed)
    rows = [PledgedSecurity(
        loan_id=loan_id, kind=i.kind, isin=i.isin, name=i.name.strip(), quantity=quantity,
        pledge_reference=i.pledge_reference.strip(), status="pledged", pledged_on=on,
        created_by=uow.actor or "system", created_at=datetime.now(UTC),
    ) for i, quantity in zip(items, parsed, strict=True)]  # fmt: skip
    held = [*_holding(uow, loan_id), *rows]
    found = loan_position(uow, held, owed_on(uow, loan, on), on)
    if found.pay_down and len(held) == len(rows):  # more securities lowering a breach are taken
        raise InvalidError([("items", f"a drawing power of {found.drawing_power} (worth "
                                      f"{found.value}) does not cover {found.owed} owed")])  # fmt: skip
    uow.session.add_all(rows)
    uow.session.flush()
    return rows


def _parsed(items: Sequence[Security]) -> list[Decimal]:
    problems, found = [], []
    if not items:
        problems.append(("items", "at least one"))
    for n, i in enumerate(items):
        where = f"items[{n}]"
        if i.kind not in SECURITY_KINDS:
            problems.append((f"{where}.kind", f"one of {list(SECURITY_KINDS)}"))
        if not _ISIN.fullmatch(i.isin):
            problems.append((f"{where}.isin", "is not an ISIN"))
        if not i.name.strip() or not i.pledge_reference.strip():
            problems.append((f"{where}.pledge_reference", "name and pledge reference needed"))
        try:
            quantity = Decimal(i.quantity)
        except InvalidOperation:
            quantity = Decimal(-1)
        if not quantity.is_finite() or quantity <= 0 or quantity != quantity.quantize(
                Decimal("0.001")):  # fmt: skip
            problems.append((f"{where}.quantity", "more than nought, to three places at most"))
        found.append(quantity)
    if problems:
        raise InvalidError(problems)
    return found


def _pledged_before(
    before: list[PledgedSecurity], items: Sequence[Security], parsed: list[Decimal]
) -> list[PledgedSecurity]:
    """A pledge retried: what it gave, if the figures are the same."""
    wanted = {(i.pledge_reference.strip(), i.isin, q) for i, q in zip(items, parsed, strict=True)}
    if {(b.pledge_reference, b.isin, b.quantity) for b in before} != wanted:
        raise ConflictError("a pledge reference given was pledged on this loan with other figures")
    return before


def _holding(uow: UnitOfWork, loan_id: int) -> list[PledgedSecurity]:
    return list(uow.session.scalars(select(PledgedSecurity).where(
        PledgedSecurity.loan_id == loan_id, PledgedSecurity.status == "pledged")))  # fmt: skip


def check_loans(uow: UnitOfWork, day: date, low: int, high: int) -> list[int]:
    """The active loans with securities pledged, ids `low` to `high`, not checked on `day`."""
    pledged = set(uow.session.scalars(select(PledgedSecurity.loan_id).where(
        PledgedSecurity.loan_id.between(low, high), PledgedSecurity.status == "pledged")))  # fmt: skip
    done = set(uow.session.scalars(select(LtvCheck.loan_id).where(
        LtvCheck.day == day, LtvCheck.loan_id.between(low, high))))  # fmt: skip
    active = set(uow.session.scalars(select(Loan.id).where(
        Loan.id.in_(sorted(pledged - done)), Loan.status == "active"))) if pledged else set()  # fmt: skip
    return sorted(active)


def judge(uow: UnitOfWork, loan_id: int, day: date) -> None:
    """Keep one loan's check of the day, raising a shortfall call or meeting the open one."""
    loan = uow.session.get(Loan, loan_id, populate_existing=True)  # the close's own figures
    assert loan is not None
    found = loan_position(uow, _holding(uow, loan_id), owed_on(uow, loan, day), day)
    shown = found.ratio if found.ratio is not None else Decimal("999999")
    uow.session.add(LtvCheck(day=day, loan_id=loan_id, price=ZERO, value=found.value,
                             owed=found.owed, ltv=shown, ceiling=found.ceiling))  # fmt: skip
    call = uow.session.scalar(select(MarginCall).where(
        MarginCall.loan_id == loan_id, MarginCall.closed_on.is_(None)))  # fmt: skip
    if not found.pay_down and call is not None:
        call.closed_on, call.outcome = day, "met"
    elif found.pay_down and call is None:
        uow.session.add(MarginCall(loan_id=loan_id, raised_on=day, ltv=shown,
                                   ceiling=found.ceiling, pay_down=found.pay_down,
                                   more_value=found.more_value))  # fmt: skip
    uow.session.flush()
