"""A loan paid out in tranches, on every database: 10,00,000 sanctioned at 9 % for 12 months
from 15 Jan 2026; 4,00,000 paid out first, 3,00,000 more on 1 Mar 2026.

Expected figures are worked with Fractions from the first tranche's schedule (rows of
4,00,000 at 9 %): installment 2 (15 Mar) gains the new money's interest for 1-15 Mar
(3,00,000 x 0.75 % x 14/28: the 14 of the period's 28 days still to run, pro rata under the
periodic basis), and the EMI from then on is the level EMI of the new
balance over the 11 installments left at 0.75 % a month.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from book_setup import open_book
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.documents.service import loan_statement
from lms.ledger.check import account_balances, ledger_problems
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state
from lms.servicing.tranches import disburse_tranche

JAN15, MAR1 = date(2026, 1, 15), date(2026, 3, 1)
FIRST = generate_schedule(LoanTerms(D(400000), D(9), JAN15, 12)).installments


def paisa(value: F) -> D:
    return (D(value.numerator) / D(value.denominator)).quantize(D("0.01"), ROUND_HALF_UP)


@pytest.fixture
def sessions(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return open_book(db_url, engine, amount=(D(1), D(10**7)), rate=(D(0), D(36)))


def test_a_second_tranche_revises_the_schedule_and_posts_a_disbursement(
    sessions: sessionmaker[Session],
) -> None:
    with UnitOfWork(sessions) as uow:
        loan = onboard_loan(
            uow, request=LoanRequest("HL-T", "PUN01", 1, "PL", D(1000000), D(9), 12, JAN15)
        )
        with pytest.raises(ConflictError, match="not an active loan paid out in tranches"):
            disburse_tranche(
                uow,
                loan_id=loan.id,
                amount=D(1),
                value_date=MAR1,
                reference="T0",
                posting_date=MAR1,
            )
        disburse_loan(uow, loan_id=loan.id, posting_date=JAN15, amount=D(400000))
        payment = PaymentRequest(FIRST[0].total, date(2026, 2, 15), "EMI1", "nach")
        record_payment(uow, loan_id=loan.id, request=payment, posting_date=date(2026, 2, 15))
        disburse_tranche(
            uow,
            loan_id=loan.id,
            amount=D(300000),
            value_date=MAR1,
            reference="T2",
            posting_date=MAR1,
        )
        with pytest.raises(InvalidError, match=r"at most the 300000\.00"):
            disburse_tranche(
                uow,
                loan_id=loan.id,
                amount=D(300001),
                value_date=MAR1,
                reference="T3",
                posting_date=MAR1,
            )
        uow.commit()
        loan_id = loan.id
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 3, 15))
        _, lines = loan_statement(uow, loan_id=loan_id, as_of=MAR1)
        assert ledger_problems(uow.session) == [] and loan_ledger_problems(uow) == []
        balances = account_balances(uow.session, str(loan_id))
    balance = FIRST[0].balance + 300000
    second = state.installments[1]
    assert second.interest == FIRST[1].interest + paisa(F(300000) * F(9, 1200) * F(14, 28))
    monthly = F(9, 1200)
    emi = paisa(F(balance) * monthly / (1 - (1 + monthly) ** -11))
    assert second.principal == emi - paisa(F(balance) * monthly)
    assert state.installments[2].principal + state.installments[2].interest == emi
    assert len(state.installments) == 12 and state.principal_tranched == D(300000)
    assert sum(i.principal for i in state.installments) == D(700000)
    assert balances["loan_principal"] == balance
    assert balances["disbursement_bank"] == -D(700000)
    assert (lines[-1].kind, lines[-1].amount, lines[-1].balance) == ("tranche", -D(300000), balance)
