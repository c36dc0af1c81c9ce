"""Booking, disbursing and repaying a loan on every configured database, ledger included."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.db import UnitOfWork, make_session_factory
from lms.db.migrate import upgrade
from lms.ledger.check import account_balances, ledger_problems
from lms.loans.catalog import create_branch, create_customer, create_product
from lms.loans.errors import ConflictError, InvalidError
from lms.loans.models import Customer, LoanInstallment
from lms.loans.repayments import PaymentRequest, record_payment
from lms.loans.service import LoanRequest, disburse_loan, loan_state, onboard_loan

DAY = date(2026, 1, 15)
REQUEST = LoanRequest(
    external_id="APP-1001",
    branch_code="PUN01",
    customer_id=1,
    product_code="PL",
    principal=D("100000.00"),
    annual_rate=D("12"),
    installments=12,
    disbursement_date=DAY,
)


@pytest.fixture
def sessions(db_url: str, engine: Engine) -> sessionmaker[Session]:
    upgrade(db_url)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        create_branch(uow, code="PUN01", name="Pune Camp")
        create_customer(
            uow, branch_code="PUN01", name="Asha Patil", pan="ABCDE1234F", aadhaar="123412341234"
        )
        create_product(
            uow,
            code="PL",
            name="Personal loan",
            settings={"fees": [{"name": "processing", "percent": "2", "tax": "18"}]},
            amount=(D(10000), D(2500000)),
            rate=(D(10), D(24)),
            tenure=(6, 60),
        )
        uow.commit()
    return factory


def _booked(sessions: sessionmaker[Session]) -> int:
    with UnitOfWork(sessions) as uow:
        loan = onboard_loan(uow, request=REQUEST)
        disburse_loan(uow, loan_id=loan.id, posting_date=DAY)
        uow.commit()
        return loan.id


def _pay(sessions: sessionmaker[Session], loan_id: int, **fields: object) -> int:
    request = PaymentRequest(**{"channel": "upi", **fields})  # type: ignore[arg-type]
    with UnitOfWork(sessions) as uow:
        event, _ = record_payment(
            uow, loan_id=loan_id, request=request, posting_date=request.value_date
        )
        uow.commit()
        return event.id


def test_identity_numbers_are_stored_masked(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        customer = uow.session.scalars(select(Customer)).one()
        assert (customer.pan_masked, customer.aadhaar_last4) == ("XXXXX1234X", "1234")


def test_onboarding_is_idempotent_on_the_application_id(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    with UnitOfWork(sessions) as uow:
        again = onboard_loan(uow, request=REQUEST)
        assert again.id == loan_id
        # the KFS figures stored with the loan: 2 % fee + 18 % GST = 2,360 kept back; APR as
        # pyxirr.irr([-97640] + [8884.88] * 11 + [8884.85]) x 12 = 16.5605 %
        assert (again.emi, again.net_disbursed, again.apr) == (
            D("8884.88"),
            D("97640.00"),
            D("16.56"),
        )
        with pytest.raises(ConflictError, match="booked with other terms"):
            onboard_loan(
                uow, request=REQUEST.__class__(**{**REQUEST.__dict__, "principal": D("90000.00")})
            )
        with pytest.raises(InvalidError, match="principal: must be 10000"):
            onboard_loan(
                uow,
                request=REQUEST.__class__(
                    **{**REQUEST.__dict__, "external_id": "X", "principal": D(5000)}
                ),
            )


def test_payments_move_the_loan_and_its_ledger_together(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    _pay(
        sessions,
        loan_id,
        amount=D(10000),
        value_date=date(2026, 2, 15),
        reference="UTR1",
        idempotency_key="k1",
    )
    _pay(
        sessions,
        loan_id,
        amount=D(5000),
        value_date=date(2026, 3, 20),
        reference="UTR2",
        idempotency_key="k2",
    )
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 20))
        balances = account_balances(uow.session, str(loan_id))
        query = select(LoanInstallment).where(LoanInstallment.loan_id == loan_id)
        stored = [
            (row.principal_paid, row.interest_paid)
            for row in uow.session.scalars(query.order_by(LoanInstallment.number))
        ]
        assert ledger_problems(uow.session) == []
    # 1,00,000 - 7,884.88 (15 Feb) - 193.97 (the excess, on 15 Mar) - 5,000 (20 Mar)
    assert balances["loan_principal"] == state.principal_outstanding == D("86921.15")
    assert balances["interest_receivable"] == state.interest_due == D("0.00")
    assert balances.get("unapplied_funds", D(0)) == -state.excess == D("0.00")
    assert balances["collection_bank"] == D("15000.00")
    assert balances["disbursement_bank"] == D("-97640.00")
    assert stored == [(i.principal_paid, i.interest_paid) for i in state.installments]


def test_a_retried_payment_posts_once_and_a_changed_retry_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    loan_id = _booked(sessions)
    fields = {
        "amount": D("8884.88"),
        "value_date": date(2026, 2, 15),
        "reference": "UTR1",
        "idempotency_key": "k1",
    }
    first = _pay(sessions, loan_id, **fields)
    assert _pay(sessions, loan_id, **fields) == first
    with pytest.raises(ConflictError, match="idempotency key 'k1' was used for another payment"):
        _pay(sessions, loan_id, **{**fields, "amount": D(1)})
    with pytest.raises(ConflictError, match="backdated payments are not supported yet"):
        _pay(sessions, loan_id, amount=D(1), value_date=date(2026, 2, 1), reference="UTR0")
    with UnitOfWork(sessions) as uow:
        assert account_balances(uow.session, str(loan_id))["collection_bank"] == D("8884.88")


def test_concurrent_payments_on_one_loan_both_land(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    errors: list[BaseException] = []

    def pay(k: int) -> None:
        try:
            _pay(sessions, loan_id, amount=D(1000), value_date=date(2026, 2, 15), reference=f"C{k}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 15))
        assert account_balances(uow.session, str(loan_id))["collection_bank"] == D("6000.00")
        assert ledger_problems(uow.session) == []
    first = state.installments[0]
    assert (first.interest_paid, first.principal_paid) == (D("1000.00"), D("5000.00"))
