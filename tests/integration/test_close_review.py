"""Regressions from a review of the daily close, on every database: a month-end prepayment
with a penal charge, a backdated payment's held money, provisions of a closed partition, a
resume with other partitions, a failed loan run again, accrual after a deducted BPI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from book_setup import open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.failures import open_failures
from lms.close.models import LoanSnapshot
from lms.close.runner import CloseError, close_day, close_until
from lms.close.steps import excess as excess_step
from lms.ledger.check import account_balances
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state

JAN15, EMI = date(2026, 1, 15), D("8884.88")


def _book(
    db_url: str, engine: Engine, loans: int = 1, day: date = JAN15, **product: object
) -> tuple[sessionmaker[Session], list[int]]:
    sessions = open_book(db_url, engine, customers=({"name": "A"}, {"name": "B"}), **product)
    ids = []
    with UnitOfWork(sessions) as uow:
        for k in range(loans):
            request = LoanRequest(f"L{k}", "PUN01", k + 1, "PL", D(100000), D(12), 12, day)
            ids.append(onboard_loan(uow, request=request).id)
            disburse_loan(uow, loan_id=ids[-1], posting_date=day)
        calendar.set_business_date(uow, day)
        uow.commit()
    return sessions, ids


def _pay(
    sessions: sessionmaker[Session], loan: int, day: date, amount: D, ref: str, **kw: object
) -> None:
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(amount, day, ref, "neft", **kw)  # type: ignore[arg-type]
        posting = kw.pop("posting", None) if False else None  # noqa: F841
        record_payment(uow, loan_id=loan, request=request, posting_date=_today(uow))
        uow.commit()


def _today(uow: UnitOfWork) -> date:
    today = calendar.business_date(uow)
    assert today is not None
    return today


def _sound(sessions: sessionmaker[Session]) -> None:
    sound(sessions)


def test_a_prepayment_on_a_month_end_with_a_penal_charge(db_url: str, engine: Engine) -> None:
    sessions, (loan,) = _book(db_url, engine, rules=ProductRules(penal_charge=(D(24), D(18))))
    close_until(sessions, date(2026, 3, 30), size=2)
    _pay(sessions, loan, date(2026, 3, 31), D(30000), "PRE", reschedule="reduce_emi")
    close_day(sessions, date(2026, 3, 31), size=2)
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan, as_of=date(2026, 3, 31))
        snapshot = uow.session.get(LoanSnapshot, (date(2026, 3, 31), loan))
        assert snapshot is not None  # the day's snapshot shows the charge paid from the money
        seen = (snapshot.principal_outstanding, snapshot.excess, snapshot.dpd)
    assert state.penal_due == 0 and state.dpd == 0  # the prepayment paid the charge first
    assert seen == (state.principal_outstanding, state.excess, 0)
    _sound(sessions)


def test_money_of_a_backdated_payment_pays_what_fell_due_since(db_url: str, engine: Engine) -> None:
    """February paid; 10,000 dated 10 Mar but booked on 20 Mar is held until 15 Mar, when it
    pays March's EMI (1,115.12 stays held): nothing was overdue, so no penal charge in March."""
    sessions, (loan,) = _book(db_url, engine, rules=ProductRules(penal_charge=(D(24), D(18))))
    close_until(sessions, date(2026, 2, 14), size=2)
    _pay(sessions, loan, date(2026, 2, 15), EMI, "FEB")
    close_until(sessions, date(2026, 3, 19), size=2)
    _pay(sessions, loan, date(2026, 3, 10), D(10000), "LATE-BOOKED")
    close_until(sessions, date(2026, 3, 31), size=2)
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan, as_of=date(2026, 3, 31))
        snapshot = uow.session.get(LoanSnapshot, (date(2026, 3, 31), loan))
        assert snapshot is not None and snapshot.interest_due == snapshot.principal_due == 0
    assert (state.penal_due, state.dpd, state.excess) == (0, 0, D("1115.12"))
    _sound(sessions)


def test_a_partition_whose_loans_closed_releases_its_provision_once(
    db_url: str, engine: Engine
) -> None:
    sessions, (first, second) = _book(db_url, engine, loans=2)
    close_until(sessions, date(2026, 1, 31), size=1)
    with UnitOfWork(sessions) as uow:
        foreclose_loan(
            uow, loan_id=first, on=date(2026, 2, 1), reference="FC", channel="neft",
            posting_date=date(2026, 2, 1),
        )  # fmt: skip
        uow.commit()
    close_until(sessions, date(2026, 3, 31), size=1)  # two month ends after the first's close
    with UnitOfWork(sessions) as uow:
        held = uow.session.scalar(
            select(LoanSnapshot.provision).where(
                LoanSnapshot.day == date(2026, 3, 31), LoanSnapshot.loan_id == second
            )
        )
        balances = account_balances(uow.session)
    assert balances["provisions"] == -held  # only the live loan's provision is held
    _sound(sessions)


def test_a_close_resumes_only_with_its_own_partitions(db_url: str, engine: Engine) -> None:
    sessions, _ = _book(db_url, engine, loans=2)
    close_day(sessions, JAN15, size=1)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, JAN15)
        uow.commit()
    with pytest.raises(CloseError, match="started with partitions of 1"):
        close_day(sessions, JAN15, size=50_000)


