"""The portfolio forecast on four loans' months, worked by hand: roll rates from the moves of
July to August and August to September, September's book projected two months, what became of
it in October (the back-test's actual figures), and the scope by branch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from sqlalchemy import Engine

from integration.book_setup import open_book
from lms.core.classification import AssetCategory
from lms.core.provisioning import percent
from lms.platform.db import UnitOfWork
from lms.platform.settings import lender_rates
from lms.risk.forecast import Scope, actual, forecast
from lms.risk.models import LoanMonth
from lms.servicing.models import Loan

JUL, AUG, SEP, OCT = date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)
# per loan: (month, status, dpd, principal outstanding)
MONTHS = {
    1: [(JUL, "active", 0, 1000), (AUG, "active", 0, 900), (SEP, "active", 0, 800),
        (OCT, "active", 0, 700)],
    2: [(JUL, "active", 0, 1000), (AUG, "active", 10, 950), (SEP, "active", 40, 950),
        (OCT, "active", 70, 950)],
    3: [(JUL, "active", 5, 500), (AUG, "closed", 0, 0)],
    4: [(JUL, "active", 45, 2000), (AUG, "active", 75, 2000), (SEP, "active", 105, 2000),
        (OCT, "active", 135, 2000)],
}  # fmt: skip


def _book(db_url: str, engine: Engine) -> UnitOfWork:
    sessions = open_book(db_url, engine, customers=[{"name": f"B{k}"} for k in range(1, 5)])
    with UnitOfWork(sessions) as uow:
        for k, months in MONTHS.items():
            uow.session.add(Loan(
                id=k, external_id=f"F-{k}", branch_code="PUN01", product_id=1, customer_id=k,
                principal=D(1000), annual_rate=D(12), terms={}, status="active", emi=D(0),
                net_disbursed=D(1000), excess=D(0), principal_outstanding=D(0),
                disbursed_on=date(2026, 6, 1),
                created_at=datetime.now(UTC)))  # fmt: skip
            uow.session.flush()
            for month, status, dpd, left in months:
                uow.session.add(LoanMonth(
                    month=month, loan_id=k, status=status, dpd=dpd, max_dpd=dpd,
                    overdue_days=0, principal_outstanding=D(left), excess=D(0), due=D(0),
                    installments_left=6, paid=D(0), bounces=0, broken_promises=0,
                    source="replay"))  # fmt: skip
        uow.commit()
    return UnitOfWork(sessions)


def test_the_forecast_worked_by_hand(db_url: str, engine: Engine) -> None:
    with _book(db_url, engine) as uow:
        made = forecast(uow, base=SEP, months=2, window=2)
        assert made.window == (JUL, AUG)
        # from 0: 2,900 started (1,000 + 1,000 + 900), 1,700 stayed, 950 rolled to 1-30;
        # from 1-30: 1,450 started (500 + 950), 950 rolled to 31-60 (the 500 closed);
        # 31-60 -> 61-90 and 61-90 -> 91-180 all of it; 91-180 was never seen: it stays
        assert made.rates["0"]["0"] == D(1700) / D(2900)
        assert made.rates["0"]["1-30"] == D(950) / D(2900)
        assert made.rates["1-30"]["31-60"] == D(950) / D(1450)
        assert made.rates["31-60"]["61-90"] == made.rates["61-90"]["91-180"] == D(1)
        assert made.rates["91-180"]["91-180"] == D(1)
        assert made.base.balances == {"0": D(800), "1-30": D(0), "31-60": D(950),
                                      "61-90": D(0), "91-180": D(2000), "181+": D(0)}  # fmt: skip
        october, november = made.months
        # October: 800 x 1700/2900 = 468.9655 -> 468.97; 800 x 950/2900 = 262.0690 -> 262.07;
        # the 950 of 31-60 rolls to 61-90; the 2,000 stays in 91-180
        assert (october.month, november.month) == (OCT, date(2026, 11, 30))
        assert october.balances == {"0": D("468.97"), "1-30": D("262.07"), "31-60": D(0),
                                    "61-90": D("950.00"), "91-180": D("2000.00"), "181+": D(0)}  # fmt: skip
        # November: 468.97 x 1700/2900 = 274.9134 -> 274.91; 468.97 x 950/2900 = 153.6281
        # -> 153.63; 262.07 x 950/1450 = 171.7010 -> 171.70; 950 + 2,000 in 91-180
        assert november.balances == {"0": D("274.91"), "1-30": D("153.63"),
                                     "31-60": D("171.70"), "61-90": D(0),
                                     "91-180": D("2950.00"), "181+": D(0)}  # fmt: skip
        assert (october.past_30, october.past_90) == (D("2950.00"), D("2000.00"))
        assert (november.past_30, november.past_90) == (D("3121.70"), D("2950.00"))
        rates = lender_rates()
        standard = percent(rates, AssetCategory.STANDARD, secured=False)
        sub = percent(rates, AssetCategory.SUBSTANDARD, secured=False)
        assert made.base.provision == (D(1750) * standard / 100).quantize(D("0.01")) + (
            D(2000) * sub / 100
        ).quantize(D("0.01"))
        # what became of September's loans in October (the back-test's actual figures)
        assert actual(uow, SEP, 1, Scope()) == [{"0": D(700), "1-30": D(0), "31-60": D(0),
            "61-90": D(950), "91-180": D(2000), "181+": D(0)}]  # fmt: skip
        assert forecast(uow, base=SEP, months=1, scope=Scope(branch="BLR01")).months[0].past_30 == 0
