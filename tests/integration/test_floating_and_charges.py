"""Floating-rate loans re-priced by a benchmark, the foreclosure charge and its RBI exemption,
and what onboarding keeps beside the terms (parties, account, documents), on every database.

The home loan: 5,00,000 for 12 months from 15 Jan 2026 at REPO 6.50 + spread 2.50 = 9.00 %;
REPO moves to 6.75 from 10 Apr 2026, so the loans carry 9.25 % from then, keeping the EMI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from book_setup import open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.catalog import ProductRules, create_customer, create_product
from lms.servicing.foreclosure import foreclose_loan, foreclosure_quote
from lms.servicing.models import BenchmarkRate, LoanParty
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.rates import publish_benchmark
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state

JAN15, APR10, APR20 = date(2026, 1, 15), date(2026, 4, 10), date(2026, 4, 20)
ROWS = generate_schedule(LoanTerms(D(500000), D(9), JAN15, 12)).installments
WIDE = {"amount": (D(1), D(10**7)), "rate": (D(0), D(36)), "tenure": (1, 360)}


@pytest.fixture
def sessions(db_url: str, engine: Engine) -> sessionmaker[Session]:
    factory = open_book(
        db_url,
        engine,
        customers=({"name": "Meera Iyer"}, {"name": "Iyer Traders Pvt Ltd", "kind": "entity"}),
    )
    with UnitOfWork(factory) as uow:
        floating = ProductRules(
            foreclosure_charge=(D(2), D(18)), rate_type="floating", benchmark="REPO"
        )
        create_product(uow, code="HL", name="Home loan", settings={}, rules=floating, **WIDE)  # type: ignore[arg-type]
        fixed = ProductRules(foreclosure_charge=(D(2), D(18)))
        create_product(
            uow, code="LAP", name="Loan against property", settings={}, rules=fixed, **WIDE
        )  # type: ignore[arg-type]
        uow.session.add(
            BenchmarkRate(
                benchmark="REPO", effective_from=date(2025, 12, 1), rate=D("6.50"), created_at=NOW
            )
        )
        uow.commit()
    return factory


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _book(sessions: sessionmaker[Session], external_id: str, customer: int, product: str) -> int:
    with UnitOfWork(sessions) as uow:
        request = LoanRequest(external_id, "PUN01", customer, product, D(500000), D(9), 12, JAN15)
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=JAN15)
        for day in (date(2026, 2, 15), date(2026, 3, 15)):
            payment = PaymentRequest(ROWS[0].total, day, f"{external_id}-{day}", "nach")
            record_payment(uow, loan_id=loan.id, request=payment, posting_date=day)
        uow.commit()
        return loan.id


def _sound(sessions: sessionmaker[Session], loan_id: int) -> dict[str, D]:
    return sound(sessions, loan_id)


def test_a_benchmark_move_reprices_floating_loans_from_its_date(
    sessions: sessionmaker[Session],
) -> None:
    person = _book(sessions, "HL-1", 1, "HL")
    fixed = _book(sessions, "LAP-1", 1, "LAP")
    with UnitOfWork(sessions) as uow:
        changed = publish_benchmark(
            uow, benchmark="REPO", effective_from=APR10, rate=D("6.75"), posting_date=APR20
        )
        uow.commit()
    assert (changed.changed, changed.skipped) == ([person], [])  # LAP-1 is at a fixed rate
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=person, as_of=APR20)
        untouched = loan_state(uow, loan_id=fixed, as_of=APR20)
    balance = ROWS[1].balance
    # installment 3 (15 Mar - 15 Apr): its interest at 9 % plus the balance x 0.25 %/12 for the
    # 5 of its 31 days from 10 Apr (pro rata of the period under the periodic basis)
    extra = F(balance) * F(25, 10000) / 12 * F(5, 31)  # 5 of the 31 days of 5 Apr - 5 May
    expected = ROWS[2].interest + D(extra.numerator / extra.denominator).quantize(
        D("0.01"), ROUND_HALF_UP
    )
    assert state.annual_rate == D("9.25")
    assert state.installments[2].interest == expected
    assert state.installments[3].principal + state.installments[3].interest == ROWS[0].total
    assert sum(i.principal for i in state.installments) == D(500000)
    assert [i.interest for i in untouched.installments] == [r.interest for r in ROWS]
    _sound(sessions, person)
    with UnitOfWork(sessions) as uow:  # the same publication again: nothing happens
        again = publish_benchmark(
            uow, benchmark="REPO", effective_from=APR10, rate=D("6.75"), posting_date=APR20
        )
        assert (again.changed, again.skipped) == ([], [])
        with pytest.raises(ConflictError, match=r"was published at 6\.75"):
            publish_benchmark(
                uow, benchmark="REPO", effective_from=APR10, rate=D("7"), posting_date=APR20
            )


def test_no_foreclosure_charge_on_a_floating_loan_to_an_individual(
    sessions: sessionmaker[Session],
) -> None:
    person = _book(sessions, "HL-1", 1, "HL")
    company = _book(sessions, "HL-2", 2, "HL")
    fixed = _book(sessions, "LAP-1", 1, "LAP")
    with UnitOfWork(sessions) as uow:
        quotes = {
            loan_id: foreclosure_quote(uow, loan_id=loan_id, on=APR20)
            for loan_id in (person, company, fixed)
        }
    assert (quotes[person].foreclosure_charge, quotes[person].foreclosure_tax) == (0, 0)
    principal = ROWS[1].balance
    fee = (principal * 2 / 100).quantize(D("0.01"), ROUND_HALF_UP)
    tax = (fee * 18 / 100).quantize(D("0.01"), ROUND_HALF_UP)
    for loan_id in (company, fixed):
        assert (quotes[loan_id].foreclosure_charge, quotes[loan_id].foreclosure_tax) == (fee, tax)
        assert quotes[loan_id].payable == quotes[person].payable + fee + tax
    with UnitOfWork(sessions) as uow:
        foreclose_loan(
            uow, loan_id=company, on=APR20, reference="FC-2", channel="rtgs", posting_date=APR20
        )
        uow.commit()
    balances = _sound(sessions, company)
    assert balances.get("loan_principal", D(0)) == 0
    assert balances["fee_income"] == -fee
    assert balances["tax_payable"] == -tax


def test_onboarding_keeps_parties_account_and_documents(
    sessions: sessionmaker[Session],
) -> None:
    with UnitOfWork(sessions) as uow:
        guarantor = create_customer(uow, branch_code="PUN01", name="R. Iyer").id
        request = LoanRequest(
            "HL-9",
            "PUN01",
            1,
            "HL",
            D(500000),
            D(9),
            12,
            JAN15,
            parties=((2, "co_borrower"), (guarantor, "guarantor")),
            disbursement_account={
                "ifsc": "HDFC0001234",
                "account_number": "50100012345678",
                "holder": "Meera Iyer",
            },
            documents=({"kind": "sanction_letter", "reference": "DMS-77"},),
        )
        loan = onboard_loan(uow, request=request)
        assert loan.spread == D("2.50")  # 9.00 - REPO 6.50 on 15 Jan 2026
        assert onboard_loan(uow, request=request).id == loan.id  # the same application
        parties = uow.session.execute(
            select(LoanParty.customer_id, LoanParty.role).where(LoanParty.loan_id == loan.id)
        ).all()
        assert sorted(parties) == [(2, "co_borrower"), (guarantor, "guarantor")]
        with pytest.raises(InvalidError, match="names the borrower"):
            onboard_loan(
                uow,
                request=LoanRequest(
                    "HL-10",
                    "PUN01",
                    1,
                    "HL",
                    D(500000),
                    D(9),
                    12,
                    JAN15,
                    parties=((1, "guarantor"),),
                ),
            )
        with pytest.raises(InvalidError, match="REPO has no rate published by 2025-11-01"):
            onboard_loan(
                uow,
                request=LoanRequest(
                    "HL-11", "PUN01", 1, "HL", D(500000), D(9), 12, date(2025, 11, 1)
                ),
            )


def test_fees_collected_apart_are_owed_by_the_borrower_not_deducted(
    sessions: sessionmaker[Session],
) -> None:
    """A product that collects its 2 % processing fee (+ 18 % GST) instead of deducting it:
    5,00,000 is paid out in full and the borrower owes 10,000 + 1,800 from disbursement; the
    first EMI payment pays that first. One loan's own fee (1 %) replaces the product's."""
    with UnitOfWork(sessions) as uow:
        create_product(
            uow,
            code="PLC",
            name="Personal loan, fees collected",
            settings={"fees": [{"name": "processing", "percent": "2", "tax": "18"}]},
            rules=ProductRules(fee_collection="collect"),
            **WIDE,  # type: ignore[arg-type]
        )
        request = LoanRequest("PLC-1", "PUN01", 1, "PLC", D(500000), D(9), 12, JAN15)
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=JAN15)
        own = LoanRequest(
            "PLC-2",
            "PUN01",
            1,
            "PLC",
            D(500000),
            D(9),
            12,
            JAN15,
            fees=({"name": "processing", "percent": "1", "tax": "18"},),
        )
        assert onboard_loan(uow, request=own).net_disbursed == D(500000) - D(5000) - D(900)
        uow.commit()
        loan_id = loan.id
    balances = _sound(sessions, loan_id)
    assert balances["disbursement_bank"] == -D(500000)
    assert balances["fee_receivable"] == D(11800)
    assert (balances["fee_income"], balances["tax_payable"]) == (-D(10000), -D(1800))
    with UnitOfWork(sessions) as uow:
        payment = PaymentRequest(D(11800) + ROWS[0].total, date(2026, 2, 15), "P1", "upi")
        record_payment(uow, loan_id=loan_id, request=payment, posting_date=date(2026, 2, 15))
        uow.commit()
        state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 15))
    assert (state.charges_due, state.dpd, state.excess) == (0, 0, 0)
    assert _sound(sessions, loan_id)["fee_receivable"] == 0


def test_a_benchmark_move_raises_the_emi_where_keeping_it_cannot_work_and_skips_the_rest(
    sessions: sessionmaker[Session],
) -> None:
    """A 30-year home loan of 50 lakh at 8.50 % (REPO 6.50 + 2.00): REPO to 7.25 from 10 Apr
    makes the EMI fall short of the interest, so its EMI is raised instead of the tenure
    lengthened; a two-month loan whose both installments fell due before the move has nothing
    left to revise and is skipped with the reason; the 12-month loan is re-priced keeping its
    EMI. Nothing of one holds up the others."""
    with UnitOfWork(sessions) as uow:
        long_loan = onboard_loan(
            uow,
            request=LoanRequest("HL-30Y", "PUN01", 1, "HL", D(5000000), D("8.5"), 360, JAN15),
        ).id
        short_loan = onboard_loan(
            uow, request=LoanRequest("HL-2M", "PUN01", 1, "HL", D(100000), D(9), 2, JAN15)
        ).id
        for loan_id in (long_loan, short_loan):
            disburse_loan(uow, loan_id=loan_id, posting_date=JAN15)
        uow.commit()
    year = _book(sessions, "HL-1", 1, "HL")
    with UnitOfWork(sessions) as uow:
        before = loan_state(uow, loan_id=long_loan, as_of=APR10).installments[5]
        done = publish_benchmark(
            uow, benchmark="REPO", effective_from=APR10, rate=D("7.25"), posting_date=APR20
        )
        uow.commit()
    assert done.changed == [long_loan, year]
    assert [(loan, "no installment" in reason) for loan, reason in done.skipped] == [
        (short_loan, True)
    ]
    with UnitOfWork(sessions) as uow:
        after = loan_state(uow, loan_id=long_loan, as_of=APR20)
        kept = loan_state(uow, loan_id=year, as_of=APR20)
    assert len(after.installments) == 360  # the tenure kept ...
    assert after.installments[5].principal + after.installments[5].interest > (
        before.principal + before.interest
    )  # ... and the EMI raised
    assert (after.annual_rate, kept.annual_rate) == (D("9.25"), D("9.75"))  # each own spread
    assert kept.installments[4].principal + kept.installments[4].interest == ROWS[0].total
    for loan_id in (long_loan, short_loan, year):
        _sound(sessions, loan_id)
