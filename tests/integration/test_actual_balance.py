"""Interest on the actual balance through the servicing layer and the daily close.

Three loans on a product with the setting, 1,20,000 at 12 % for 12 months from 1 Jan 2026
(interest on actual days, 365-day year; EMI 10,661.85). Asha pays her second EMI ten days late,
Ravi nine days early, Meera not at all. Expected figures come from the textbook formula
(amount x 12 % x days / 365, rounded once to the paisa) on the schedule's own rows.

What is proved: the close brings the stored installments to what the replay has on each due
date (for Meera no event happens: the close alone changes her third installment), the
accrual books exactly the interest the installments carry, and each loan's ledger equals its
replay.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

from api_client import api_client, staff_browser
from book_setup import open_book, sound
from sqlalchemy import Engine, select

from lms.close.runner import close_until
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_schedule, loan_state

JAN1 = date(2026, 1, 1)
SETTINGS = {"interest_basis": "actual_days", "interest_on_actual_balance": True}


def _interest(amount: D, days: int) -> D:
    return (amount * 12 * days / D(36500)).quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


def _pay(sessions: object, loan_id: int, amount: D, day: date, reference: str) -> None:
    with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        calendar.set_business_date(uow, day)
        request = PaymentRequest(amount, day, reference, "upi")
        record_payment(uow, loan_id=loan_id, request=request, posting_date=day)
        uow.commit()


def _stored(sessions: object, loan_id: int) -> list[tuple[D, D, D, D]]:
    with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        rows = uow.session.execute(
            select(
                LoanInstallment.principal, LoanInstallment.interest,
                LoanInstallment.principal_paid, LoanInstallment.interest_paid,
            ).where(LoanInstallment.loan_id == loan_id).order_by(LoanInstallment.number)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_late_early_and_unpaid_principal_through_the_close(db_url: str, engine: Engine) -> None:
    people = ({"name": "Asha"}, {"name": "Ravi"}, {"name": "Meera"})
    sessions = open_book(db_url, engine, customers=people, settings=SETTINGS)
    with UnitOfWork(sessions) as uow:
        for k in (1, 2, 3):
            request = LoanRequest(f"HL-{k}", "PUN01", k, "PL", D(120000), D(12), 12, JAN1)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=JAN1)
        calendar.set_business_date(uow, JAN1)
        rows = loan_schedule(uow.session.get(Loan, 1)).installments  # type: ignore[arg-type]
        uow.commit()
    emi = rows[1].total
    assert emi == D("10661.85")
    close_until(sessions, date(2026, 1, 31), size=10)
    for k in (1, 2, 3):
        _pay(sessions, k, rows[0].total, date(2026, 2, 1), f"UTR-{k}-1")
    close_until(sessions, date(2026, 2, 19), size=10)
    _pay(sessions, 2, emi, date(2026, 2, 20), "UTR-2-2")  # nine days early
    close_until(sessions, date(2026, 3, 10), size=10)
    _pay(sessions, 1, emi, date(2026, 3, 11), "UTR-1-2")  # ten days late
    close_until(sessions, date(2026, 4, 1), size=10)

    early = _interest(emi, 9)
    asha, ravi, meera = (_stored(sessions, k) for k in (1, 2, 3))
    assert ravi[1] == (rows[1].principal + early, rows[1].interest - early) * 2
    late = _interest(rows[1].principal, 10)
    assert asha[2][:2] == (rows[2].principal - late, rows[2].interest + late)
    march = _interest(rows[1].principal, 31)  # Meera: nothing paid after the first EMI
    assert meera[2][:2] == (rows[2].principal - march, rows[2].interest + march)
    assert (march, late, early) == (D("98.29"), D("31.71"), D("31.55"))
    with UnitOfWork(sessions) as uow:
        states = [loan_state(uow, loan_id=k, as_of=date(2026, 4, 1)) for k in (1, 2, 3)]
        meera_loan = uow.session.get(Loan, 3)
        assert meera_loan is not None and meera_loan.dpd == 32
    for k, state in enumerate(states, 1):
        assert _stored(sessions, k) == [
            (i.principal, i.interest, i.principal_paid, i.interest_paid) for i in state.installments
        ]
        assert sum(i.principal for i in state.installments) == D(120000)
    with api_client(db_url) as admin:
        plain = admin.get("/api/v1/loans/3/schedule").json()
        ahead = admin.get("/api/v1/loans/3/schedule", params={"projected": "true"}).json()
        assert admin.get("/api/v1/loans/3/schedule?projected=maybe").status_code == 422
    with staff_browser(db_url) as browser:
        page = browser.get("/app/loans/3").text
    projected = page[
        page.index('id="projected"') : page.index("</table>", page.index('id="projected"'))
    ]
    assert "If nothing more is paid by 1 May 2026" in projected
    assert "<td>4</td><td>1 May 2026</td>" in projected and "1,090.46" in projected
    # if Meera pays nothing more, her fourth installment (1 May) carries April's interest on
    # the balance and on the 19,179.12 of principal then overdue
    overdue = rows[1].principal + meera[2][0]
    april = _interest(rows[2].balance + march, 30) + _interest(overdue, 30)
    assert (plain["projected_to"], ahead["projected_to"]) == (None, "2026-05-01")
    assert plain["installments"][3]["interest"] == str(rows[3].interest + _interest(march, 30))
    assert (ahead["installments"][3]["interest"], str(april)) == ("1090.46", "1090.46")
    for k in (1, 2, 3):
        books = sound(sessions, k)
        # accrued to the day-end of 1 Apr: every installment due by then, in full
        charged = sum(r[1] for r in _stored(sessions, k)[:3])
        unpaid = sum(r[1] - r[3] for r in _stored(sessions, k)[:3])
        assert (-books["interest_income"], books["interest_receivable"]) == (charged, unpaid)
