"""The credit bureau data file of a small book, read back by an independent checker
(tudf_checker) field by field, with every figure worked by hand.

The book: four loans of 1,00,000 at 12 % for 12 months from 26 Sep 2026 (EMI 8,884.88 on the
26th; by hand on the reducing balance at 1 % a month: interest October 1,000.00, November
921.15; principal 7,884.88 and 7,963.73, leaving 84,151.39 after November).
- loan 1, Asha with Arjun as co-borrower: pays both EMIs on the day. As of 30 Nov: balance
  84,151.39 (84,151 in whole rupees), nothing overdue, last paid 26 Nov; two records, both
  joint.
- loan 2, Ravi: pays nothing. Overdue since 26 Oct: at the day-end of 30 Nov 36 days past due
  (the due date's own day-end counts as the first, as the RBI counts), overdue
  2 x 8,884.88 = 17,769.76 (17,770), balance 1,00,000 + 1,921.15 = 1,01,921.15 (1,01,921),
  special mention; his intimation is queued once.
- loan 3, Meena: no address on file: left out, with the reason.
- loan 4, Kavya: pays nothing, written off (technical) on 28 Nov: reported as written off with
  the same balance and overdue as Ravi's, the write-off's amount and its principal 1,00,000.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import pytest
from book_setup import book_of_loans
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from tudf_checker import read
from typer.testing import CliRunner

from lms.bureau.models import BureauCorrection, BureauIntimation, BureauReport
from lms.bureau.service import (
    bureau_file,
    mark_corrected,
    member_files,
    open_corrections,
    read_rejections,
    reporting_status,
)
from lms.bureau.tudf import Member
from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.notices.models import Notice
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.catalog import ProductRules, create_customer
from lms.servicing.models import LoanEvent, LoanParty
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.write_offs import write_off

HOME = {"kind": "current", "text": "12, MG Road, Camp, Pune", "pin": "411001", "state": "27"}
PEOPLE = [
    {"name": "Asha Patil", "gender": "F", "date_of_birth": date(1990, 4, 12),
     "pan": "ABCPP1234K", "phone": "9876543210", "email": "asha@example.in",
     "addresses": [HOME]},
    {"name": "Ravi Kumar", "gender": "M", "phone": "9812345678", "addresses": [HOME]},
    {"name": "Meena Iyer", "gender": "F", "pan": "ABCPI1234K"},
    {"name": "Kavya Nair", "gender": "F", "pan": "ABCPN1234K", "addresses": [HOME]},
    {"name": "Arjun Das", "gender": "M", "pan": "ABCPD1234K", "addresses": [HOME]},
]  # fmt: skip
MEMBER = Member("NB12340001", "Test Lender")
NOV30 = date(2026, 11, 30)


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, PEOPLE[:4], business_date=date(2026, 10, 20),
                             rules=ProductRules(bureau_type="05"))  # fmt: skip
    with UnitOfWork(sessions) as uow:
        arjun = create_customer(uow, branch_code="PUN01", **PEOPLE[4])  # type: ignore[arg-type]
        uow.session.add(LoanParty(loan_id=1, customer_id=arjun.id, role="co_borrower"))
        uow.commit()
    for day in (date(2026, 10, 26), date(2026, 11, 26)):
        close_until(sessions, day.replace(day=25), size=10)
        with UnitOfWork(sessions) as uow:
            request = PaymentRequest(D("8884.88"), day, f"UTR-{day:%m}", "upi")
            record_payment(uow, loan_id=1, request=request, posting_date=day)
            uow.commit()
    close_until(sessions, date(2026, 11, 27), size=10)
    with UnitOfWork(sessions) as uow:
        write_off(uow, loan_id=4, kind="technical", reason="loss_asset",
                  posting_date=date(2026, 11, 28))  # fmt: skip
        uow.commit()
    close_until(sessions, NOV30, size=10)
    return sessions


def test_the_file_reads_back_field_by_field_with_the_figures_worked_by_hand(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        made = bureau_file(uow, as_of=NOV30, bureau="CIBIL", member=MEMBER, actor="tester")
        written_off = uow.session.scalar(
            select(LoanEvent.amount).where(LoanEvent.loan_id == 4, LoanEvent.kind == "write_off")
        )
        uow.commit()
    header, records = read(made.text)
    assert (header["member"], header["short_name"], header["reported"]) == (
        "NB12340001", "Test Lender", "30112026",
    )  # fmt: skip
    assert [r["TL"][0]["03"] for r in records] == ["PL-1", "PL-1", "PL-2", "PL-4"]
    asha, arjun, ravi, kavya = records
    assert asha["PN"] == [{"01": "ASHA PATIL", "07": "12041990", "08": "1"}]
    assert asha["ID"] == [{"01": "01", "02": "ABCPP1234K"}]
    assert asha["PT"] == [{"01": "9876543210", "03": "01"}]
    assert asha["EC"] == [{"01": "asha@example.in"}]
    assert asha["PA"] == [{"01": "12, MG Road, Camp, Pune", "06": "27", "07": "411001",
                           "08": "02"}]  # fmt: skip
    common = {"01": "NB12340001", "02": "Test Lender", "04": "05", "08": "26092026",
              "11": "30112026", "12": "100000", "38": "12.00", "39": "12", "40": "8885",
              "44": "03"}  # fmt: skip
    assert asha["TL"] == [{**common, "03": "PL-1", "05": "4", "09": "26112026",
                           "13": "84151", "15": "000", "26": "01"}]  # fmt: skip
    assert arjun["PN"] == [{"01": "ARJUN DAS", "08": "2"}] and arjun["TL"] == asha["TL"]
    assert "ID" not in ravi and ravi["PT"] == [{"01": "9812345678", "03": "01"}]
    assert ravi["TL"] == [{**common, "03": "PL-2", "05": "1", "13": "101921", "14": "17770",
                           "15": "036", "26": "05"}]  # fmt: skip
    assert written_off is not None and written_off >= D("101921.15")
    assert kavya["TL"] == [{**common, "03": "PL-4", "05": "1", "13": "101921", "14": "17770",
                            "15": "036", "22": "02", "26": "05",
                            "41": f"{written_off.quantize(D(1), ROUND_HALF_UP)}", "42": "100000"}]  # fmt: skip
    assert [(row.loan_id, row.number, row.reasons) for row in made.left_out] == [
        (3, "PL-3", ("address: none on file",))
    ]
    assert (made.accounts, made.told, made.since) == (3, 2, date(2026, 11, 15))


def test_a_default_is_intimated_once_and_a_date_not_closed_is_refused(
    book: sessionmaker[Session],
) -> None:
    for _ in range(2):
        with UnitOfWork(book) as uow:
            made = bureau_file(uow, as_of=NOV30, bureau="EXPERIAN", member=MEMBER, actor=None)
            uow.commit()
    assert made.told == 0  # told by the first file
    with UnitOfWork(book) as uow:
        told = uow.session.execute(
            select(BureauIntimation.loan_id, BureauIntimation.overdue_since).order_by(
                BureauIntimation.loan_id
            )
        ).all()
        assert [tuple(t) for t in told] == [(2, date(2026, 10, 26)), (4, date(2026, 10, 26))]
        notices = uow.session.execute(
            select(Notice.loan_id, Notice.data).where(Notice.template == "bureau_default")
        ).all()
        assert sorted((n.loan_id, n.data["amount"], n.data["due_date"]) for n in notices) == [
            (2, "17769.76", "2026-10-26"), (4, "17769.76", "2026-10-26"),
        ]  # fmt: skip
        assert uow.session.scalar(select(func.count()).select_from(BureauReport)) == 2
        files = [("CIBIL", "consumer"), ("EXPERIAN", "consumer"), ("EXPERIAN", "microfinance")]
        status = reporting_status(uow, date(2026, 12, 1), files)
        assert [(d.as_of, d.bureau, d.kind, d.made_on is not None, d.late(date(2026, 12, 1)))
                for d in status if d.as_of == NOV30 or d.bureau == "CIBIL"] == [
            (date(2026, 10, 15), "CIBIL", "consumer", False, True),
            (date(2026, 10, 31), "CIBIL", "consumer", False, True),
            (date(2026, 11, 15), "CIBIL", "consumer", False, True),
            (NOV30, "CIBIL", "consumer", False, False),
            (NOV30, "EXPERIAN", "consumer", True, False),
            (NOV30, "EXPERIAN", "microfinance", False, False),
        ]  # fmt: skip
        assert len(status) == 12 and sum(d.late(date(2026, 12, 1)) for d in status) == 9
        assert member_files({"CIBIL": "A", "crif-Microfinance": "B"}) == [
            ("CIBIL", "consumer"), ("CRIF", "microfinance")]  # fmt: skip
        assert status[-1].deadline == date(2026, 12, 7)
        with pytest.raises(ConflictError, match="the close of 2026-12-01 has not run"):
            bureau_file(uow, as_of=date(2026, 12, 1), bureau="CIBIL", member=MEMBER, actor=None)
        with pytest.raises(InvalidError) as refused:
            bureau_file(uow, as_of=NOV30, bureau="ACME", member=Member("SHORT", ""), actor=None)
        assert [f for f, _ in refused.value.problems] == ["bureau", "member_code", "short_name"]


def test_a_rejection_report_queues_corrections_and_a_malformed_one_writes_nothing(
    book: sessionmaker[Session],
) -> None:
    report = (
        "account_number,segment,field,code,message\n"
        "PL-2,PA,07,E101,PIN does not match the state\n"
        "XX-9,TL,03,E200,account not known\n"
    )
    with UnitOfWork(book) as uow:
        with pytest.raises(InvalidError, match="needs the columns"):
            read_rejections(uow, bureau="CIBIL", text="account,code\nPL-2,E1\n",
                            received_on=date(2026, 12, 1))  # fmt: skip
        with pytest.raises(InvalidError, match="line 3"):
            read_rejections(uow, bureau="CIBIL", text=report.replace("E200", ""),
                            received_on=date(2026, 12, 1))  # fmt: skip
        assert uow.session.scalar(select(func.count()).select_from(BureauCorrection)) == 0
        assert read_rejections(uow, bureau="CIBIL", text=report, received_on=date(2026, 12, 1)) == 2
        uow.commit()
    with UnitOfWork(book) as uow:
        queued = open_corrections(uow)
        assert [(c.loan_id, c.segment, c.field, c.code) for c in queued] == [
            (2, "PA", "07", "E101"), (None, "TL", "03", "E200"),
        ]  # fmt: skip
        mark_corrected(uow, correction_id=queued[0].id, day=date(2026, 12, 1), actor="ops")
        with pytest.raises(ConflictError, match="was corrected on 2026-12-01"):
            mark_corrected(uow, correction_id=queued[0].id, day=date(2026, 12, 1), actor="ops")
        uow.commit()
        assert [c.id for c in open_corrections(uow)] == [queued[1].id]


def test_the_command_writes_the_file_and_the_list_left_out(
    book: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["bureau", "file", "--database-url", db_url, "--member-code", "NB12340001"]
    out = tmp_path / "book.tudf"
    done = runner.invoke(app, [*base, "--as-of", "2026-11-30", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "3 accounts as of 2026-11-30" in done.output and "1 left out" in done.output
    assert len(read(out.read_text("ascii"))[1]) == 4
    assert (tmp_path / "book.left-out.csv").read_text().splitlines() == [
        "loan_id,loan_number,customer_id,reasons", "3,PL-3,3,address: none on file",
    ]  # fmt: skip
    for wrong, says, status in (
        (["--as-of", "2026-13-01"], "--as-of: '2026-13-01' is not a date", 2),
        (["--as-of", "2026-12-01"], "has not run", 1),  # against the book's state
        (["--bureau", "ACME"], "bureau: must be one of", 2),
    ):
        refused = runner.invoke(app, [*base, *wrong, "-o", str(tmp_path / "no.tudf")])
        assert refused.exit_code == status and says in refused.output, refused.output
    assert not (tmp_path / "no.tudf").exists()
