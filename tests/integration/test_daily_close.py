"""The daily close on every database: dues raised, DPD, SMA/NPA stamped borrower by borrower,
upgrades, snapshots, the business date advanced; idempotent; the ledger stays sound.

The book: three loans of 1,00,000 at 12 % for 12 months from 15 Jan 2026 (EMI 8,884.88, due
on the 15th). Borrower 1 holds loan A (never paid) and loan B (paid on time); borrower 2 holds
loan C, whose March EMI was paid only in part (4,000) and nothing after, so its oldest due
stays 15 Mar.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from book_setup import open_book, sound
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import LoanSnapshot
from lms.close.runner import CloseError, close_day, close_until
from lms.close.steps.provision import loan_provision
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.ledger.check import account_balances
from lms.ledger.models import JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.settings import lender_rates
from lms.servicing.catalog import ProductRules
from lms.servicing.models import Loan
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state

JAN15 = date(2026, 1, 15)
EMI = D("8884.88")


def _pay(uow: UnitOfWork, loan_id: int, day: date, amount: D, ref: str) -> None:
    record_payment(
        uow, loan_id=loan_id, request=PaymentRequest(amount, day, ref, "nach"), posting_date=day
    )


@pytest.fixture
def book(db_url: str, engine: Engine) -> tuple[sessionmaker[Session], dict[str, int]]:
    sessions = open_book(db_url, engine, customers=({"name": "Ravi"}, {"name": "Sunita"}))
    ids = {}
    with UnitOfWork(sessions) as uow:
        for name, customer in (("A", 1), ("B", 1), ("C", 2)):
            request = LoanRequest(f"L-{name}", "PUN01", customer, "PL", D(100000), D(12), 12, JAN15)
            ids[name] = onboard_loan(uow, request=request).id
            disburse_loan(uow, loan_id=ids[name], posting_date=JAN15)
        for month in (2, 3, 4, 5):
            _pay(uow, ids["B"], date(2026, month, 15), EMI, f"B{month}")
        _pay(uow, ids["C"], date(2026, 2, 15), EMI, "C2")
        _pay(uow, ids["C"], date(2026, 3, 15), D(4000), "C3")
        calendar.set_business_date(uow, date(2026, 5, 14))
        uow.commit()
    return sessions, ids


def _stamps(sessions: sessionmaker[Session], day: date) -> dict[int, tuple[int, str, str]]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(LoanSnapshot.loan_id, LoanSnapshot.dpd, LoanSnapshot.asset_class)
            .where(LoanSnapshot.day == day)
            .order_by(LoanSnapshot.loan_id)
        )
        return {loan: (dpd, cls) for loan, dpd, cls in rows}  # type: ignore[misc]


def _sound(sessions: sessionmaker[Session]) -> None:
    sound(sessions)


def test_sma_npa_borrower_level_and_upgrade(
    book: tuple[sessionmaker[Session], dict[str, int]],
) -> None:
    sessions, ids = book
    a, b, c = ids["A"], ids["B"], ids["C"]
    for day in (date(2026, 5, 14), date(2026, 5, 15), date(2026, 5, 16)):
        result = close_day(sessions, day, size=2)
        assert result.failures == 0
    # 15 May: A unpaid since 15 Feb, day 1 = 15 Feb, so 90 days: SMA-2; C's oldest due is
    # 15 Mar (62 days: SMA-2); B is current
    assert _stamps(sessions, date(2026, 5, 15)) == {
        a: (90, "SMA-2"),
        b: (0, "STD"),
        c: (62, "SMA-2"),
    }
    # 16 May: A is 91 days past due: NPA, and B with it (same borrower); C unaffected
    assert _stamps(sessions, date(2026, 5, 16)) == {a: (91, "NPA"), b: (0, "NPA"), c: (63, "SMA-2")}
    with UnitOfWork(sessions) as uow:
        since = {
            loan: (s, category)
            for loan, s, category in uow.session.execute(
                select(Loan.id, Loan.npa_since, Loan.asset_category).order_by(Loan.id)
            )
        }
        assert since[a] == since[b] == (date(2026, 5, 16), "substandard")
        # A's unpaid interest (1,000.00 + 921.15 + 841.51 + 761.08) left income for suspense
        held = account_balances(uow.session, str(a))
        assert (held["interest_suspense"], held["interest_receivable"]) == (
            -D("3523.74"),
            D("3523.74"),
        )
        assert held.get("interest_income", D(0)) == 0
        # A's arrears (four EMIs) paid on 17 May: the borrower is upgraded, both loans
        _pay(uow, a, date(2026, 5, 17), 4 * EMI, "A-ALL")
        uow.commit()
    close_day(sessions, date(2026, 5, 17), size=2)
    assert _stamps(sessions, date(2026, 5, 17)) == {a: (0, "STD"), b: (0, "STD"), c: (64, "SMA-2")}
    with UnitOfWork(sessions) as uow:  # received: income again, nothing in suspense
        held = account_balances(uow.session, str(a))
        assert held.get("interest_suspense", D(0)) == 0
        assert held["interest_income"] == -D("3523.74")
    _sound(sessions)


def test_a_date_closes_once_and_the_business_date_moves_on(
    book: tuple[sessionmaker[Session], dict[str, int]],
) -> None:
    sessions, _ = book
    close_day(sessions, date(2026, 5, 14), size=2)
    with UnitOfWork(sessions) as uow:
        assert calendar.business_date(uow) == date(2026, 5, 15)
        lines = uow.session.scalar(select(func.count()).select_from(JournalLineRow))
        # run the same date again: every partition of every step is marked done
        calendar.set_business_date(uow, date(2026, 5, 14))
        uow.commit()
    again = close_day(sessions, date(2026, 5, 14), size=2)
    assert again.loans == {}
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(JournalLineRow)) == lines
    with pytest.raises(CloseError, match="the business date is 2026-05-15"):
        close_day(sessions, date(2026, 5, 20), size=2)
    _sound(sessions)


def test_penal_charges_at_the_month_end_on_the_days_overdue(db_url: str, engine: Engine) -> None:
    """A product charging 24 % a year (+ 18 % GST) on overdue amounts. Loan A, never paid,
    closed daily from 14 May: at the day-end of 14 May three EMIs are overdue (26,654.64),
    from 15 May four (35,539.52), so May's penal charge is (26,654.64 + 17 x 35,539.52) x 24 /
    36,500, rounded once: 414.79, GST 74.66. A is an NPA from 16 May, so the charge is held in
    suspense, not income; a payment on 1 Jun pays it first, and it becomes income."""
    sessions = open_book(db_url, engine, rules=ProductRules(penal_charge=(D(24), D(18))))
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("L-A", "PUN01", 1, "PL", D(100000), D(12), 12, JAN15)
        loan_id = onboard_loan(uow, request=request).id
        disburse_loan(uow, loan_id=loan_id, posting_date=JAN15)
        calendar.set_business_date(uow, date(2026, 5, 14))
        uow.commit()
    results = close_until(sessions, date(2026, 5, 31), size=2)
    assert [r.loans.get("penal", 0) for r in results][-1] == 1
    overdue = F("26654.64") + 17 * F("35539.52")
    expected = overdue * 24 / 36500
    amount = D(round(expected * 100)) / 100
    assert amount == D("414.79")
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 5, 31))
        assert state.penal_due == amount + D("74.66")
        held = account_balances(uow.session)
        assert (held.get("penal_income", 0), held["penal_suspense"]) == (0, -amount)
        _pay(uow, loan_id, date(2026, 6, 1), D(1000), "P1")
        uow.commit()
        paid = account_balances(uow.session)
        assert (paid["penal_income"], paid.get("penal_suspense", 0)) == (-amount, 0)
        after = loan_state(uow, loan_id=loan_id, as_of=date(2026, 6, 1))
        assert after.penal_due == 0
        assert after.installments[0].interest_paid == D(1000) - amount - D("74.66")
    _sound(sessions)


def _provisions_on_31_may(
    sessions: sessionmaker[Session],
) -> tuple[dict[int, D], dict[str, D]]:
    """Close through 31 May: each loan's provision in its snapshot, and the book's balances."""
    close_until(sessions, date(2026, 5, 31), size=2)
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(LoanSnapshot.loan_id, LoanSnapshot.provision).where(
                LoanSnapshot.day == date(2026, 5, 31)
            )
        )
        held = {loan: D(provision or 0) for loan, provision in rows}
        return held, account_balances(uow.session)


def test_provisions_at_the_month_end_by_category(
    book: tuple[sessionmaker[Session], dict[str, int]],
) -> None:
    """NBFC rates, unsecured product. On 31 May: A and B are NPA since 16 May (sub-standard,
    10 % of 1,00,000 and of B's 67,984.22 after four EMIs); C is SMA-2, standard (0.40 % of
    89,036.27: 1,00,000 less 7,884.88 in February and 3,078.85 of the 4,000 in March). The
    ledger's provisions equal their sum, 17,154.57."""
    sessions, ids = book
    held, balances = _provisions_on_31_may(sessions)
    assert held == {ids["A"]: D("10000.00"), ids["B"]: D("6798.42"), ids["C"]: D("356.15")}
    with UnitOfWork(sessions) as uow:  # what the snapshot's INSERT wrote (PostgreSQL) is the
        day = LoanSnapshot.day == date(2026, 5, 31)  # rule's figure, worked out in Python
        for snapshot in uow.session.scalars(select(LoanSnapshot).where(day)):
            loan = uow.session.get(Loan, snapshot.loan_id)
            assert loan is not None
            assert snapshot.provision == loan_provision(uow, lender_rates(), loan, snapshot)
    assert (balances["provisions"], balances["provision_expense"]) == (
        -D("17154.57"),
        D("17154.57"),
    )
    _sound(sessions)


