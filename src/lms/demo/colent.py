"""The demo's co-lending: an arrangement with a bank (80 % of each loan at 11 %, the lender's
20 % at 20 %: 12.8 % to the borrower; a quarter of the fees to the bank) and personal loans lent
under it over the book's last six months, each on the day it is paid out; their installments
paid as their borrowers pay (most on the due date, one in four a few days late, one in eight in
two parts), and every day that moved money settled with the bank the next day.

Guarantees: deterministic (each loan from its own random stream); every loan booked, paid and
co-lent through the services, every settlement through the settlement's own path.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.colending.service import ArrangementRequest, create_arrangement, lend_under
from lms.colending.settlement import settle
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import create_customer
from lms.servicing.models import LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

CODE = "BANK-CL1"
TERMS = ArrangementRequest(CODE, "Bharat Co-operative Bank", Decimal(80), Decimal(11),
                           Decimal(20), Decimal(25), "ESCROW-BCB-0001")  # fmt: skip
RATE = Decimal("12.8")  # the blend
NAMES = ("Kiran Shetty", "Neha Kulkarni", "Imran Shaikh", "Lata Menon", "Vikram Rao",
         "Swati Joshi", "Arif Khan", "Deepika Iyer", "Manoj Patil", "Rekha Nair")  # fmt: skip


@dataclass(frozen=True)
class Borrower:
    name: str
    principal: Decimal
    paid_out: date
    late: int  # days late each installment is paid (0: on the due date)
    split: bool  # pays in two parts, a week apart


class CoLent:
    """The co-lent loans of the demo book, run day by day beside its history."""

    def __init__(self, as_of: date, count: int, seed: int = 13) -> None:
        self.as_of = as_of
        self.borrowers: list[Borrower] = []
        for k in range(count):
            rnd = random.Random(seed * 1_000 + k)
            self.borrowers.append(Borrower(
                NAMES[k % len(NAMES)], Decimal(rnd.choice((150_000, 200_000, 300_000, 500_000))),
                as_of - timedelta(days=rnd.randrange(20, 180)),
                rnd.choice((0, 0, 0, 5)), rnd.random() < 0.125,
            ))  # fmt: skip
        self.events: dict[date, list[tuple[str, int, Borrower | None, Decimal]]] = {}
        self.customers: dict[int, int] = {}

    def setup(self, uow: UnitOfWork) -> None:
        """The arrangement and the borrowers."""
        if not self.borrowers:
            return
        create_arrangement(uow, TERMS)
        for k, b in enumerate(self.borrowers):
            self.customers[k] = create_customer(uow, branch_code="PUN01", name=b.name).id
            self.events.setdefault(b.paid_out, []).append(("lend", k, b, Decimal(0)))

    def busy(self, day: date) -> bool:
        return day in self.events

    def run_day(self, uow: UnitOfWork, day: date) -> None:
        """The day's loans paid out and co-lent, payments, and yesterday's settlement."""
        for kind, k, b, amount in sorted(self.events.pop(day, []), key=lambda e: (e[0], e[1])):
            if kind == "lend" and b is not None:
                self._lend(uow, day, k, b)
            elif kind == "pay":
                record_payment(uow, loan_id=k, request=PaymentRequest(
                    amount, day, f"CL-{k}-{day:%Y%m%d}", "nach"), posting_date=day)  # fmt: skip
            elif kind == "settle":
                settle(uow, CODE, day - timedelta(days=1))

    def _lend(self, uow: UnitOfWork, day: date, k: int, b: Borrower) -> None:
        request = LoanRequest(f"CL-{k + 1:04d}", "PUN01", self.customers[k], "PL", b.principal,
                              RATE, 24, day)  # fmt: skip
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=day)
        lend_under(uow, CODE, loan.id, day)
        self._settle(day)
        rows = uow.session.execute(select(
            LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest,
        ).where(LoanInstallment.loan_id == loan.id)).all()  # fmt: skip
        for due, principal, interest in rows:
            amount = Decimal(principal + interest).quantize(Decimal("0.01"))
            paid = due + timedelta(days=b.late)
            parts = [amount // 2, amount - amount // 2] if b.split else [amount]
            for n, part in enumerate(parts):
                when = paid + timedelta(days=7 * n)
                if when <= self.as_of - timedelta(days=1):
                    self.events.setdefault(when, []).append(("pay", loan.id, None, part))
                    self._settle(when)

    def _settle(self, day: date) -> None:
        """Settle `day` the day after (once)."""
        after = day + timedelta(days=1)
        if after <= self.as_of and ("settle", 0, None, Decimal(0)) not in self.events.get(
            after, []
        ):
            self.events.setdefault(after, []).append(("settle", 0, None, Decimal(0)))
