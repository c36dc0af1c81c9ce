"""The demo's group lending: centres in the first branches, each with two joint liability
groups of five women, every member's household assessed and lent 20,000 to 40,000 at 22 % a
year on the reducing balance over 52 weeks, paid out a week before the centre's first meeting
four months before the demo's date; then every weekly meeting's collection sheet posted by the
demo's loan officer, the field officer of every centre. Most members pay their installment
in full; some now and then come short and their group covers the rest; one member of each
centre stops paying after some months, and her group does not cover her, so the centres show
arrears and a portfolio at risk.

Guarantees: deterministic (each member's conduct from her own random stream); every loan is
booked through onboarding, so the household cap and the pricing policy are checked as for any
microfinance loan; every meeting through the collection sheet's own posting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from lms.close.steps import dues
from lms.demo.data import PLACES
from lms.demo.staff import OFFICER, demo_officer
from lms.microfinance.centres import CentreRequest, form_group, lend_through, open_centre
from lms.microfinance.sheets import Taken, collection_sheet, post_sheet
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules, create_customer, create_product
from lms.servicing.households import assess, form_household
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan

CODE = "JLG"
WEEKS = 52
RUN_WEEKS = 16  # the centres' first meeting, weeks before the demo's date
CENTRES = (
    ("PUN01-C1", "Hadapsar", "PUN01", "Vitthal temple hall, Hadapsar", "08:30"),
    ("BLR01-C1", "Ejipura", "BLR01", "Community hall, Ejipura", "09:00"),
    ("DEL01-C1", "Sangam Vihar", "DEL01", "Anganwadi centre, Block F", "08:00"),
)
GROUPS = ("Lotus", "Jasmine")
NAMES = ("Sunita", "Lakshmi", "Meena", "Fatima", "Pooja", "Deepa", "Kavita", "Rekha", "Shobha",
         "Anjali", "Radha", "Geeta", "Nirmala", "Savita", "Usha")  # fmt: skip
SURNAMES = ("Pawar", "Gowda", "Devi", "Khatun", "Yadav", "Naik", "Bai", "Kumari")


@dataclass(frozen=True)
class Member:
    centre: int  # index into CENTRES
    group: int  # index into GROUPS
    name: str
    principal: Decimal
    income: Decimal  # the household's a year
    elsewhere: Decimal  # a month, to other lenders
    short: float  # the chance she comes short at a meeting (the group covers it)
    stops: int | None  # the meeting from which she pays nothing (her group does not cover)


def members(centres: int, seed: int = 11) -> list[Member]:
    """The demo's members of `centres` centres (at most three), five to a group."""
    found = []
    for c in range(min(centres, len(CENTRES))):
        for g in range(len(GROUPS)):
            for k in range(5):
                rnd = random.Random(seed * 1_000 + c * 100 + g * 10 + k)
                found.append(Member(
                    c, g, f"{rnd.choice(NAMES)} {rnd.choice(SURNAMES)}",
                    Decimal(rnd.choice((20_000, 25_000, 30_000, 35_000, 40_000))),
                    Decimal(rnd.choice((150_000, 180_000, 210_000, 240_000))),
                    Decimal(rnd.choice((0, 500, 1_000, 1_500))),
                    rnd.choice((0.0, 0.0, 0.0, 0.15, 0.3)),
                    rnd.randrange(6, 12) if (g, k) == (1, (c + 2) % 5) else None,
                ))  # fmt: skip
    return found


