"""The demo's gold: the closing price of 22-carat gold every day of the book's history (rising
gently over two years, then down by a seventh in its last five days), the ornaments pledged on
each gold loan the day it is paid out (assayed to 80 % to 98 % of its loan-to-value ceiling), and
the gold given back on the day a gold loan closes (those closed in the last three days wait,
for staff to record). The daily close then watches the ratios, and the fall in the last days
calls for margin on the riskier loans.

Guarantees: deterministic (each loan's pledge from its own random stream, so the rest of the
book is the same); every pledge is made as a lender's would be, within the ceilings.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import select

from lms.collateral.models import CollateralItem
from lms.collateral.service import Item, owed_on, pledge, price_on, record_price, tiers
from lms.collateral.watch import release
from lms.core.gold import ceiling
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan

CODE = "GL"  # the demo's gold loan product
ORNAMENTS = ("necklace", "bangles", "chain", "earrings", "ring", "bracelet")
FALL_DAYS = 5  # the price is down in the last five days before the demo date


def price(day: date, as_of: date) -> Decimal:
    """The demo's closing price of a gram of 22-carat gold on `day`: from about 6,900 two years
    before `as_of` rising to about 7,250, wavering by a few rupees a day, and 6,150 in the last
    five days."""
    if day >= as_of - timedelta(days=FALL_DAYS):
        return Decimal(6150)
    rise = 350 * (730 - min((as_of - day).days, 730)) // 730
    return Decimal(6900 + rise + 40 * (day.toordinal() % 7 - 3))


def keep_prices(uow: UnitOfWork, first: date, as_of: date) -> None:
    """The prices of the 31 days before `first` through the day before `as_of`."""
    day = first - timedelta(days=31)
    while day < as_of:
        record_price(uow, day, price(day, as_of), "IBJA")
        day += timedelta(days=1)


def pledge_gold(uow: UnitOfWork, loan_id: int, day: date) -> None:
    """Ornaments pledged on a gold loan paid out on `day`, at its own ratio."""
    rnd = random.Random(loan_id * 7919)
    loan = uow.session.get(Loan, loan_id)
    assert loan is not None
    # the loan-to-value ratio at sanction: 80 % to 98 % of the loan's ceiling
    target = ceiling(loan.principal, tiers()) * rnd.randrange(80, 99) / 10_000
    value = owed_on(uow, loan, day) / target
    pledge(uow, loan_id, _items(rnd, value, price_on(uow, day), loan_id), day)


def _items(rnd: random.Random, value: Decimal, reference: Decimal, loan_id: int) -> list[Item]:
    """Ornaments worth at least `value` at `reference` a gram of 22 carats, in one to three
    pieces of work, each of its purity, stones adding a tenth to the weight."""
    pieces = rnd.randrange(1, 4)
    items = []
    for k in range(pieces):
        carats = Decimal(rnd.choice((22, 22, 20, 18)))
        net = (value / pieces / (reference * carats / 22)).quantize(
            Decimal("0.01"), rounding=ROUND_CEILING
        )
        gross = (net * Decimal("1.1")).quantize(Decimal("0.01"))
        name = rnd.choice(ORNAMENTS)
        items.append(Item("gold_ornament", name, 2 if name in ("bangles", "earrings") else 1,
                          str(gross), str(net), str(carats), f"AS-{loan_id}-{k + 1}"))  # fmt: skip
    return items


def give_back(uow: UnitOfWork, as_of: date) -> None:
    """The gold of the gold loans closed before the last three days, given back the day each
    closed; the borrower's receipt recorded."""
    closed = uow.session.scalars(
        select(Loan).where(Loan.status.in_(("closed", "settled")))
        .where(Loan.closed_on < as_of - timedelta(days=3))
        .where(Loan.id.in_(select(CollateralItem.loan_id).where(CollateralItem.status == "pledged")))
        .order_by(Loan.id)
    ).all()  # fmt: skip
    for loan in closed:
        assert loan.closed_on is not None
        release(uow, loan.id, loan.closed_on, f"receipt GR-{loan.id}")
