"""The set-up the microfinance tests share: a book of seven customers (Anita to Gauri, PUN01),
two weekly flat microfinance products (JLG with joint liability, MF without), a field officer
(fo-1), households assessed on 29 Sep 2026 (Anita and Esther one household of 1,20,000 a year,
Farida's of 4,00,000, the others 1,50,000; each owing other lenders 2,000 a month), and, with
`group_lent`, centre C-1 meeting on Tuesdays from 6 Oct with group Lotus of Anita to Devi, each
lent 20,800 at a flat 12 % over 52 weeks (448.00 a week; 22.71 % a year on the reducing
balance) and paid out on 29 Sep.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from integration.book_setup import open_book
from lms.identity.service import create_user
from lms.microfinance.centres import CentreRequest, form_group, lend_through, open_centre
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules, create_product
from lms.servicing.households import assess, form_household
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan

SEP29, OCT6, OCT13, OCT20 = (
    date(2026, 9, 29),
    date(2026, 10, 6),
    date(2026, 10, 13),
    date(2026, 10, 20),
)
WEEKLY_FLAT = {"frequency": "weekly", "method": "flat"}
PEOPLE = [{"name": n} for n in ("Anita", "Bharati", "Chitra", "Devi", "Esther", "Farida", "Gauri")]


def group_book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(db_url, engine, customers=PEOPLE)
    with UnitOfWork(sessions) as uow:
        for code, joint in (("JLG", True), ("MF", False)):
            create_product(
                uow, code=code, name=code, settings=WEEKLY_FLAT,
                amount=(D(5000), D(100000)), rate=(D(10), D(24)), tenure=(26, 104),
                rules=ProductRules(microfinance=True, joint_liability=joint),
            )  # fmt: skip
        create_user(uow, username="fo-1", display_name="Field officer", password="a-long-password",
                    roles=["loan_officer"], branches=["PUN01"], actor="test",
                    now=datetime.now(UTC))  # fmt: skip
        for members, income in (((1, 5), "120000"), ((2,), "150000"), ((3,), "150000"),
                                ((4,), "150000"), ((6,), "400000")):  # fmt: skip
            household = form_household(uow, members, SEP29)
            assess(uow, household.id, day=SEP29, annual_income=D(income),
                   other_obligations=D(2000), source="bureau")  # fmt: skip
        calendar.set_business_date(uow, SEP29)
        uow.commit()
    return sessions


def lend(uow: UnitOfWork, customer: int, product: str = "JLG") -> int:
    request = LoanRequest(f"{product}-{customer}", "PUN01", customer, product, D(20800), D(12),
                          52, SEP29, first_due_date=OCT6)  # fmt: skip
    return onboard_loan(uow, request=request).id


def group_lent(sessions: sessionmaker[Session]) -> tuple[int, list[int]]:
    with UnitOfWork(sessions) as uow:
        centre = open_centre(uow, CentreRequest("C-1", "Hadapsar", "PUN01", "Temple hall",
                                                "08:30", "weekly", OCT6, "fo-1"))  # fmt: skip
        group = form_group(uow, centre.id, "Lotus", [1, 2, 3, 4], SEP29)
        loans = [lend(uow, customer) for customer in (1, 2, 3, 4)]
        for loan_id in loans:
            disburse_loan(uow, loan_id=loan_id, posting_date=SEP29)
            lend_through(uow, group.id, loan_id)
        uow.commit()
        return centre.id, loans
