"""Booking, disbursing and repaying a loan on every configured database, ledger included."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from book_setup import open_book, sound
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.service import loan_statement
from lms.ledger.check import account_balances, ledger_problems
from lms.platform.db import UnitOfWork, make_engine
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import Customer, Loan, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.service import disburse_loan, loan_state

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
    return open_book(
        db_url,
        engine,
        branch=("PUN01", "Pune Camp"),
        customers=({"name": "Asha Patil", "pan": "ABCDE1234F", "aadhaar": "123412341234"},),
        name="Personal loan",
        settings={"fees": [{"name": "processing", "percent": "2", "tax": "18"}]},
        amount=(D(10000), D(2500000)),
        rate=(D(10), D(24)),
        tenure=(6, 60),
    )


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
    with pytest.raises(InvalidError, match="value_date: is before the disbursement"):
        _pay(sessions, loan_id, amount=D(1), value_date=date(2026, 1, 1), reference="UTR0")
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


def _reverse(sessions: sessionmaker[Session], loan_id: int, event_id: int, known_on: date) -> None:
    with UnitOfWork(sessions) as uow:
        reverse_payment(
            uow, loan_id=loan_id, event_id=event_id, known_on=known_on, posting_date=known_on
        )
        uow.commit()


def row_paid(row: LoanInstallment) -> tuple[D, D]:
    return row.principal_paid, row.interest_paid


def _sound(sessions: sessionmaker[Session], loan_id: int) -> dict[str, D]:
    return sound(sessions, loan_id)


def test_a_returned_nach_debit_and_a_backdated_payment(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 2, 15), reference="NACH1")
    second = _pay(
        sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 3, 15), reference="NACH2"
    )
    _reverse(sessions, loan_id, second, date(2026, 3, 18))
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 18))
    assert (state.dpd, state.principal_due, state.interest_due) == (4, D("7963.73"), D("921.15"))
    assert _sound(sessions, loan_id)["collection_bank"] == D("8884.88")
    # a cash receipt dated 16 Mar, entered on 20 Mar: before the loan's last event (18 Mar)
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 3, 16), reference="CASH1")
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 20))
    assert (state.dpd, state.principal_outstanding) == (0, D("84151.39"))
    balances = _sound(sessions, loan_id)
    assert balances["collection_bank"] == D("17769.76")
    assert balances["loan_principal"] == D("84151.39")
    with pytest.raises(ConflictError, match="already reversed"):
        _reverse(sessions, loan_id, second, date(2026, 3, 25))


events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=120),
        st.integers(min_value=1, max_value=1500000),
        st.booleans(),
        st.sampled_from([None, None, "reduce_emi", "reduce_tenure"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=events)
def test_random_payments_reversals_and_backdating_keep_state_and_ledger_equal(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[int, int, bool, str | None]]
) -> None:
    """Payments and part-prepayments (either choice), some returned, in any date order."""
    url = f"sqlite:///{tmp_path_factory.mktemp('book') / 'book.sqlite3'}"
    engine = make_engine(url)
    factory = open_book(
        url,
        engine,
        branch=("PUN01", "Pune Camp"),
        customers=({"name": "Asha Patil"},),
        bounce_charge=(D(500), D(18)),
    )
    loan_id = _booked(factory)
    for k, (offset, paise, reverse_it, reschedule) in enumerate(sequence):
        value_date = DAY + timedelta(days=offset + 1)
        try:
            event = _pay(
                factory,
                loan_id,
                amount=D(paise) / 100,
                value_date=value_date,
                reference=f"R{k}",
                reschedule=reschedule,
            )
        except ConflictError as exc:  # a prepayment of all that is not yet due: refused, unwritten
            assert reschedule is not None and "foreclose" in str(exc)
            continue
        if reverse_it:
            _reverse(factory, loan_id, event, value_date + timedelta(days=2))
    with UnitOfWork(factory) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None and loan.last_event_on is not None
        state = loan_state(uow, loan_id=loan_id, as_of=loan.last_event_on)
        stored = [
            (row.number, row.due_date, row.principal, row.interest, *row_paid(row))
            for row in uow.session.scalars(
                select(LoanInstallment)
                .where(LoanInstallment.loan_id == loan_id)
                .order_by(LoanInstallment.number)
            )
        ]
        assert stored == [
            (i.number, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid)
            for i in state.installments
        ]
        assert loan.excess == state.excess
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        closing = loan.last_event_on + timedelta(days=5) if loan.status == "active" else None
    if (
        closing is not None
    ):  # whatever happened, the loan can be foreclosed and the book stays sound
        with UnitOfWork(factory) as uow:
            foreclose_loan(
                uow,
                loan_id=loan_id,
                on=closing,
                reference="FC",
                channel="neft",
                posting_date=closing,
            )
            uow.commit()
        with UnitOfWork(factory) as uow:
            closed = uow.session.get(Loan, loan_id)
            assert closed is not None and closed.status == "closed"
            assert ledger_problems(uow.session) == []
            assert loan_ledger_problems(uow) == []
            assert account_balances(uow.session, str(loan_id)).get("loan_principal", D(0)) == 0
    engine.dispose()


def test_foreclosure_quote_and_closure(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 2, 15), reference="NACH1")
    with UnitOfWork(sessions) as uow:
        quote = foreclosure_quote(uow, loan_id=loan_id, on=date(2026, 3, 1))
    # 92,115.12 outstanding; interest 15 Feb - 1 Mar (14 days): 92,115.12 x 12 % x 14 / 365
    assert (quote.principal, quote.interest, quote.payable) == (
        D("92115.12"),
        D("423.98"),
        D("92539.10"),
    )
    with UnitOfWork(sessions) as uow:
        foreclose_loan(
            uow,
            loan_id=loan_id,
            on=date(2026, 3, 1),
            reference="NEFT-FC",
            channel="neft",
            posting_date=date(2026, 3, 1),
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None
        assert (loan.status, loan.closed_on) == ("closed", date(2026, 3, 1))
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(LoanInstallment)
                .where(LoanInstallment.loan_id == loan_id)
            )
            == 2
        )
        with pytest.raises(ConflictError, match="only an active loan can be foreclosed"):
            foreclosure_quote(uow, loan_id=loan_id, on=date(2026, 3, 2))
    balances = _sound(sessions, loan_id)
    assert balances.get("loan_principal", D(0)) == 0
    assert balances["interest_income"] == D("-1423.98")
    assert balances["collection_bank"] == D("101423.98")


def test_an_overpayment_is_refunded(sessions: sessionmaker[Session]) -> None:
    loan_id = _booked(sessions)
    _pay(sessions, loan_id, amount=D(10000), value_date=date(2026, 2, 15), reference="UTR1")
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError, match=r"at most the unapplied funds 1115\.12"):
            refund_excess(
                uow,
                loan_id=loan_id,
                amount=D(2000),
                value_date=date(2026, 2, 20),
                reference="RF0",
                posting_date=date(2026, 2, 20),
            )
        refund_excess(
            uow,
            loan_id=loan_id,
            amount=D("1115.12"),
            value_date=date(2026, 2, 20),
            reference="RF1",
            posting_date=date(2026, 2, 20),
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 15))
        _label, lines = loan_statement(uow, loan_id=loan_id, as_of=date(2026, 3, 15))
    assert (state.excess, state.installments[1].interest_paid) == (
        D("0.00"),
        D("0.00"),
    )  # nothing left to apply
    assert [(line.kind, line.amount, line.held) for line in lines][-1] == (
        "refund",
        D("-1115.12"),
        D("-1115.12"),
    )
    balances = _sound(sessions, loan_id)
    assert balances["collection_bank"] == D("8884.88")
    assert balances.get("unapplied_funds", D(0)) == 0


def test_a_part_prepayment_revises_the_schedule_and_the_ledger(
    sessions: sessionmaker[Session],
) -> None:
    """1,00,000 at 12 % for 12 months; after two EMIs, 20,000 prepaid on 10 Apr with reduce
    EMI (figures as in tests/unit/test_revision.py: EMI 6,773.24, installment 3 interest
    809.26)."""
    loan_id = _booked(sessions)
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 2, 15), reference="I1")
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 3, 15), reference="I2")
    prepaid = _pay(
        sessions,
        loan_id,
        amount=D(20000),
        value_date=date(2026, 4, 10),
        reference="PRE1",
        reschedule="reduce_emi",
    )
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 4, 10))
        rows = [
            (row.principal, row.interest)
            for row in uow.session.scalars(
                select(LoanInstallment)
                .where(LoanInstallment.loan_id == loan_id)
                .order_by(LoanInstallment.number)
            )
        ]
        _, lines = loan_statement(uow, loan_id=loan_id, as_of=date(2026, 4, 10))
    assert (state.principal_outstanding, state.principal_prepaid) == (D("64151.39"), D(20000))
    assert (rows[2][1], sum(rows[3])) == (D("809.26"), D("6773.24"))
    assert len(rows) == 12
    assert (lines[-1].kind, lines[-1].principal, lines[-1].balance) == (
        "prepayment",
        D(20000),
        D("64151.39"),
    )
    assert _sound(sessions, loan_id)["loan_principal"] == D("64151.39")
    # the cheque for the prepayment bounces: the schedule and the ledger go back
    _reverse(sessions, loan_id, prepaid, date(2026, 4, 14))
    with UnitOfWork(sessions) as uow:
        back = loan_state(uow, loan_id=loan_id, as_of=date(2026, 4, 14))
    assert back.principal_prepaid == 0
    assert back.installments[2].interest == D("841.51")
    assert _sound(sessions, loan_id)["loan_principal"] == D("84151.39")


def test_a_prepayment_with_reduce_tenure_ends_the_loan_sooner(
    sessions: sessionmaker[Session],
) -> None:
    loan_id = _booked(sessions)
    _pay(sessions, loan_id, amount=D("8884.88"), value_date=date(2026, 2, 15), reference="I1")
    _pay(
        sessions,
        loan_id,
        amount=D("28884.88"),  # installment 2 on its due date, and 20,000 more
        value_date=date(2026, 3, 15),
        reference="PRE1",
        reschedule="reduce_tenure",
    )
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 15))
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None and loan.oldest_unpaid_due == date(2026, 4, 15)
    assert state.principal_prepaid == D(20000)
    assert state.installments[-1].due_date < date(2027, 1, 15)
    assert {i.principal + i.interest for i in state.installments[3:-1]} == {D("8884.88")}
    _sound(sessions, loan_id)
