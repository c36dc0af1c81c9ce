"""The daily close and `lms simulate` classify a loan's history alike (both fold
lms.core.classification.classify over the day-ends): the same loan and payments give the same
DPD, class and NPA date on every day.

The loan: 1,00,000 at 12 % for 12 months from 15 Jan 2026 (EMI 8,884.88, due on the 15th),
never paid until 18 May. Closed daily from 14 May (89 DPD) to 20 May: NPA from 16 May (91
DPD). 20,000 on 18 May pays the interest of the four overdue EMIs (3,523.74), the principal of
February's and March's (7,884.88 + 7,963.73) and 627.65 of April's: 34 DPD, yet still NPA
(arrears remain). The other 4 x 8,884.88 - 20,000 = 15,539.52 on 20 May: standard again.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D

from book_setup import open_book, sound
from sqlalchemy import Engine, select

from lms.close.models import LoanSnapshot
from lms.close.runner import close_day
from lms.interfaces.cli.scenario import load_scenario
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

JAN15, MAY14 = date(2026, 1, 15), date(2026, 5, 14)
PAYMENTS = {date(2026, 5, 18): ("P1", D(20000)), date(2026, 5, 20): ("P2", D("15539.52"))}
DAYS = [MAY14 + timedelta(days=n) for n in range(7)]


def test_the_close_and_simulate_agree_day_by_day(db_url: str, engine: Engine) -> None:
    sessions = open_book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("L-A", "PUN01", 1, "PL", D(100000), D(12), 12, JAN15)
        loan_id = onboard_loan(uow, request=request).id
        disburse_loan(uow, loan_id=loan_id, posting_date=JAN15)
        calendar.set_business_date(uow, MAY14)
        uow.commit()
    for day in DAYS:
        if day in PAYMENTS:
            with UnitOfWork(sessions) as uow:
                reference, amount = PAYMENTS[day]
                payment = PaymentRequest(amount, day, reference, "upi")
                record_payment(uow, loan_id=loan_id, request=payment, posting_date=day)
                uow.commit()
        assert close_day(sessions, day, size=2).failures == 0
    with UnitOfWork(sessions) as uow:
        closed = [
            (day, dpd, cls, since)
            for day, dpd, cls, since in uow.session.execute(
                select(
                    LoanSnapshot.day,
                    LoanSnapshot.dpd,
                    LoanSnapshot.asset_class,
                    LoanSnapshot.npa_since,
                ).order_by(LoanSnapshot.day)
            )
        ]
    scenario = load_scenario(
        json.dumps(
            {
                "terms": {
                    "principal": "100000",
                    "annual_rate": "12",
                    "disbursement_date": "2026-01-15",
                    "installments": 12,
                },
                "events": [
                    {"type": "pay", "date": str(day), "amount": str(amount), "reference": ref}
                    for day, (ref, amount) in PAYMENTS.items()
                ],
                "observe": [str(day) for day in DAYS],
            }
        )
    )
    simulated = [
        (state.as_of, state.dpd, stamp.asset_class.value, stamp.npa_since)
        for state, stamp in scenario.observed()
    ]
    npa = date(2026, 5, 16)
    assert (
        closed
        == simulated
        == [
            (MAY14, 89, "SMA-2", None),
            (date(2026, 5, 15), 90, "SMA-2", None),
            (npa, 91, "NPA", npa),
            (date(2026, 5, 17), 92, "NPA", npa),
            (date(2026, 5, 18), 34, "NPA", npa),  # 18 May less 15 Apr, plus 1
            (date(2026, 5, 19), 35, "NPA", npa),
            (date(2026, 5, 20), 0, "STD", None),
        ]
    )
    sound(sessions)
