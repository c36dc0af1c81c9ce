"""A demo portfolio: branches, products, customers and loans with up to two years of realistic
repayment history (on-time payers, late payers, partial payers, defaulters), built through the
same services as real use, so the ledger and the loans agree exactly.

Guarantee: the same seed, size and date always build the same book; every money movement goes
through `lms.loans.repayments`, so `lms ledger check` passes on the result.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lms.core.rows import Installment
from lms.db import UnitOfWork
from lms.loans.catalog import create_branch, create_customer, create_product
from lms.loans.onboarding import LoanRequest, onboard_loan
from lms.loans.repayments import PaymentRequest, record_payment, reverse_payment
from lms.loans.service import disburse_loan, loan_schedule

BRANCHES = {
    "PUN01": "Pune Camp",
    "BLR01": "Bengaluru Koramangala",
    "DEL01": "Delhi Karol Bagh",
    "CHN01": "Chennai T Nagar",
    "KOL01": "Kolkata Park Street",
}
GST = {"name": "processing", "percent": "2", "tax": "18"}
PRODUCTS: dict[
    str, tuple[str, dict[str, Any], tuple[int, int], tuple[str, str], tuple[int, int]]
] = {
    # code: (name, settings, amount range, rate range, tenure range)
    "PL": ("Personal loan", {"fees": [GST]}, (50_000, 1_500_000), ("12", "24"), (12, 60)),
    "TW": (
        "Two-wheeler loan",
        {
            "due_day": 5,
            "bpi": "deduct",
            "fees": [
                {"name": "processing", "percent": "1.5", "tax": "18"},
                {"name": "stamp duty", "amount": "200", "payee": "third_party"},
            ],
        },
        (40_000, 200_000),
        ("9", "26"),
        (12, 36),
    ),
    "HL": (
        "Home loan",
        {
            "due_day": 5,
            "bpi": "deduct",
            "rounding": {"step": "1", "mode": "up"},
            "fees": [{"name": "processing", "percent": "0.5", "tax": "18"}],
        },
        (1_000_000, 15_000_000),
        ("8.25", "10.5"),
        (120, 240),
    ),
    "GL": ("Gold loan", {"method": "bullet"}, (20_000, 500_000), ("10", "18"), (6, 12)),
    "MSME": (
        "MSME term loan",
        {"step": {"every": 12, "percent": "5"}, "grace_principal": 3, "fees": [GST]},
        (300_000, 5_000_000),
        ("14", "20"),
        (24, 48),
    ),
}
FIRST = [
    "Asha",
    "Ravi",
    "Priya",
    "Arjun",
    "Meena",
    "Suresh",
    "Kavya",
    "Imran",
    "Fatima",
    "Rahul",
    "Anita",
    "Vikram",
    "Lakshmi",
    "Joseph",
    "Harpreet",
    "Sunita",
    "Manoj",
    "Deepa",
    "Arun",
    "Pooja",
]
LAST = [
    "Patil",
    "Kumar",
    "Sharma",
    "Iyer",
    "Das",
    "Reddy",
    "Khan",
    "Singh",
    "Nair",
    "Gupta",
    "Bose",
    "Menon",
    "Joshi",
    "Pillai",
    "Chatterjee",
    "Yadav",
    "Shaikh",
    "Rao",
    "Mehta",
    "Gill",
]
BEHAVIOURS = [("on_time", 70), ("late", 15), ("partial", 7), ("defaulter", 5), ("bounced", 3)]


@dataclass(frozen=True)
class DemoSummary:
    loans: int
    payments: int
    reversals: int


def build_demo(
    sessions: sessionmaker[Session], *, loans: int, as_of: date, seed: int = 7
) -> DemoSummary:
    """Create the demo book in an empty, migrated database."""
    rnd = random.Random(seed)
    with UnitOfWork(sessions) as uow:
        for code, name in BRANCHES.items():
            create_branch(uow, code=code, name=name)
        for code, (name, settings, amount, rate, tenure) in PRODUCTS.items():
            create_product(
                uow,
                code=code,
                name=name,
                settings=settings,
                amount=(Decimal(amount[0]), Decimal(amount[1])),
                rate=(Decimal(rate[0]), Decimal(rate[1])),
                tenure=tenure,
                bounce_charge=(Decimal(500), Decimal(18)),
            )
        uow.commit()
    payments = reversals = 0
    for number in range(1, loans + 1):
        made, returned = _one_loan(sessions, rnd, number, as_of)
        payments, reversals = payments + made, reversals + returned
    return DemoSummary(loans, payments, reversals)


def _one_loan(
    sessions: sessionmaker[Session], rnd: random.Random, number: int, as_of: date
) -> tuple[int, int]:
    code = rnd.choices(list(PRODUCTS), weights=[40, 25, 10, 15, 10])[0]
    _, _, amount, rate, tenure = PRODUCTS[code]
    branch = rnd.choice(list(BRANCHES))
    disbursed = as_of - timedelta(days=rnd.randrange(30, 730))
    with UnitOfWork(sessions) as uow:
        customer = create_customer(
            uow,
            branch_code=branch,
            name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
            phone=f"9{rnd.randrange(10**8, 10**9)}",
        )
        request = LoanRequest(
            external_id=f"LOS-{number:06d}",
            branch_code=branch,
            customer_id=customer.id,
            product_code=code,
            principal=Decimal(rnd.randrange(amount[0], amount[1]) // 1000 * 1000),
            annual_rate=Decimal(
                rnd.randrange(int(Decimal(rate[0]) * 4), int(Decimal(rate[1]) * 4) + 1)
            )
            / 4,
            installments=rnd.choice(
                [t for t in (6, 12, 24, 36, 48, 60, 120, 180, 240) if tenure[0] <= t <= tenure[1]]
            ),
            disbursement_date=disbursed,
        )
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=disbursed)
        uow.commit()
        loan_id, rows = loan.id, loan_schedule(loan).installments
    behaviour = rnd.choices([b for b, _ in BEHAVIOURS], weights=[w for _, w in BEHAVIOURS])[0]
    return _repay(sessions, rnd, loan_id, rows, behaviour, as_of)


def _repay(
    sessions: sessionmaker[Session],
    rnd: random.Random,
    loan_id: int,
    rows: tuple[Installment, ...],
    behaviour: str,
    as_of: date,
) -> tuple[int, int]:
    made = returned = 0
    stop = rnd.randrange(1, 6) if behaviour == "defaulter" else len(rows)
    for row in rows[:stop]:
        delay = rnd.randrange(5, 40) if behaviour == "late" and rnd.random() < 0.6 else 0
        paid_on = row.due_date + timedelta(days=delay)
        if paid_on > as_of:
            break
        amount = (
            row.total
            if behaviour != "partial"
            else (row.total * Decimal("0.6")).quantize(Decimal("0.01"))
        )
        with UnitOfWork(sessions) as uow:
            event, _ = record_payment(
                uow,
                loan_id=loan_id,
                posting_date=paid_on,
                request=PaymentRequest(
                    amount=amount,
                    value_date=paid_on,
                    reference=f"NACH-{loan_id}-{row.number}",
                    channel="nach",
                ),
            )
            if (
                behaviour == "bounced"
                and rnd.random() < 0.2
                and paid_on + timedelta(days=3) <= as_of
            ):
                reverse_payment(
                    uow,
                    loan_id=loan_id,
                    event_id=event.id,
                    known_on=paid_on + timedelta(days=3),
                    posting_date=paid_on + timedelta(days=3),
                )
                returned += 1
            uow.commit()
        made += 1
    return made, returned
