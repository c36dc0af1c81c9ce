"""A book migrated from another system: a loan migrated mid-life with its payments equals the
same loan booked and paid here through the services on the real days; a dry run reports every
rejected row and writes nothing; the command reads CSV files and an XLSX workbook.

The loans: 1,00,000 at 12 % for 12 months paid out on 26 Sep 2026 (EMI 8,884.88 on the 26th).
Paid 8,884.88 on 26 Oct and 5,000.00 on 26 Nov: 3,884.88 of November's EMI in arrears. The
reference loan PL-1 lives through every day's close from 27 Sep; MIG-1 is migrated on 1 Dec
with the same two payments; then both go through the close of 1 Dec.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from book_setup import book_of_loans
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.ledger.check import account_balances
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.migration import migrate
from lms.servicing.models import Loan, LoanInstallment
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import loan_state

DEC1 = date(2026, 12, 1)
LOAN = {"external_id": "MIG-1", "branch": "PUN01", "name": "Meena Iyer", "phone": "9876500001",
        "pan": "ABCPI1234K", "address": "4, Temple Road, Camp, Pune", "pin": "411001",
        "state": "27", "gender": "F", "product": "PL", "principal": "100000",
        "annual_rate": "12", "installments": "12", "disbursement_date": "2026-09-26"}  # fmt: skip
PAYMENTS = [{"external_id": "MIG-1", "date": "2026-11-26", "amount": "5000.00", "reference": "OLD-2"},
            {"external_id": "MIG-1", "date": "2026-10-26", "amount": "8884.88", "reference": "OLD-1"}]  # fmt: skip


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, [{"name": "Asha"}], business_date=date(2026, 9, 27))
    for day, amount in ((date(2026, 10, 26), "8884.88"), (date(2026, 11, 26), "5000.00")):
        close_until(sessions, day.replace(day=25), size=10)
        with UnitOfWork(sessions) as uow:
            request = PaymentRequest(D(amount), day, f"UTR-{day:%m}", "upi")
            record_payment(uow, loan_id=1, request=request, posting_date=day)
            uow.commit()
    close_until(sessions, date(2026, 11, 30), size=10)
    return sessions


def _picture(uow: UnitOfWork, loan_id: int, day: date) -> tuple[object, ...]:
    state = loan_state(uow, loan_id=loan_id, as_of=day)
    stored = uow.session.execute(
        select(LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest,
               LoanInstallment.principal_paid, LoanInstallment.interest_paid)
        .where(LoanInstallment.loan_id == loan_id).order_by(LoanInstallment.number)
    ).all()  # fmt: skip
    loan = uow.session.get(Loan, loan_id)
    assert loan is not None
    ledger = {a: v for a, v in account_balances(uow.session, str(loan_id)).items() if v}
    return (state.installments, state.excess, state.principal_due, state.interest_due, state.dpd,
            [tuple(r) for r in stored], loan.oldest_unpaid_due, loan.dpd, loan.asset_class,
            ledger)  # fmt: skip


def test_a_loan_migrated_mid_life_equals_the_loan_served_here(book: sessionmaker[Session]) -> None:
    with UnitOfWork(book) as uow:
        done = migrate(uow, [LOAN], PAYMENTS, today=DEC1, dry_run=False)
        uow.commit()
    assert (done.booked, done.payments, done.rejected) == (["MIG-1"], 2, [])
    close_until(book, DEC1, size=10)
    with UnitOfWork(book) as uow:
        reference, migrated = _picture(uow, 1, DEC1), _picture(uow, 2, DEC1)
        state = loan_state(uow, loan_id=2, as_of=DEC1)
    # the same schedule, payments, arrears, DPD, class and books, but for November's month-end
    # accrual (26-30 Nov), which the reference loan's November close posted and the migrated
    # loan, arriving after November was closed, gets in December's
    assert migrated[:9] == reference[:9]
    assert {**reference[9], "interest_accrued": D(0), "interest_income": D("-1921.15")} == {  # type: ignore[dict-item]
        **migrated[9],
        "interest_accrued": D(0),
    }  # type: ignore[dict-item]
    # by hand: November's EMI of 8,884.88 short by 3,884.88, overdue since 26 Nov (DPD 6 at
    # the day-end of 1 Dec, the due date's own day-end counting as the first)
    assert state.principal_due + state.interest_due == D("3884.88") and state.dpd == 6
    close_until(book, date(2026, 12, 31), size=10)  # December's month end: the same books
    with UnitOfWork(book) as uow:
        assert _picture(uow, 2, date(2026, 12, 31)) == _picture(uow, 1, date(2026, 12, 31))


def test_a_dry_run_reports_every_rejected_row_and_writes_nothing(
    book: sessionmaker[Session],
) -> None:
    rows = [
        {**LOAN, "external_id": "PL-1"},  # in the book already
        {**LOAN, "external_id": "MIG-2", "principal": "12x", "name": ""},
        {**LOAN, "external_id": "MIG-3", "product": "ZZ"},
        {**LOAN, "external_id": "MIG-4", "disbursement_date": "2026-02-30"},
        {**LOAN, "external_id": "MIG-5"},
    ]
    payments = [*PAYMENTS, {"external_id": "MIG-5", "date": "someday", "amount": "1"}]
    with UnitOfWork(book) as uow:
        before = uow.session.scalar(select(func.count()).select_from(Loan))
        done = migrate(uow, rows, payments, today=DEC1, dry_run=True)
        uow.commit()
        after = uow.session.scalar(select(func.count()).select_from(Loan))
        with pytest.raises(InvalidError, match="missing columns: external_id"):
            migrate(uow, [{"name": "x"}], [], today=DEC1, dry_run=True)
    assert before == after == 1
    assert done.booked == ["MIG-5"] and done.dry_run
    assert [(r.line, r.external_id, r.field, r.reason) for r in done.rejected] == [
        (4, "MIG-5", "payments", "needs a date (YYYY-MM-DD), an amount and the loan"),
        (2, "PL-1", "external_id", "already in the book"),
        (3, "MIG-2", "name", "required"),
        (3, "MIG-2", "principal", "a number"),
        (4, "MIG-3", "loan", "no product 'ZZ'"),
        (5, "MIG-4", "disbursement_date", "a date, YYYY-MM-DD"),
        # MIG-1's payments (sorted by day: 26 Oct on line 3 first) have no loan in this file
        (3, "MIG-1", "payments", "no loan of this file has this external_id"),
        (2, "MIG-1", "payments", "no loan of this file has this external_id"),
    ]


def test_the_command_reads_csv_and_xlsx(
    book: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    workbook = Workbook()
    loans = workbook.active
    assert loans is not None
    loans.title = "loans"
    loans.append(list(LOAN))
    loans.append(list(LOAN.values()))
    loans.append(["MIG-2", *list(LOAN.values())[1:-1], "not a date"])
    payments = workbook.create_sheet("payments")
    payments.append(list(PAYMENTS[0]))
    for row in PAYMENTS:
        payments.append(list(row.values()))
    workbook.save(tmp_path / "book.xlsx")
    runner = CliRunner()
    base = ["migrate", str(tmp_path / "book.xlsx"), "--database-url", db_url]
    dry = runner.invoke(app, [*base, "--dry-run", "--report", str(tmp_path / "rejected.csv")])
    assert dry.exit_code == 1, dry.output
    assert "would book 1 loans with 2 payments; 1 rows rejected" in dry.output
    assert (tmp_path / "rejected.csv").read_text().splitlines() == [
        "line,external_id,field,reason", "3,MIG-2,disbursement_date,\"a date, YYYY-MM-DD\"",
    ]  # fmt: skip
    (tmp_path / "loans.csv").write_text(
        ",".join(LOAN) + "\n" + ",".join(f'"{v}"' for v in LOAN.values()) + "\n"
    )
    (tmp_path / "payments.csv").write_text(
        "external_id,date,amount,reference\nMIG-1,2026-10-26,8884.88,OLD-1\n"
    )
    done = runner.invoke(app, ["migrate", str(tmp_path / "loans.csv"), "--payments",
                               str(tmp_path / "payments.csv"), "--database-url", db_url])  # fmt: skip
    assert done.exit_code == 0 and "booked 1 loans with 1 payments; 0 rows rejected" in done.output
    assert (
        runner.invoke(
            app, ["migrate", str(tmp_path / "nothing.csv"), "--database-url", db_url]
        ).exit_code
        == 2
    )


def test_a_loan_refused_while_booked_leaves_no_customer_and_no_audit_record(
    book: sessionmaker[Session],
) -> None:
    from lms.platform.audit import AuditRecord
    from lms.servicing.models import Customer

    def counts(uow: UnitOfWork) -> tuple[int, int]:
        return (uow.session.scalar(select(func.count()).select_from(Customer)) or 0,
                uow.session.scalar(select(func.count()).select_from(AuditRecord)) or 0)  # fmt: skip

    with UnitOfWork(book) as uow:
        before = counts(uow)
        done = migrate(uow, [{**LOAN, "product": "ZZ"}], [], today=DEC1, dry_run=False)
        uow.commit()
        assert [r.field for r in done.rejected] == ["loan"] and counts(uow) == before