def test_a_failed_loan_is_run_again_once_fixed(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, (loan,) = _book(db_url, engine)
    _pay(sessions, loan, JAN15, D(20000), "AHEAD")  # held: pays installments as they fall due
    close_until(sessions, date(2026, 2, 14), size=2)
    real = excess_step.resettle

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the bank's host is down")

    monkeypatch.setattr(excess_step, "resettle", broken)
    first = close_day(sessions, date(2026, 2, 15), size=2)
    assert first.failures == 1
    monkeypatch.setattr(excess_step, "resettle", real)
    again = close_day(sessions, date(2026, 2, 15), size=2)
    assert again.failures == 0 and again.loans["excess"] == 1
    with UnitOfWork(sessions) as uow:
        assert open_failures(uow, date(2026, 2, 15)) == []
        assert calendar.business_date(uow) == date(2026, 2, 16)
    _sound(sessions)


def test_accrual_starts_where_a_deducted_bpi_ends(db_url: str, engine: Engine) -> None:
    """Disbursed 5 Jan, EMIs on the 15th, BPI for 5-15 Jan deducted: installment 1's interest
    (1,000.00) runs from 15 Jan; by 31 Jan 16 of its 31 days: 516.13 accrued."""
    sessions, (loan,) = _book(
        db_url, engine, day=date(2026, 1, 5), settings={"bpi": "deduct", "due_day": 15}
    )
    close_until(sessions, date(2026, 1, 31), size=2)
    with UnitOfWork(sessions) as uow:
        assert account_balances(uow.session, str(loan))["interest_accrued"] == D("516.13")
    _sound(sessions)


def test_penal_income_goes_to_suspense_at_the_npa_and_back_when_paid(
    db_url: str, engine: Engine
) -> None:
    """Never paid: the penal charges of February to April are levied while the loan is
    standard (income); it becomes an NPA on 16 May (DPD 91) and the unpaid charges leave
    income for suspense; 40,000 on 20 May pays all arrears and the charges: income again."""
    sessions, (loan,) = _book(db_url, engine, rules=ProductRules(penal_charge=(D(24), D(18))))
    close_until(sessions, date(2026, 5, 15), size=2)
    with UnitOfWork(sessions) as uow:
        before = account_balances(uow.session)
    close_day(sessions, date(2026, 5, 16), size=2)
    with UnitOfWork(sessions) as uow:
        charges = uow.session.scalars(
            select(LoanEvent.amount).where(LoanEvent.loan_id == loan, LoanEvent.kind == "penal")
        ).all()
        at_npa = account_balances(uow.session)
    levied = sum(charges, D(0))
    assert len(charges) == 3 and levied > 0
    assert (before["penal_income"], before.get("penal_suspense", 0)) == (-levied, 0)
    assert (at_npa.get("penal_income", 0), at_npa["penal_suspense"]) == (0, -levied)
    close_until(sessions, date(2026, 5, 19), size=2)
    _pay(sessions, loan, date(2026, 5, 20), D(40000), "ARREARS")
    close_day(sessions, date(2026, 5, 20), size=2)
    with UnitOfWork(sessions) as uow:
        paid = account_balances(uow.session)
        assert uow.session.get(Loan, loan).asset_class == "STD"  # type: ignore[union-attr]
    assert (paid["penal_income"], paid.get("penal_suspense", 0)) == (-levied, 0)
    _sound(sessions)


def test_a_backdated_payment_restates_past_months_penal_charges(
    db_url: str, engine: Engine
) -> None:
    """24 % a year + 18 % GST on overdue amounts. Nothing paid by 1 Apr: February's charge is
    14 days x 8,884.88 x 24 / 36,500 = 81.79 (GST 14.72), March's (14 x 8,884.88 + 17 x
    17,769.76) x 24 / 36,500 = 280.42 (50.48). On 2 Apr an EMI paid on 20 Feb is booked: the
    close reverses both and levies the right ones on the month ends: February 5 days, 29.21
    (5.26); March 17 days of March's EMI, 99.32 (17.88). Closing on changes nothing more."""
    sessions, (loan,) = _book(db_url, engine, rules=ProductRules(penal_charge=(D(24), D(18))))
    close_until(sessions, date(2026, 4, 1), size=2)
    _pay(sessions, loan, date(2026, 2, 20), EMI, "LATE-BOOKED")
    close_until(sessions, date(2026, 4, 3), size=2)
    with UnitOfWork(sessions) as uow:
        events = uow.session.execute(
            select(LoanEvent.kind, LoanEvent.value_date, LoanEvent.reference, LoanEvent.amount)
            .where(LoanEvent.loan_id == loan, LoanEvent.kind.in_(("penal", "charge_reversal")))
            .order_by(LoanEvent.id)
        ).all()
        state = loan_state(uow, loan_id=loan, as_of=date(2026, 4, 3))
        balances = account_balances(uow.session, str(loan))
    feb, mar = date(2026, 2, 28), date(2026, 3, 31)
    assert [tuple(e) for e in events] == [
        ("penal", feb, "penal:2026-02", D("81.79")),
        ("penal", mar, "penal:2026-03", D("280.42")),
        ("charge_reversal", date(2026, 4, 2), "penal:2026-02", None),
        ("penal", feb, "penal:2026-02:2", D("29.21")),
        ("charge_reversal", date(2026, 4, 2), "penal:2026-03", None),
        ("penal", mar, "penal:2026-03:2", D("99.32")),
    ]
    assert state.penal_due == D("29.21") + D("5.26") + D("99.32") + D("17.88")
    assert balances["penal_income"] == -(D("29.21") + D("99.32"))
    _sound(sessions)
