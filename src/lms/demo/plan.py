"""The demo's borrowers, drawn from the seed before anything is booked: each loan's product,
branch, borrower, terms, payout (in full, or a home loan in two tranches), behaviour, and what
it will do later (how late each payment comes, which debits bounce, the kind of prepayment),
drawn from the loan's own random stream.

Guarantee: pure (no database); the same seed, size and date always give the same borrowers, and
each loan's later draws come from its own stream in its own order, so the order in which the
builder interleaves the loans' histories cannot change what any borrower does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lms.demo.data import (
    BEHAVIOURS,
    BRANCHES,
    COLLECTION_DAYS,
    FEMALE,
    FIRST,
    LAST,
    PLACES,
    PRODUCTS,
    STREETS,
)  # fmt: skip

CENT = Decimal("0.01")
TENURES = (6, 12, 24, 36, 48, 60, 120, 180, 240)
# NPCI return reasons of the demo's bounced debits (balance insufficient, mostly)
RETURN_CODES = ("04", "04", "04", "04", "01", "68")
BOUNCING = timedelta(days=183)  # how long before the demo's date a bouncer's debits bounce
WARNING = 3  # installments a defaulter pays late, some returned, before it stops


@dataclass
class Borrower:
    """One demo loan as planned: who borrows, on what terms, and how they repay."""

    number: int
    product: str
    branch: str
    name: str
    phone: str
    principal: Decimal
    annual_rate: Decimal
    installments: int
    disbursed: date
    first_tranche: Decimal | None  # a home loan paid out in two tranches; None: in full
    behaviour: str
    stop: int  # the last installment the borrower pays (a defaulter stops early)
    special: int  # the installment after which a prepayer prepays, or the loan is foreclosed
    rnd: random.Random = field(repr=False)

    @property
    def external_id(self) -> str:
        return f"LOS-{self.number:06d}"

    @property
    def second_tranche(self) -> Decimal:
        """What the second tranche pays out (0: paid out in full)."""
        return Decimal(0) if self.first_tranche is None else self.principal - self.first_tranche

    def amount(self, emi: Decimal) -> Decimal:
        """What the borrower pays against an installment of `emi` (a partial payer: 60 %)."""
        share = Decimal("0.6") if self.behaviour == "partial" else Decimal(1)
        return (emi * share).quantize(CENT)

    def slipping(self, number: int) -> bool:
        """Whether installment `number` is in a defaulter's last three paid ones, when the
        trouble shows before it stops paying (late payments, returned debits)."""
        return self.behaviour == "defaulter" and self.stop - WARNING < number <= self.stop

    def paid_on(self, due: date, after: date, number: int) -> date:
        """When the borrower pays installment `number` due on `due`, after `after` (the last
        payment): on the day, or (a late payer, often; a defaulter slipping, mostly) on the
        first collection day 5 to 39 (8 to 30) days after; a payment that would come before
        the last one comes on the next collection day."""
        day = due
        if self.behaviour == "late" and self.rnd.random() < 0.6:
            day = _collection_day(due + timedelta(days=self.rnd.randrange(5, 40)))
        elif self.slipping(number) and self.rnd.random() < 0.8:
            day = _collection_day(due + timedelta(days=self.rnd.randrange(8, 31)))
        return day if day > after else _collection_day(after + timedelta(days=1))

    def bounces(self, day: date, as_of: date, number: int) -> str | None:
        """The return code if the debit of installment `number` on `day` is returned: a
        bouncer's, lately (in the six months before `as_of`), one time in three; a defaulter's
        while slipping, two times in five."""
        recent = as_of - day < BOUNCING
        if self.behaviour == "bounced" and recent and self.rnd.random() < 1 / 3:
            return self.rnd.choice(RETURN_CODES)
        if self.slipping(number) and self.rnd.random() < 0.4:
            return self.rnd.choice(RETURN_CODES)
        return None

    def reschedule(self) -> str:
        """How a part-prepayment revises the schedule."""
        return self.rnd.choice(["reduce_emi", "reduce_tenure"])

    @property
    def email(self) -> str:
        """The borrower's e-mail address (example.com is reserved for examples: nothing is delivered)."""
        return f"{self.name.split()[0].lower()}.{self.number}@example.com"

    def kyc(self) -> dict[str, Any]:
        """What the lender knows of the borrower beyond name and phone: birth, gender, PAN
        and address (a firm: PAN and address). Drawn from the borrower's number alone, so the
        demo's repayments draw the same; one borrower in 40 has no address on file (the
        credit bureau file leaves such a loan out and says why)."""
        rnd = random.Random(self.number * 7919 + 17)
        state, pin, locality, city = PLACES[self.branch]
        letters = "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(4))
        entity = self.product == "MSME"
        kyc: dict[str, Any] = {
            # the fourth letter: P a person, F a firm; the fifth: the surname's, or the firm's
            "pan": letters[:3] + ("F" if entity else "P") + self.name.split()[0 if entity else 1][0]
            + f"{rnd.randrange(1, 10000):04d}" + letters[3],
            "addresses": [] if rnd.random() < 1 / 40 else [{
                "kind": "office" if entity else "current", "state": state,
                "pin": pin + f"{rnd.randrange(1, 100):02d}",
                "text": f"{rnd.randrange(1, 400)}, {rnd.choice(STREETS)}, {locality}, {city}",
            }],
        }  # fmt: skip
        if not entity:
            first = self.name.split()[0]
            kyc["gender"] = "F" if first in FEMALE else "M"
            kyc["date_of_birth"] = date(
                rnd.randrange(1965, 2003), rnd.randrange(1, 13), rnd.randrange(1, 29)
            )
        return kyc


