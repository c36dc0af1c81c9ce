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

from lms.batch import calendar
from lms.batch.failures import open_failures
from lms.batch.models import LoanSnapshot
from lms.batch.runner import CloseError, close_day, close_until
from lms.batch.steps import excess as excess_step
from lms.db import UnitOfWork
from lms.ledger.check import account_balances
from lms.loans.catalog import ProductRules
from lms.loans.foreclosure import foreclose_loan
from lms.loans.onboarding import LoanRequest, onboard_loan
from lms.loans.repayments import PaymentRequest, record_payment
from lms.loans.service import disburse_loan, loan_state

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
    assert state.penal_due == 0 and state.dpd == 0  # the prepayment paid the charge first
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
