"""Bulk onboarding of loans paid out in tranches, on every configured database.

The proof: the same home loans (fixed in the vectorised lane, floating with its fees collected
apart, construction-linked pre-EMI and full EMI, equal principal parts through the core), some paid out in tranches, booked once through
`onboard_loan` + `disburse_loan(amount=<first tranche>)` and once through `onboard_bulk` with
the first tranches as a column, write equal loan rows (the APR apart), events, installments and
journal entries with their sources and lines, loan for loan; a later tranche paid by
`disburse_tranche` on both books leaves them equal; a first tranche single disbursement refuses
is refused in bulk with its reason, naming the loan, and nothing is written. The products lend
25,00,000 at least: a first tranche of 20,00,000 is below that, and is booked, because the
ranges are checked on the sanctioned amount, as onboarding checks them.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from book_setup import sound
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from test_bulk_onboarding import MIGRATED, _everything, book_with_products

from lms.ledger.models import JournalEntryRow
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from lms.servicing.catalog import ProductRules
from lms.servicing.models import Loan, LoanEvent, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan
from lms.servicing.tranches import disburse_tranche

PRODUCTS: dict[str, tuple[dict[str, object], ProductRules]] = {
    # fixed, BPI deducted, a lender fee with GST and a third party's fixed fee, deducted
    "HLF": (
        {
            "due_day": 5,
            "bpi": "deduct",
            "fees": [
                {"name": "processing", "percent": "0.4", "tax": "18"},
                {"name": "stamp", "amount": "5000", "payee": "third_party"},
            ],
        },
        ProductRules(),
    ),
    # floating on REPO, its fee and GST collected from the borrower apart
    "HLV": (
        {"due_day": 10, "fees": [{"name": "processing", "percent": "0.5", "tax": "18"}]},
        ProductRules(rate_type="floating", benchmark="REPO", fee_collection="collect"),
    ),
    # construction-linked: pre-EMI (interest only until the last tranche), and the EMI of the
    # sanctioned amount from the start; both outside the lane
    "HLP": ({"due_day": 5, "tranche_repayment": "pre_emi"}, ProductRules()),
    "HLS": ({"due_day": 5, "tranche_repayment": "full_emi"}, ProductRules()),
    # equal principal parts: outside the vectorised lane, through the core one loan at a time
    "HLE": (
        {"method": "equal_principal", "due_day": 1, "bpi": "deduct", "fees": [{"percent": "1"}]},
        ProductRules(),
    ),
}
# (sanctioned, rate, disbursement date, installments, first tranche: None or all paid in full)
LOANS = [
    (D("5000000.00"), D("8.50"), date(2026, 1, 13), 240, D("2000000.00")),
    (D("3000000"), D("9.10"), date(2026, 1, 28), 180, None),
    (D("7500000.50"), D("8.75"), date(2026, 2, 3), 300, D("1234567.89")),
    (D("2600000"), D("9.40"), date(2026, 2, 20), 120, D("2600000")),
]
TRANCHED = (0, 2)
LEVEL = ("HLF", "HLV")  # the core revises only level-EMI schedules for a later tranche
MAR20 = date(2026, 3, 20)  # the second tranche: 15,00,000 of each loan paid out in tranches


def _products(db_url: str, engine: Engine) -> sessionmaker[Session]:
    ranges = ((D(2500000), D(10**8)), (D(7), D(12)), (60, 360))
    return book_with_products(db_url, engine, "Meera Kulkarni", PRODUCTS, ranges)


def _bulk(prefix: str, loans: list[tuple[D, D, date, int, D | None]]) -> BulkBook:
    columns = list(zip(*loans, strict=True))
    return BulkBook(
        external_ids=[f"{prefix}-{k}" for k in range(len(loans))],
        customer_ids=[1] * len(loans),
        loans=LoanColumns(*(list(column) for column in columns[:4])),
        first_tranches=list(columns[4]),
    )


def _booked_both_ways(sessions: sessionmaker[Session]) -> None:
    for code in PRODUCTS:
        with UnitOfWork(sessions) as uow:
            for k, (principal, rate, day, count, tranche) in enumerate(LOANS):
                request = LoanRequest(
                    f"S-{code}-{k}", "PUN01", 1, code, principal, rate, count, day
                )
                loan = onboard_loan(uow, request=request)
                disburse_loan(uow, loan_id=loan.id, posting_date=MIGRATED, amount=tranche)
            book = _bulk(f"B-{code}", LOANS)
            onboard_bulk(
                uow, product_code=code, branch_code="PUN01", book=book, posting_date=MIGRATED
            )
            uow.commit()


def _assert_books_equal(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        for code in PRODUCTS:
            for k in range(len(LOANS)):
                single = _everything(uow, f"S-{code}-{k}")
                bulk = _everything(uow, f"B-{code}-{k}")
                assert bulk == single, f"{code} loan {k}"


def test_bulk_loans_paid_out_in_tranches_equal_loans_booked_one_by_one(
    db_url: str, engine: Engine
) -> None:
    sessions = _products(db_url, engine)
    _booked_both_ways(sessions)
    sound(sessions)  # lms ledger check: entries, trial balance, each loan's ledger = its state
    _assert_books_equal(sessions)
    with UnitOfWork(sessions) as uow:
        for code in LEVEL:
            for side in "SB":
                for k in TRANCHED:
                    loan_id = uow.session.scalars(
                        select(Loan.id).where(Loan.external_id == f"{side}-{code}-{k}")
                    ).one()
                    disburse_tranche(
                        uow,
                        loan_id=loan_id,
                        amount=D(1500000),
                        value_date=MAR20,
                        reference="T2",
                        posting_date=MAR20,
                    )
        uow.commit()
    sound(sessions)
    _assert_books_equal(sessions)
    with UnitOfWork(sessions) as uow:
        home = _everything(uow, "B-HLF-0")
    assert [(e[0], e[2]) for e in home["events"]] == [  # type: ignore[attr-defined]
        ("disbursement", D(2000000)),
        ("tranche", D(1500000)),
    ]
    assert sum(row.principal for row in home["installments"]) == D(3500000)  # type: ignore[attr-defined]


def test_a_bulk_first_tranche_is_the_loan_s_payout_and_schedule(
    db_url: str, engine: Engine
) -> None:
    sessions = _products(db_url, engine)
    with UnitOfWork(sessions) as uow:
        onboard_bulk(uow, product_code="HLF", branch_code="PUN01", book=_bulk("B", LOANS))
        onboard_bulk(uow, product_code="HLV", branch_code="PUN01", book=_bulk("V", LOANS[:1]))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        loans = uow.session.execute(
            select(Loan.principal, Loan.first_tranche, Loan.terms["principal"].as_string())
            .where(Loan.external_id.in_(("B-0", "B-3")))
            .order_by(Loan.external_id)
        ).all()
        fix = _everything(uow, "B-0")
        collected = _everything(uow, "V-0")
        whole = _everything(uow, "B-3")
    # sanctioned 50,00,000 on the row and in its terms, 20,00,000 paid out and scheduled; a
    # "tranche" of the whole amount pays the loan out in full
    assert [tuple(loan) for loan in loans] == [
        (D(5000000), D(2000000), "5000000.00"),
        (D(2600000), None, "2600000"),
    ]
    assert [(e[0], e[2]) for e in fix["events"]] == [("disbursement", D(2000000))]  # type: ignore[index]
    rows = fix["installments"]
    assert isinstance(rows, list) and len(rows) == 240
    assert sum(row.principal for row in rows) == D(2000000)
    assert sum(row.principal for row in whole["installments"]) == D(2600000)  # type: ignore[attr-defined]
    # 0.4 % of the first tranche 8,000 + GST 1,440, stamp 5,000, BPI of 13 Jan - 5 Feb kept back
    bpi = (D(2000000) * D("8.5") * 23 / 36500).quantize(D("0.01"), ROUND_HALF_UP)  # 10,712.33
    assert _lines(fix) == [
        ("loan_principal", D(2000000), D(0)),
        ("disbursement_bank", D(0), D(2000000) - D(8000) - D(1440) - D(5000) - bpi),
        ("fee_income", D(0), D(8000)),
        ("third_party_payable", D(0), D(5000)),
        ("tax_payable", D(0), D(1440)),
        ("interest_income", D(0), bpi),
    ]
    # the whole first tranche paid out, 0.5 % of it and its GST owed by the borrower
    assert _lines(collected) == [
        ("loan_principal", D(2000000), D(0)),
        ("fee_receivable", D(11800), D(0)),
        ("disbursement_bank", D(0), D(2000000)),
        ("fee_income", D(0), D(10000)),
        ("tax_payable", D(0), D(1800)),
    ]
    sound(sessions)


def _lines(booked: dict[str, object]) -> list[tuple[object, ...]]:
    journal = booked["journal"]
    assert isinstance(journal, list) and len(journal) == 1
    *entry, lines = journal[0]
    assert entry[0] == "disbursement" and entry[4:] == ["disbursement", "disbursement", True]
    return [tuple(line) for line in lines]


OUTSIDE = "a first tranche must be above 0 and below 5000000.00"


FEES = "upfront fees and their tax must be less than the principal"


@pytest.mark.parametrize(
    ("tranche", "field", "named", "reason"),  # single's field, bulk's (loans[1].<named>)
    [
        (D(6000000), "amount", "first_tranche", OUTSIDE),
        (D(0), "amount", "first_tranche", OUTSIDE),
        (D(-1), "amount", "first_tranche", OUTSIDE),
        # refused in the terms the schedule starts from: the first tranche's
        (
            D("2000000.005"),
            "principal",
            "first_tranche",
            "must be a multiple of the precision 0.01",
        ),
        (D(5000), "fees", "fees", FEES),  # 0.4 % and GST, and the stamp's 5,000
    ],
)
def test_a_first_tranche_single_disbursement_refuses_is_refused_in_bulk(
    db_url: str, engine: Engine, tranche: D, field: str, named: str, reason: str
) -> None:
    sessions = _products(db_url, engine)
    sanctioned, rate, day, count, _ = LOANS[0]
    with UnitOfWork(sessions) as uow:  # rolled back
        request = LoanRequest("S", "PUN01", 1, "HLF", sanctioned, rate, count, day)
        loan = onboard_loan(uow, request=request)
        with pytest.raises(InvalidError) as single:
            disburse_loan(uow, loan_id=loan.id, posting_date=MIGRATED, amount=tranche)
    assert single.value.problems == [(field, reason)]
    book = _bulk("R", [LOANS[1], (sanctioned, rate, day, count, tranche), LOANS[2]])
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as bulk:
            onboard_bulk(uow, product_code="HLF", branch_code="PUN01", book=book)
        assert bulk.value.problems == [(f"loans[1].{named}", f"{reason} (application R-1)")]
    with UnitOfWork(sessions) as uow:
        for table in (Loan, LoanEvent, LoanInstallment, JournalEntryRow):
            assert uow.session.scalar(select(func.count()).select_from(table)) == 0