def _collection_day(day: date) -> date:
    """The first collection day on or after `day`."""
    while day.day not in COLLECTION_DAYS:
        day += timedelta(days=1)
    return day


def draw_borrowers(seed: int, loans: int, as_of: date) -> list[Borrower]:
    """`loans` borrowers, disbursed between two years and a month before `as_of`."""
    rnd = random.Random(seed)
    return [_borrower(rnd, number, as_of) for number in range(1, loans + 1)]


def _borrower(rnd: random.Random, number: int, as_of: date) -> Borrower:
    code = rnd.choices(list(PRODUCTS), weights=[40, 25, 10, 15, 10])[0]
    _, _, amount, rate, tenure = PRODUCTS[code]
    branch = rnd.choice(list(BRANCHES))
    name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}" + (" Enterprises" if code == "MSME" else "")
    phone = f"9{rnd.randrange(10**8, 10**9)}"
    principal = Decimal(rnd.randrange(amount[0], amount[1]) // 1000 * 1000)
    quarters = (int(Decimal(rate[0]) * 4), int(Decimal(rate[1]) * 4))
    annual_rate = Decimal(rnd.randrange(quarters[0], quarters[1] + 1)) / 4
    installments = rnd.choice([t for t in TENURES if tenure[0] <= t <= tenure[1]])
    disbursed = as_of - timedelta(days=rnd.randrange(30, 730))
    # a third of home loans are paid out in two tranches (a house being built)
    first = principal * 6 // 10 if code == "HL" and rnd.random() < 0.33 else None
    behaviour = rnd.choices([b for b, _ in BEHAVIOURS], weights=[w for _, w in BEHAVIOURS])[0]
    if behaviour == "prepayer" and code not in ("PL", "TW", "HL"):
        behaviour = "on_time"  # part-prepayments revise level-EMI schedules only
    # a defaulter pays from 4 to 29 installments (the last three slipping) and stops
    stop = rnd.randrange(4, 30) if behaviour == "defaulter" else 10**6
    special = rnd.randrange(3, 15)
    own = random.Random(rnd.getrandbits(64))
    return Borrower(
        number, code, branch, name, phone, principal, annual_rate, installments, disbursed,
        first, behaviour, stop, special, own,
    )  # fmt: skip