@pytest.mark.parametrize(
    ("overrides", "a_aged", "booked"),
    [("{}", "3942.44", "3942.44"), ('{"substandard": "10"}', "788.49", "2570.20")],
)
def test_an_mfi_provides_on_overdue_instalments_with_a_portfolio_floor(
    book: tuple[sessionmaker[Session], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    overrides: str,
    a_aged: str,
    booked: str,
) -> None:
    """NBFC-MFI on 31 May. Only A has an instalment 90 days past due: February's, 106 days,
    principal 7,884.88 unpaid (C's oldest unpaid, March's, is 78 days): 50 % is 3,942.44, more
    than the floor, 1 % of the book's 2,57,020.49 outstanding (1,00,000 + 67,984.22 +
    89,036.27) = 2,570.20, so 3,942.44 is booked. With the 90-179 day rate set to 10 %, A's
    part is 788.49 and the floor, 2,570.20, is booked."""
    monkeypatch.setenv("LMS_LENDER_TYPE", "nbfc_mfi")
    monkeypatch.setenv("LMS_PROVISION_RATES", overrides)
    sessions, ids = book
    held, balances = _provisions_on_31_may(sessions)
    assert held == {ids["A"]: D(a_aged), ids["B"]: D("0.00"), ids["C"]: D("0.00")}
    assert balances["provisions"] == -D(booked)
    _sound(sessions)


def test_a_backdated_payment_restates_past_days_and_the_borrower(
    book: tuple[sessionmaker[Session], dict[str, int]],
) -> None:
    """After the closes of 14-16 May (A and B NPA from 16 May), a cheque of two EMIs for A
    dated 14 May is booked on 17 May. The waterfall pays the interest of February to April
    (2,762.66), then February's principal (7,884.88) and part of March's: A's oldest due
    becomes 15 Mar, so it was 61, 62, 63 days past due on 14-16 May: SMA-2, never NPA, and B
    with it was standard. The close of 17 May rewrites those days' snapshots and carries on."""
    sessions, ids = book
    a, b, c = ids["A"], ids["B"], ids["C"]
    for day in (date(2026, 5, 14), date(2026, 5, 15), date(2026, 5, 16)):
        close_day(sessions, day, size=2)
    assert _stamps(sessions, date(2026, 5, 16))[b] == (0, "NPA")
    with UnitOfWork(sessions) as uow:
        record_payment(
            uow,
            loan_id=a,
            request=PaymentRequest(2 * EMI, date(2026, 5, 14), "CHQ-FEB", "cheque"),
            posting_date=date(2026, 5, 17),
        )
        uow.commit()
    result = close_day(sessions, date(2026, 5, 17), size=2)
    assert result.loans["restate"] == 1
    assert _stamps(sessions, date(2026, 5, 14)) == {
        a: (61, "SMA-2"),
        b: (0, "STD"),
        c: (61, "SMA-2"),
    }
    assert _stamps(sessions, date(2026, 5, 16)) == {
        a: (63, "SMA-2"),
        b: (0, "STD"),
        c: (63, "SMA-2"),
    }
    assert _stamps(sessions, date(2026, 5, 17)) == {
        a: (64, "SMA-2"),
        b: (0, "STD"),
        c: (64, "SMA-2"),
    }
    _sound(sessions)


@pytest.mark.parametrize(("posting", "last", "days"), [("daily", 20, 5), ("monthly", 31, 16)])
def test_accrued_interest_is_booked_daily_or_at_month_ends(
    book: tuple[sessionmaker[Session], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    posting: str,
    last: int,
    days: int,
) -> None:
    """C (SMA-2, not an NPA): its 5th installment (due 15 Jun) runs from 15 May, 31 days; by the
    day-end of 20 May (daily booking) 5 of them have passed, by 31 May (month-end booking) 16:
    its interest times that share, rounded once. A and B, NPAs since 16 May, accrue nothing
    (what they had accrued was taken back from income)."""
    monkeypatch.setenv("LMS_ACCRUAL_POSTING", posting)
    sessions, ids = book
    close_until(sessions, date(2026, 5, last), size=2)
    fifth = generate_schedule(LoanTerms(D(100000), D(12), JAN15, 12)).installments[4]
    expected = (fifth.interest * days / 31).quantize(D("0.01"))
    with UnitOfWork(sessions) as uow:
        c = account_balances(uow.session, str(ids["C"]))
        npas = [account_balances(uow.session, str(ids[k])) for k in ("A", "B")]
        npa = uow.session.get(Loan, ids["A"])
        assert npa is not None and npa.accrued_through is None
    assert c["interest_accrued"] == expected
    assert [held.get("interest_accrued", D(0)) for held in npas] == [0, 0]
    _sound(sessions)
    # C pays its arrears the next day, and the close of that day goes on accruing
    nxt = date(2026, 5, last) + timedelta(days=1)
    with UnitOfWork(sessions) as uow:
        _pay(uow, ids["C"], nxt, 3 * EMI, "C-CATCH-UP")
        uow.commit()
    close_day(sessions, nxt, size=2)
    _sound(sessions)
