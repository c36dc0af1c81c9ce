"""Bulk onboarding on every configured database: what onboard + disburse would write, at once.

The proof: the same loans of fixed and floating products, with fees deducted or collected
apart, BPI deducted, an advance EMI kept back, in and out of the vectorised lane, booked once through `onboard_loan` +
`disburse_loan` and once through `onboard_bulk`, write equal loan rows (the APR apart), events,
installments and journal lines, loan for loan; and the regressions the drift caused: spreads,
product ranges, collected fees.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from api_client import api_client
from book_setup import open_book, sound
from sqlalchemy import Engine, String, cast, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.core.validation import ScheduleError
from lms.ledger.check import account_balances, ledger_problems
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.bulk import LoanColumns
from lms.servicing.bulk_onboarding import BulkBook, onboard_bulk
from lms.servicing.catalog import ProductRules, create_product
from lms.servicing.models import BenchmarkRate, Loan, LoanEvent, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.rates import publish_benchmark
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan, loan_state

SETTINGS = {
    "due_day": 5,
    "bpi": "deduct",
    "fees": [{"name": "processing", "percent": "1.5", "tax": "18"}],
}


def _book(count: int, *, principal: D = D("250000.00")) -> BulkBook:
    return BulkBook(
        external_ids=[f"MIG-{k}" for k in range(count)],
        customer_ids=[1] * count,
        loans=LoanColumns(
            principal=[principal + k for k in range(count)],
            annual_rate=[D("11.5")] * count,
            disbursement_date=[date(2026, 1, 10 + k % 15) for k in range(count)],
            installments=[36] * count,
        ),
    )


def _open(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return open_book(
        db_url,
        engine,
        branch=("MUM01", "Mumbai"),
        customers=({"name": "Nikhil Joshi"},),
        code="TW",
        name="TW",
        settings=SETTINGS,
        rate=(D(1), D(30)),
        tenure=(6, 60),
    )


def test_a_bulk_book_equals_loans_booked_one_by_one(db_url: str, engine: Engine) -> None:
    sessions = _open(db_url, engine)
    with UnitOfWork(sessions) as uow:
        loan = onboard_loan(
            uow,
            request=LoanRequest(
                "ONE", "MUM01", 1, "TW", D("250003.00"), D("11.5"), 36, date(2026, 1, 13)
            ),
        )
        disburse_loan(uow, loan_id=loan.id, posting_date=date(2026, 1, 13))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=_book(20)) == 20
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        one = uow.session.scalar(select(Loan).where(Loan.external_id == "ONE"))
        twin = uow.session.scalar(select(Loan).where(Loan.external_id == "MIG-3"))  # same terms
        assert one is not None and twin is not None
        assert (twin.emi, twin.net_disbursed, twin.terms) == (one.emi, one.net_disbursed, one.terms)
        assert account_balances(uow.session, str(twin.id)) == account_balances(
            uow.session, str(one.id)
        )
        rows = uow.session.scalar(select(func.count()).select_from(LoanInstallment))
        assert rows == 21 * 36
        # an imported loan takes payments like any other
        request = PaymentRequest(twin.emi, date(2026, 3, 5), "NACH-1", "nach")
        record_payment(uow, loan_id=twin.id, request=request, posting_date=date(2026, 3, 5))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert loan_ledger_problems(uow) == []
        assert loan_state(uow, loan_id=twin.id, as_of=date(2026, 3, 5)).dpd == 0


def test_a_refused_loan_is_named_and_nothing_is_written(db_url: str, engine: Engine) -> None:
    sessions = _open(db_url, engine)
    book = _book(3)
    bad = BulkBook(
        book.external_ids,
        book.customer_ids,
        LoanColumns(
            principal=[D(100000), D("10.001"), D(100000)],
            annual_rate=book.loans.annual_rate,
            disbursement_date=book.loans.disbursement_date,
            installments=book.loans.installments,
        ),
    )
    with UnitOfWork(sessions) as uow, pytest.raises(ScheduleError, match=r"loans\[1\]\.principal"):
        onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=bad)
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Loan)) == 0


# --- the same loans through onboard_loan + disburse_loan and through onboard_bulk -------------

REPO_DEC, REPO_FEB = date(2025, 12, 1), date(2026, 2, 1)  # REPO 6.50, then 6.25
APR10, APR20 = date(2026, 4, 10), date(2026, 4, 20)
MIGRATED = date(2026, 3, 2)  # the business date the loans are booked on
PRODUCTS: dict[str, tuple[dict[str, object], ProductRules]] = {
    # fixed, BPI deducted, a lender fee with GST and a third party's fixed fee, deducted
    "FIX": (
        {
            "due_day": 5,
            "bpi": "deduct",
            "fees": [
                {"name": "processing", "percent": "1.5", "tax": "18"},
                {"name": "stamp", "amount": "300", "payee": "third_party"},
            ],
        },
        ProductRules(),
    ),
    # fixed, fees collected from the borrower apart; the KFS net amount leaves the tax out
    "COL": (
        {
            "due_day": 10,
            "fees": [{"name": "processing", "percent": "2", "tax": "18"}],
            "apr_includes_tax": False,
        },
        ProductRules(fee_collection="collect"),
    ),
    # floating on REPO, BPI deducted, a fixed fee with GST deducted
    "FLT": (
        {"bpi": "deduct", "fees": [{"name": "processing", "amount": "5000", "tax": "18"}]},
        ProductRules(rate_type="floating", benchmark="REPO", reschedule="reduce_emi"),
    ),
    # a vehicle loan with an advance EMI kept back from the payout (outside the lane)
    "ADV": (
        {"advance_emis": 1, "fees": [{"name": "processing", "percent": "1", "tax": "18"}]},
        ProductRules(),
    ),
    # equal principal parts: outside the vectorised lane, through the core one loan at a time
    "EQP": (
        {"method": "equal_principal", "due_day": 1, "bpi": "deduct", "fees": [{"percent": "1"}]},
        ProductRules(),
    ),
}
# (principal, rate, disbursement date, installments)
LOANS = [
    (D("250000.00"), D("9.00"), date(2026, 1, 13), 36),
    (D("80000"), D("14.25"), date(2026, 1, 28), 12),
    (D("500000.50"), D("9.75"), date(2026, 2, 3), 24),
    (D("123456.78"), D("18"), date(2026, 2, 20), 6),
]


def _products(db_url: str, engine: Engine) -> sessionmaker[Session]:
    ranges = ((D(50000), D(10**6)), (D(8), D(24)), (6, 60))
    return book_with_products(db_url, engine, "Asha Rao", PRODUCTS, ranges)


def book_with_products(
    db_url: str,
    engine: Engine,
    customer: str,
    products: dict[str, tuple[dict[str, object], ProductRules]],
    ranges: tuple[tuple[D, D], tuple[D, D], tuple[int, int]],
) -> sessionmaker[Session]:
    """A book of one customer, the `products` (settings, rules) with the same amount, rate and
    tenure ranges, and the repo rate published in December and moved in February."""
    sessions = open_book(db_url, engine, customers=({"name": customer},))
    amount, rate, tenure = ranges
    with UnitOfWork(sessions) as uow:
        for code, (settings, rules) in products.items():
            create_product(
                uow, code=code, name=code, settings=settings, amount=amount, rate=rate,
                tenure=tenure, rules=rules,
            )  # fmt: skip
        for day, repo in ((REPO_DEC, D("6.50")), (REPO_FEB, D("6.25"))):
            created = datetime(2025, 12, 1, tzinfo=UTC)
            uow.session.add(
                BenchmarkRate(benchmark="REPO", effective_from=day, rate=repo, created_at=created)
            )
        uow.commit()
    return sessions


def _bulk(prefix: str, loans: list[tuple[D, D, date, int]]) -> BulkBook:
    return BulkBook(
        external_ids=[f"{prefix}-{k}" for k in range(len(loans))],
        customer_ids=[1] * len(loans),
        loans=LoanColumns(*(list(column) for column in zip(*loans, strict=True))),
    )


def _booked_both_ways(sessions: sessionmaker[Session]) -> None:
    for code in PRODUCTS:
        with UnitOfWork(sessions) as uow:
            for k, (principal, rate, day, count) in enumerate(LOANS):
                request = LoanRequest(
                    f"S-{code}-{k}", "PUN01", 1, code, principal, rate, count, day
                )
                loan = onboard_loan(uow, request=request)
                disburse_loan(uow, loan_id=loan.id, posting_date=MIGRATED)
            book = _bulk(f"B-{code}", LOANS)
            onboard_bulk(
                uow, product_code=code, branch_code="PUN01", book=book, posting_date=MIGRATED
            )
            uow.commit()


_SKIP = {"id", "external_id", "created_at", "apr"}


def _everything(uow: UnitOfWork, external_id: str) -> dict[str, object]:
    """What a loan's booking wrote, without ids and time stamps: its row, its events, its
    installments and its journal entries with their lines."""
    session = uow.session
    loan = session.scalars(select(Loan).where(Loan.external_id == external_id)).one()
    row = {c.key: getattr(loan, c.key) for c in Loan.__mapper__.column_attrs if c.key not in _SKIP}
    events = session.execute(
        select(
            LoanEvent.kind,
            LoanEvent.value_date,
            LoanEvent.amount,
            LoanEvent.tax,
            LoanEvent.reference,
            LoanEvent.channel,
            LoanEvent.rate,
        )
        .where(LoanEvent.loan_id == loan.id)
        .order_by(LoanEvent.id)
    ).all()
    rows = session.execute(
        select(
            LoanInstallment.number,
            LoanInstallment.due_date,
            LoanInstallment.principal,
            LoanInstallment.interest,
            LoanInstallment.principal_paid,
            LoanInstallment.interest_paid,
        )
        .where(LoanInstallment.loan_id == loan.id)
        .order_by(LoanInstallment.number)
    ).all()
    entries = session.execute(
        select(
            JournalEntryRow.id,
            JournalEntryRow.event,
            JournalEntryRow.value_date,
            JournalEntryRow.posting_date,
            JournalEntryRow.reverses_id,
            JournalEntryRow.source,
            LoanEvent.kind,  # of the event the entry posts
            JournalEntryRow.cause_event_id == JournalEntryRow.event_id,
        )
        .outerjoin(LoanEvent, LoanEvent.id == JournalEntryRow.event_id)
        .where(JournalEntryRow.loan_id == str(loan.id))
        .order_by(JournalEntryRow.id)
    ).all()
    journal = [
        (
            *entry[1:],
            session.execute(
                select(JournalLineRow.account, JournalLineRow.debit, JournalLineRow.credit)
                .where(JournalLineRow.entry_id == entry.id)
                .order_by(JournalLineRow.id)
            ).all(),
        )
        for entry in entries
    ]
    return {"loan": row, "events": events, "installments": rows, "journal": journal}


def test_bulk_onboarding_writes_what_single_onboarding_and_disbursement_write(
    db_url: str, engine: Engine
) -> None:
    sessions = _products(db_url, engine)
    _booked_both_ways(sessions)
    sound(sessions)  # lms ledger check: entries, trial balance, each loan's ledger = its state
    with UnitOfWork(sessions) as uow:
        for code in PRODUCTS:
            for k in range(len(LOANS)):
                single = _everything(uow, f"S-{code}-{k}")
                bulk = _everything(uow, f"B-{code}-{k}")
                assert bulk == single, f"{code} loan {k}"
        loans = {
            row.external_id: row
            for row in uow.session.execute(
                select(
                    Loan.external_id, Loan.apr, Loan.spread, Loan.interest_from, Loan.net_disbursed
                )
            )
        }
    # the APR is the origination system's figure, not recomputed in bulk
    assert all(loans[f"B-{c}-{k}"].apr is None for c in PRODUCTS for k in range(len(LOANS)))
    assert all(loans[f"S-{c}-{k}"].apr is not None for c in PRODUCTS for k in range(len(LOANS)))
    with UnitOfWork(sessions) as uow:  # the bulk book's entries come from a migration
        origins = uow.session.execute(
            select(Loan.external_id.startswith("B-"), JournalEntryRow.origin)
            .join(JournalEntryRow, JournalEntryRow.loan_id == cast(Loan.id, String))
            .distinct()
        ).all()
    assert sorted(origins) == [(False, "api"), (True, "migration")]
    # spreads over REPO on each disbursement date: 6.50 in January, 6.25 from 1 Feb
    spreads = [loans[f"B-FLT-{k}"].spread for k in range(len(LOANS))]
    assert spreads == [D("2.50"), D("7.75"), D("3.50"), D("11.75")]
    assert [loans[f"B-FIX-{k}"].spread for k in range(len(LOANS))] == [None] * 4
    # FIX loan 0: 1.5 % fee 3,750 + GST 675, stamp 300, BPI of 13 Jan - 5 Feb kept back
    fix = _everything_lines(sessions, "B-FIX-0")
    bpi = (D(250000) * 9 * 23 / 36500).quantize(D("0.01"), ROUND_HALF_UP)  # 1,417.81
    assert fix == [
        ("loan_principal", D(250000), D(0)),
        ("disbursement_bank", D(0), D(250000) - D(3750) - D(675) - D(300) - bpi),
        ("fee_income", D(0), D(3750)),
        ("third_party_payable", D(0), D(300)),
        ("tax_payable", D(0), D(675)),
        ("interest_income", D(0), bpi),
    ]
    assert (loans["B-FIX-0"].interest_from, loans["B-FIX-0"].net_disbursed) == (
        date(2026, 2, 5),
        D(250000) - D(3750) - D(675) - D(300) - bpi,
    )
    # COL loan 0: the whole principal paid out, the 2 % fee and its GST owed by the borrower
    assert _everything_lines(sessions, "B-COL-0") == [
        ("loan_principal", D(250000), D(0)),
        ("fee_receivable", D(5900), D(0)),
        ("disbursement_bank", D(0), D(250000)),
        ("fee_income", D(0), D(5000)),
        ("tax_payable", D(0), D(900)),
    ]
    assert loans["B-COL-0"].net_disbursed == D(245000)  # the KFS figure leaves the tax out


def _everything_lines(sessions: sessionmaker[Session], external_id: str) -> list[object]:
    """The lines of the loan's one journal entry: the disbursement's, posting its event."""
    with UnitOfWork(sessions) as uow:
        journal = _everything(uow, external_id)["journal"]
        day = uow.session.scalar(select(Loan.disbursed_on).where(Loan.external_id == external_id))
    assert isinstance(journal, list) and len(journal) == 1
    *entry, lines = journal[0]
    assert entry == ["disbursement", day, MIGRATED, None, "disbursement", "disbursement", True]
    return [tuple(line) for line in lines]


def test_a_bulk_floating_loan_is_repriced_at_the_benchmark_plus_its_spread(
    db_url: str, engine: Engine
) -> None:
    sessions = _products(db_url, engine)
    with UnitOfWork(sessions) as uow:
        onboard_bulk(uow, product_code="FLT", branch_code="PUN01", book=_bulk("B", LOANS[:3]))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        moved = publish_benchmark(
            uow, benchmark="REPO", effective_from=APR10, rate=D("6.75"), posting_date=APR20
        )
        uow.commit()
    assert len(moved.changed) == 3 and moved.skipped == []
    with UnitOfWork(sessions) as uow:
        rates = [
            loan_state(uow, loan_id=loan_id, as_of=APR20).annual_rate for loan_id in moved.changed
        ]
    # 6.75 + the spreads 2.50 (9.00 over 6.50), 7.75 (14.25 over 6.50), 3.50 (9.75 over 6.25)
    assert rates == [D("9.25"), D("14.50"), D("10.25")]
    sound(sessions)


def test_a_bulk_loan_outside_its_product_s_ranges_is_refused_and_nothing_written(
    db_url: str, engine: Engine
) -> None:
    sessions = _products(db_url, engine)
    low = [LOANS[0], (D(20000), D(12), date(2026, 1, 20), 12), LOANS[2]]
    slow = [LOANS[0], LOANS[1], (D(100000), D(30), date(2026, 1, 20), 72)]
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as refused:
            onboard_bulk(uow, product_code="FIX", branch_code="PUN01", book=_bulk("R", low))
        [(field, reason)] = refused.value.problems  # amounts as the database keeps them
        assert field == "loans[1].principal"
        assert re.fullmatch(r"must be 50000\.0+ to 1000000\.0+ for FIX \(application R-1\)", reason)
        with pytest.raises(InvalidError) as refused:
            onboard_bulk(uow, product_code="FIX", branch_code="PUN01", book=_bulk("R", slow))
        assert refused.value.problems == [
            ("loans[2].annual_rate", "must be 8 to 24 for FIX (application R-2)"),
            ("loans[2].installments", "must be 6 to 60 for FIX (application R-2)"),
        ]
        early = [(D(100000), D(9), date(2025, 11, 30), 12)]  # before REPO's first publication
        with pytest.raises(InvalidError) as refused:
            onboard_bulk(uow, product_code="FLT", branch_code="PUN01", book=_bulk("E", early))
        assert refused.value.problems == [
            ("loans[0].annual_rate", "REPO has no rate published by 2025-11-30 (application E-0)")
        ]
    with UnitOfWork(sessions) as uow:
        for table in (Loan, LoanEvent, LoanInstallment, JournalEntryRow):
            assert uow.session.scalar(select(func.count()).select_from(table)) == 0


def test_a_bulk_loan_of_a_collecting_product_owes_its_fees(db_url: str, engine: Engine) -> None:
    sessions = _products(db_url, engine)
    with UnitOfWork(sessions) as uow:
        onboard_bulk(uow, product_code="COL", branch_code="PUN01", book=_bulk("C", LOANS[:1]))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        loan = uow.session.scalars(select(Loan)).one()
        state = loan_state(uow, loan_id=loan.id, as_of=date(2026, 1, 13))
        assert state.charges_due == D(5900)  # 2 % of 2,50,000 and 18 % GST on it
        # the borrower's first payment goes to the fees first
        request = PaymentRequest(D(5900), date(2026, 1, 20), "FEES-1", "upi")
        record_payment(uow, loan_id=loan.id, request=request, posting_date=date(2026, 1, 20))
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert loan_state(uow, loan_id=loan.id, as_of=date(2026, 1, 20)).charges_due == 0
    sound(sessions)


def test_the_api_shows_a_bulk_loan_the_apr_of_its_terms(db_url: str, engine: Engine) -> None:
    """A loan booked one by one stores its APR; its twin booked in bulk stores none (the
    origination system's KFS has it) and the API shows the APR of its terms: the same."""
    sessions = _open(db_url, engine)
    with UnitOfWork(sessions) as uow:
        request = LoanRequest(
            "ONE", "MUM01", 1, "TW", D("250003.00"), D("11.5"), 36, date(2026, 1, 13)
        )
        onboard_loan(uow, request=request)
        onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=_book(4))
        uow.commit()
        one = uow.session.scalar(select(Loan).where(Loan.external_id == "ONE"))
        twin = uow.session.scalar(select(Loan).where(Loan.external_id == "MIG-3"))
        assert one is not None and twin is not None and twin.apr is None
        ids = (one.id, twin.id)
    with api_client(db_url) as client:
        shown = [client.get(f"/api/v1/loans/{k}").json()["loan"]["apr"] for k in ids]
    assert shown[0] == shown[1] and shown[0] is not None


def test_a_product_with_a_principal_grace_is_booked_in_bulk(db_url: str, engine: Engine) -> None:
    """Three months of interest only, then EMIs: the bulk path takes the product (its
    template once had one installment, which no grace leaves room for)."""
    sessions = open_book(
        db_url, engine, branch=("MUM01", "Mumbai"), customers=({"name": "Nikhil Joshi"},),
        code="TW", name="TW", settings={"grace_principal": 3}, rate=(D(1), D(30)),
        tenure=(6, 60),
    )  # fmt: skip
    with UnitOfWork(sessions) as uow:
        assert onboard_bulk(uow, product_code="TW", branch_code="MUM01", book=_book(2)) == 2
        uow.commit()
        principal = uow.session.scalars(
            select(LoanInstallment.principal)
            .where(LoanInstallment.loan_id == 1)
            .order_by(LoanInstallment.number)
        ).all()
    assert principal[:3] == [D(0), D(0), D(0)] and all(p > 0 for p in principal[3:])
    assert len(principal) == 36
