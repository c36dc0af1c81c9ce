"""Many payments at once (lms.loans.bulk_payments) leave the book exactly as taking them one by
one with `record_payment` does: the same events, installments, loan figures, journal and
restatement marks, on two copies of a 60-loan demo book (all kinds of history) closed daily
from 26 Nov to 15 Dec (so its dues are raised).

The payments, posted on 16 Dec, one per loan and a few more: what each loan owes at the
day-end of 16 Dec, half of it, or that plus 100 (held: the full path), one dated 15 Dec
(before the posting date), a second payment for one loan and one reference used on two
borrowers' loans (both the full path). The ordinary
ones are checked to be most of them, so the fast path is really what is compared.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from book_setup import book_of_loans, open_book, sound, table_contents
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.batch import calendar
from lms.batch.runner import close_until
from lms.db import UnitOfWork, make_engine, make_session_factory
from lms.db.migrate import upgrade
from lms.ledger.check import account_balances
from lms.loans import bulk_payments
from lms.loans.bulk_payments import post_payments
from lms.loans.demo import build_demo
from lms.loans.models import Loan, LoanInstallment
from lms.loans.onboarding import LoanRequest, onboard_loan
from lms.loans.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.loans.service import disburse_loan, loan_state
from lms.payments.models import Mandate

DAY, CLOSED, LATE = date(2026, 11, 26), date(2026, 12, 15), date(2026, 12, 16)
QUERIES = {
    "events": "SELECT loan_id, kind, value_date, amount, reference, channel FROM loan_events",
    "journal": "SELECT e.loan_id, e.event, e.value_date, e.posting_date, l.account, l.debit,"
    " l.credit FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id",
    "loans": "SELECT id, status, excess, last_event_on, oldest_unpaid_due,"
    " interest_posted_through, closed_on FROM loans",
    "installments": "SELECT * FROM loan_installments",
    "restatements": "SELECT loan_id, from_date FROM loan_restatements",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "book.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    build_demo(sessions, loans=60, as_of=DAY, seed=5)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, DAY)
        # no NACH debits: the dues of 26 Nov-16 Dec stay owed, for the payments to pay
        for mandate in uow.session.scalars(select(Mandate)):
            mandate.status, mandate.reason = "cancelled", "the test pays by NEFT"
        uow.commit()
    close_until(sessions, CLOSED)
    engine.dispose()
    return path


def _payments(url: str) -> list[tuple[int, PaymentRequest]]:
    sessions = make_session_factory(make_engine(url))
    payments = []
    with UnitOfWork(sessions) as uow:
        loans = uow.session.scalars(
            select(Loan.id).where(Loan.status == "active").order_by(Loan.id)
        ).all()
        for k, loan_id in enumerate(loans):
            state = loan_state(uow, loan_id=loan_id, as_of=LATE)
            owed = sum((i.unpaid for i in state.installments if i.due_date <= LATE), D(0))
            amount = [owed, (owed / 2).quantize(D("0.01")), owed + 100][k % 3]
            if amount <= 0:
                amount = D("500.00")
            day = CLOSED if k == 4 else LATE
            payments.append((loan_id, PaymentRequest(amount, day, f"UTR-{loan_id}", "neft")))
    first = payments[0][0]
    payments.append((first, PaymentRequest(D("100.00"), LATE, "UTR-again", "neft")))
    payments.append((loans[1], PaymentRequest(D("100.00"), LATE, "UTR-twice", "imps")))
    payments.append((loans[2], PaymentRequest(D("100.00"), LATE, "UTR-twice", "imps")))
    return payments


def _contents(url: str) -> dict[str, list[str]]:
    return table_contents(url, QUERIES)


def test_many_payments_at_once_equal_one_by_one(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, single = tmp_path / "bulk.sqlite3", tmp_path / "single.sqlite3"
    shutil.copy(demo, bulk)
    shutil.copy(demo, single)
    payments = _payments(f"sqlite:///{single}")
    refused = []
    sessions = make_session_factory(make_engine(f"sqlite:///{single}"))
    for loan_id, request in payments:
        with UnitOfWork(sessions) as uow:
            try:
                record_payment(uow, loan_id=loan_id, request=request, posting_date=LATE)
                uow.commit()
            except Exception as exc:  # the same refusals are expected from the bulk path
                refused.append((loan_id, request.reference, type(exc).__name__))
    slow = []
    real = bulk_payments.record_payment

    def counted(*args: object, **kwargs: object) -> object:
        slow.append(kwargs["loan_id"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk_payments, "record_payment", counted)
    sessions = make_session_factory(make_engine(f"sqlite:///{bulk}"))
    with UnitOfWork(sessions) as uow:
        outcomes = post_payments(uow, payments, posting_date=LATE)
        uow.commit()
    assert _contents(f"sqlite:///{bulk}") == _contents(f"sqlite:///{single}")
    assert [(o.loan_id, o.request.reference) for o in outcomes if o.error] == [
        (loan, ref) for loan, ref, _ in refused
    ]
    assert len(payments) - len(slow) >= 10  # the fast path did real work (14 of 47 here)
    assert len(refused) >= 1  # the reference used on another borrower's loan
    sound(sessions)


def test_a_payment_that_repays_the_loan_closes_it_as_one_by_one(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical loans of 10,000 at 12 % for 2 months from 1 Sep 2026, both dues raised
    by the close; each repaid in full on 2 Nov, one through the bulk path (fast: no replay)
    and one by `record_payment`: both close on 2 Nov with the same ledger."""
    sessions = open_book(db_url, engine, customers=({"name": "A"}, {"name": "B"}))
    start = date(2026, 9, 1)
    with UnitOfWork(sessions) as uow:
        for k in (1, 2):
            request = LoanRequest(f"L{k}", "PUN01", k, "PL", D(10000), D(12), 2, start)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=start)
        calendar.set_business_date(uow, start)
        uow.commit()
    close_until(sessions, date(2026, 11, 1))
    day = date(2026, 11, 2)
    with UnitOfWork(sessions) as uow:
        owed = sum((i.unpaid for i in loan_state(uow, loan_id=1, as_of=day).installments), D(0))
    monkeypatch.setattr(bulk_payments, "record_payment", None)  # the fast path only
    with UnitOfWork(sessions) as uow:
        [outcome] = post_payments(
            uow, [(1, PaymentRequest(owed, day, "ALL-1", "neft"))], posting_date=day
        )
        uow.commit()
    monkeypatch.undo()
    with UnitOfWork(sessions) as uow:
        record_payment(
            uow, loan_id=2, request=PaymentRequest(owed, day, "ALL-2", "neft"), posting_date=day
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        loans = [uow.session.get(Loan, k) for k in (1, 2)]
        figures = [
            (x.status, x.closed_on, x.oldest_unpaid_due, x.last_event_on) for x in loans if x
        ]
        ledgers = [account_balances(uow.session, str(k)) for k in (1, 2)]
    assert outcome.error is None and owed == D("10150.25")  # interest 100.00 + 50.25
    assert figures == [("closed", day, None, day)] * 2
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def _paid_both_ways(
    sessions: sessionmaker[Session], amount: D, day: date
) -> tuple[list[tuple[object, ...]], list[dict[str, D]]]:
    """Loans 1 and 2 have the same history: pay loan 1 through the bulk path, loan 2 with
    `record_payment`; their figures (installments paid, excess, dates, status) and ledgers."""
    with UnitOfWork(sessions) as uow:
        post_payments(uow, [(1, PaymentRequest(amount, day, "B-1", "neft"))], posting_date=day)
        record_payment(
            uow, loan_id=2, request=PaymentRequest(amount, day, "B-2", "neft"), posting_date=day
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        figures = []
        for k in (1, 2):
            loan = uow.session.get(Loan, k)
            assert loan is not None
            paid = uow.session.execute(
                select(LoanInstallment.principal_paid, LoanInstallment.interest_paid)
                .where(LoanInstallment.loan_id == k).order_by(LoanInstallment.number)
            ).all()  # fmt: skip
            figures.append(
                (loan.status, loan.excess, loan.last_event_on, loan.oldest_unpaid_due, paid)
            )
        ledgers = [account_balances(uow.session, str(k)) for k in (1, 2)]
    return figures, ledgers


def test_a_waterfall_that_leaves_money_unplaced_holds_it_as_one_by_one(
    db_url: str, engine: Engine
) -> None:
    """A product whose waterfall has no past-due principal: 8,000 on 27 Oct against October's
    EMI (due 26 Oct) pays its interest, 1,000.00; the 7,000 it cannot place is held (found by
    review: the bulk path once dropped it)."""
    waterfall = [("past_due", "interest"), ("due", "interest"), ("due", "principal")]
    sessions = book_of_loans(db_url, engine, ({"name": "A"}, {"name": "B"}),
                             business_date=date(2026, 10, 26), waterfall=waterfall)  # fmt: skip
    close_until(sessions, date(2026, 10, 26))
    figures, ledgers = _paid_both_ways(sessions, D("8000.00"), date(2026, 10, 27))
    assert figures[0] == figures[1] and figures[0][1] == D(7000)
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def test_a_recovery_after_a_refund_and_a_return_is_paid_as_one_by_one(
    db_url: str, engine: Engine
) -> None:
    """10,000 on 26 Oct (1,115.12 held and refunded), the payment returned on 27 Oct: the
    refunded 1,115.12 is owed back; 8,884.88 on 28 Oct pays it first (found by review)."""
    sessions = book_of_loans(
        db_url, engine, ({"name": "A"}, {"name": "B"}), business_date=date(2026, 10, 26)
    )
    day = date(2026, 10, 26)
    for k in (1, 2):
        with UnitOfWork(sessions) as uow:
            event, _ = record_payment(
                uow,
                loan_id=k,
                request=PaymentRequest(D(10000), day, f"R{k}", "neft"),
                posting_date=day,
            )
            refund_excess(
                uow,
                loan_id=k,
                amount=D("1115.12"),
                value_date=day,
                reference=f"F{k}",
                posting_date=day,
            )
            reverse_payment(
                uow,
                loan_id=k,
                event_id=event.id,
                known_on=date(2026, 10, 27),
                posting_date=date(2026, 10, 27),
            )
            uow.commit()
    figures, ledgers = _paid_both_ways(sessions, D("8884.88"), date(2026, 10, 28))
    assert figures[0] == figures[1] and figures[0][3] == date(2026, 10, 26)  # still overdue
    assert ledgers[0] == ledgers[1]
    sound(sessions)
