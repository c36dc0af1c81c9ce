"""Cases a review found, each pinned: the loan's ledger must always equal its replayed state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from book_setup import open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.service import loan_statement
from lms.ledger.check import account_balances
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from lms.servicing.catalog import create_product
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.service import disburse_loan, loan_schedule, loan_state

FEES = {"fees": [{"name": "processing", "percent": "2", "tax": "18"}]}


def _setup(
    db_url: str, engine: Engine, settings: dict[str, object] = FEES
) -> sessionmaker[Session]:
    return open_book(
        db_url,
        engine,
        customers=({"name": "A"}, {"name": "B"}),
        settings=settings,
        amount=(D(10000), D(2500000)),
        rate=(D(10), D(24)),
        tenure=(6, 60),
    )


def _book(sessions: sessionmaker[Session], **fields: object) -> int:
    with UnitOfWork(sessions) as uow:
        request = LoanRequest(
            "APP-1", "PUN01", 1, "PL", D("100000.00"), D(12), 12, date(2026, 1, 15), **fields
        )  # type: ignore[arg-type]
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=date(2026, 1, 15))
        uow.commit()
        return loan.id


def _pay(
    sessions: sessionmaker[Session], loan_id: int, amount: str, day: date, reference: str
) -> None:
    with UnitOfWork(sessions) as uow:
        record_payment(
            uow,
            loan_id=loan_id,
            request=PaymentRequest(D(amount), day, reference, "upi"),
            posting_date=day,
        )
        uow.commit()


def _sound(sessions: sessionmaker[Session]) -> None:
    sound(sessions)


def test_two_payments_on_one_day_in_any_reference_order(db_url: str, engine: Engine) -> None:
    sessions = _setup(db_url, engine)
    loan_id = _book(sessions)
    _pay(sessions, loan_id, "5000", date(2026, 2, 15), "B-UTR")
    _pay(sessions, loan_id, "5000", date(2026, 2, 15), "A-UTR")
    _sound(sessions)
    with UnitOfWork(sessions) as uow:
        assert account_balances(uow.session, str(loan_id))["unapplied_funds"] == D("-1115.12")


def test_a_refund_after_a_due_date_keeps_the_excess_used_on_it(db_url: str, engine: Engine) -> None:
    sessions = _setup(db_url, engine)
    loan_id = _book(sessions)
    _pay(sessions, loan_id, "20000", date(2026, 2, 15), "P1")
    with UnitOfWork(sessions) as uow:
        refund_excess(
            uow,
            loan_id=loan_id,
            amount=D(1000),
            value_date=date(2026, 3, 20),
            reference="R1",
            posting_date=date(2026, 3, 20),
        )
        with pytest.raises(ConflictError, match="already a refund"):
            refund_excess(
                uow,
                loan_id=loan_id,
                amount=D(1),
                value_date=date(2026, 3, 20),
                reference="R1",
                posting_date=date(2026, 3, 20),
            )
        with pytest.raises(InvalidError, match="multiple of the loan's precision"):
            refund_excess(
                uow,
                loan_id=loan_id,
                amount=D("0.005"),
                value_date=date(2026, 3, 20),
                reference="R2",
                posting_date=date(2026, 3, 20),
            )
        uow.commit()
    _sound(sessions)


@pytest.mark.parametrize(
    ("paid_on", "foreclosed_on"),
    [(date(2026, 2, 15), date(2026, 3, 15)), (date(2026, 2, 20), date(2026, 2, 20))],
)
def test_foreclosing_with_excess_held(
    db_url: str, engine: Engine, paid_on: date, foreclosed_on: date
) -> None:
    sessions = _setup(db_url, engine)
    loan_id = _book(sessions)
    _pay(sessions, loan_id, "8884.88", date(2026, 2, 15), "P0")
    _pay(sessions, loan_id, "5000", paid_on, "P1")
    with UnitOfWork(sessions) as uow:
        foreclose_loan(
            uow,
            loan_id=loan_id,
            on=foreclosed_on,
            reference="FC",
            channel="neft",
            posting_date=foreclosed_on,
        )
        uow.commit()
    _sound(sessions)
    with UnitOfWork(sessions) as uow:
        balances = {a: v for a, v in account_balances(uow.session, str(loan_id)).items() if v}
        assert "loan_principal" not in balances and "unapplied_funds" not in balances


@pytest.mark.parametrize(
    ("treatment", "on", "interest"),
    [
        ("first", date(2026, 2, 20), D("1183.56")),  # 15 days from 5 Feb (493.15) + BPI 690.41
        (
            "last",
            date(2026, 3, 5),
            D("1690.41"),
        ),  # installment 1's 1,000.00 + the BPI kept for the last
        ("spread", date(2026, 3, 5), D("1690.41")),
    ],
)
def test_foreclosure_collects_broken_period_interest(
    db_url: str, engine: Engine, treatment: str, on: date, interest: D
) -> None:
    sessions = _setup(db_url, engine, {"bpi": treatment})
    loan_id = _book(sessions, first_due_date=date(2026, 3, 5))
    with UnitOfWork(sessions) as uow:
        assert foreclosure_quote(uow, loan_id=loan_id, on=on).interest == interest


def test_onboarding_retry_with_another_customer_and_a_future_payment(
    db_url: str, engine: Engine
) -> None:
    sessions = _setup(db_url, engine)
    loan_id = _book(sessions)
    with UnitOfWork(sessions) as uow:
        other = LoanRequest("APP-1", "PUN01", 2, "PL", D("100000.00"), D(12), 12, date(2026, 1, 15))
        with pytest.raises(ConflictError, match="booked with other terms"):
            onboard_loan(uow, request=other)
        with pytest.raises(InvalidError, match="value_date: is after the posting date"):
            record_payment(
                uow,
                loan_id=loan_id,
                request=PaymentRequest(D(1), date(2026, 3, 1), "F", "upi"),
                posting_date=date(2026, 2, 1),
            )


def test_bulk_onboarding_keeps_a_loan_s_own_cycle_day_and_fixed_fees(
    db_url: str, engine: Engine
) -> None:
    sessions = _setup(
        db_url,
        engine,
        {"bpi": "deduct", "due_day": 5, "fees": [{"name": "stamp", "amount": "500"}]},
    )
    book = BulkBook(
        ["M1"], [1], LoanColumns([D("100000.00")], [D(12)], [date(2026, 1, 15)], [12], due_day=[10])
    )
    with UnitOfWork(sessions) as uow:
        onboard_bulk(uow, product_code="PL", branch_code="PUN01", book=book)
        uow.commit()
    _sound(sessions)
    with UnitOfWork(sessions) as uow:
        loan = uow.session.scalars(select(Loan)).one()
        assert loan_schedule(loan).installments[0].due_date == date(2026, 3, 10)


def test_a_product_waterfall_that_pays_the_last_installments_first(
    db_url: str, engine: Engine
) -> None:
    order = [
        ("past_due", "interest"),
        ("past_due", "principal"),
        ("due", "interest"),
        ("due", "principal"),
        ("in_advance", "principal"),
    ]
    sessions = open_book(db_url, engine, waterfall=order, future_rule="last")
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError, match=r"waterfall\[0\]: must be \[bucket, component\]"):
            create_product(
                uow,
                code="X",
                name="X",
                settings={},
                amount=(D(1), D(2)),
                rate=(D(0), D(1)),
                tenure=(1, 2),
                waterfall=[("soon", "interest")],
            )
        uow.commit()
    loan_id = _book(sessions)
    # 20,000 on 15 Feb: installment 1 (8,884.88), then 11,115.12 of principal from the last
    # installments backwards: installment 12's 8,796.88, then 2,318.24 of installment 11's
    _pay(sessions, loan_id, "20000", date(2026, 2, 15), "P1")
    with UnitOfWork(sessions) as uow:
        from lms.servicing.service import loan_state

        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 15))
    assert state.excess == D("0.00")
    assert [i.principal_paid for i in state.installments[-2:]] == [D("2318.24"), D("8796.88")]
    assert state.principal_outstanding == D("81000.00")  # 7,884.88 + 8,796.88 + 2,318.24 repaid
    _sound(sessions)


def test_a_returned_nach_debit_levies_the_bounce_charge(db_url: str, engine: Engine) -> None:
    sessions = open_book(db_url, engine, settings=FEES, bounce_charge=(D(500), D(18)))
    loan_id = _book(sessions)
    _pay(sessions, loan_id, "8884.88", date(2026, 2, 15), "NACH1")
    with UnitOfWork(sessions) as uow:
        event = uow.session.scalars(select(LoanEvent).where(LoanEvent.reference == "NACH1")).one()
        reverse_payment(
            uow,
            loan_id=loan_id,
            event_id=event.id,
            known_on=date(2026, 2, 18),
            posting_date=date(2026, 2, 18),
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 18))
        assert (state.charges_due, state.dpd) == (D("590.00"), 4)  # 500 + 18 % GST
        assert foreclosure_quote(uow, loan_id=loan_id, on=date(2026, 2, 18)).charges == D("590.00")
    _sound(sessions)
    # 9,474.88 on 20 Feb: the overdue charge (590.00) first, then installment 1 (8,884.88)
    _pay(sessions, loan_id, "9474.88", date(2026, 2, 20), "UPI2")
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 20))
        balances = account_balances(uow.session, str(loan_id))
        lines = loan_statement(uow, loan_id=loan_id, as_of=date(2026, 2, 20))[1]
    assert (state.charges_due, state.dpd, state.excess) == (D("0.00"), 0, D("0.00"))
    assert (balances["fee_income"], balances["tax_payable"]) == (D("-2500.00"), D("-450.00"))
    assert balances.get("fee_receivable", D(0)) == 0
    assert [(line.kind, line.amount) for line in lines if line.kind == "charge"] == [
        ("charge", D("-590.00"))
    ]
    _sound(sessions)


def test_a_payment_returned_after_its_surplus_was_refunded(db_url: str, engine: Engine) -> None:
    """A cheque of 10,000 (EMI 8,884.88): 1,115.12 refunded on 20 Feb, the cheque returned on 25
    Feb. The borrower owes the EMI and the 1,115.12 back (a recovery, not income); the ledger
    holds it as a receivable, and the next payment pays it first."""
    sessions = _setup(db_url, engine, settings={})
    loan_id = _book(sessions)
    _pay(sessions, loan_id, "10000", date(2026, 2, 15), "CHQ1")
    with UnitOfWork(sessions) as uow:
        refund_excess(
            uow,
            loan_id=loan_id,
            amount=D("1115.12"),
            value_date=date(2026, 2, 20),
            reference="RF1",
            posting_date=date(2026, 2, 20),
        )
        cheque = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.reference == "CHQ1"))
        assert cheque is not None
        reverse_payment(
            uow,
            loan_id=loan_id,
            event_id=cheque,
            known_on=date(2026, 2, 25),
            posting_date=date(2026, 2, 25),
        )
        uow.commit()
    _sound(sessions)
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 25))
        balances = account_balances(uow.session, str(loan_id))
    assert (state.charges_due, state.dpd) == (D("1115.12"), 11)
    assert balances["fee_receivable"] == D("1115.12")
    assert balances["collection_bank"] == -D("1115.12")
    assert "fee_income" not in balances
    _pay(sessions, loan_id, "10000", date(2026, 3, 1), "NEFT2")
    _sound(sessions)
    with UnitOfWork(sessions) as uow:
        paid = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 1))
    assert (paid.charges_due, paid.dpd, paid.excess) == (0, 0, 0)


def test_one_utr_may_pay_two_loans_of_one_borrower_but_not_anothers(
    db_url: str, engine: Engine
) -> None:
    sessions = _setup(db_url, engine, settings={})
    first = _book(sessions)
    with UnitOfWork(sessions) as uow:
        second = onboard_loan(
            uow,
            request=LoanRequest("APP-2", "PUN01", 1, "PL", D(50000), D(12), 12, date(2026, 1, 15)),
        ).id
        other = onboard_loan(
            uow,
            request=LoanRequest("APP-3", "PUN01", 2, "PL", D(50000), D(12), 12, date(2026, 1, 15)),
        ).id
        for loan_id in (second, other):
            disburse_loan(uow, loan_id=loan_id, posting_date=date(2026, 1, 15))
        uow.commit()
    utr = "SBIN526046123456"
    _pay(sessions, first, "8884.88", date(2026, 2, 15), utr)
    _pay(sessions, second, "4442.44", date(2026, 2, 15), utr)  # the same transfer, split
    with pytest.raises(ConflictError, match=f"already paid loan {first} of another borrower"):
        _pay(sessions, other, "4442.44", date(2026, 2, 15), utr)
    _sound(sessions)