class Groups:
    """The group lending of the demo book, run day by day beside its history."""

    def __init__(self, as_of: date, centres: int) -> None:
        self.members = members(centres)
        weeks_back = as_of - timedelta(weeks=RUN_WEEKS)
        self.first = weeks_back + timedelta(days=(1 - weeks_back.weekday()) % 7)  # a Tuesday
        self.paid_out = self.first - timedelta(weeks=1)
        self.as_of = as_of
        self.centre_ids: list[int] = []
        self.group_ids: dict[tuple[int, int], int] = {}  # by (centre, group) index
        self.customers: list[tuple[int, Member]] = []
        self.loans: dict[int, Member] = {}  # by loan id
        self.meetings = 0

    def setup(self, uow: UnitOfWork) -> None:
        """The product, the centres, their members, households and groups."""
        if not self.members:
            return
        create_product(
            uow, code=CODE, name="Joint liability group loan",
            settings={"frequency": "weekly", "method": "emi"},
            amount=(Decimal(10_000), Decimal(100_000)), rate=(Decimal(18), Decimal(24)),
            tenure=(26, 104), rules=ProductRules(microfinance=True, joint_liability=True),
        )  # fmt: skip
        demo_officer(uow, datetime.now(UTC))
        for c in range(1 + max(m.centre for m in self.members)):
            code, name, branch, place, time = CENTRES[c]
            centre = open_centre(uow, CentreRequest(code, name, branch, place, time, "weekly",
                                                    self.first, OFFICER))  # fmt: skip
            self.centre_ids.append(centre.id)
            for g, group_name in enumerate(GROUPS):
                people = [m for m in self.members if (m.centre, m.group) == (c, g)]
                ids = [self._member(uow, branch, m) for m in people]
                formed = self.paid_out - timedelta(weeks=2)
                self.group_ids[(c, g)] = form_group(uow, centre.id, group_name, ids, formed).id
                self.customers += list(zip(ids, people, strict=True))

    def _member(self, uow: UnitOfWork, branch: str, m: Member) -> int:
        rnd = random.Random(f"{branch}/{m.group}/{m.name}")
        state, pin, _, city = PLACES[branch]
        where = CENTRES[m.centre][1]
        customer = create_customer(
            uow, branch_code=branch, name=m.name, gender="F",
            date_of_birth=date(rnd.randrange(1970, 2000), rnd.randrange(1, 13), rnd.randrange(1, 29)),
            phone=f"9{rnd.randrange(10**8, 10**9)}",
            addresses=[{"kind": "current", "state": state, "pin": pin + f"{rnd.randrange(1, 100):02d}",
                        "text": f"House {rnd.randrange(1, 300)}, {where}, {city}"}],
        )  # fmt: skip
        household = form_household(uow, [customer.id], self.paid_out)
        assess(uow, household.id, day=self.paid_out, annual_income=m.income,
               other_obligations=m.elsewhere, source="bureau")  # fmt: skip
        return customer.id

    def busy(self, day: date) -> bool:
        return bool(self.members) and (day == self.paid_out or (
            self.first <= day <= self.as_of and (day - self.first).days % 7 == 0))  # fmt: skip

    def run_day(self, uow: UnitOfWork, day: date) -> None:
        """The loans paid out, or a meeting of every centre."""
        if day == self.paid_out:
            self._lend(uow, day)
            return
        week = (day - self.first).days // 7
        dues.run(uow, day, min(self.loans), max(self.loans))  # what falls due today: raised
        for centre_id in self.centre_ids:
            sheet = collection_sheet(uow, centre_id, day)
            taken = [self._taken(self.loans[r.loan_id], r.loan_id, r.due, week)
                     for r in sheet.rows]  # fmt: skip
            post_sheet(uow, centre_id, day, taken=taken, collector=OFFICER, posted=day)
            self.meetings += 1

    def _lend(self, uow: UnitOfWork, day: date) -> None:
        for customer_id, m in self.customers:
            request = LoanRequest(f"{CODE}-{customer_id}", CENTRES[m.centre][2], customer_id,
                                  CODE, m.principal, Decimal(22), WEEKS, day,
                                  first_due_date=self.first)  # fmt: skip
            loan = onboard_loan(uow, request=request)
            disburse_loan(uow, loan_id=loan.id, posting_date=day)
            lend_through(uow, self.group_ids[(m.centre, m.group)], loan.id)
            self.loans[loan.id] = m

    def _taken(self, m: Member, loan_id: int, due: Decimal, week: int) -> Taken:
        """What the member paid at the meeting of `week`, and what her group covered."""
        if m.stops is not None and week >= m.stops:
            return Taken(loan_id, attended=week % 3 == 0)
        rnd = random.Random(loan_id * 7_919 + week)
        if rnd.random() < m.short:
            part = (due * Decimal(rnd.randrange(50, 90)) / 100).quantize(Decimal(1), ROUND_DOWN)
            return Taken(loan_id, part, due - part)
        return Taken(loan_id, due)
