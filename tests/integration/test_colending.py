"""A co-lent loan paid late and in part: arrangement BANK-A gives Bank A 80 % of each loan at 9 %
and keeps 20 % at 18 % (blended: 0.8 x 9 + 0.2 x 18 = 10.8 %), Bank A taking 25 % of fees. The
loan: 1,00,000 at 10.8 % over 10 months, equal principal (10,000 a month), a 1 % processing fee
with 18 % GST deducted from the payout (1,000 + 180: 98,820 paid out), paid out on 1 Sep 2026;
the first installment, due 1 Oct, is 10,000 + 900.00 of interest (1,00,000 x 10.8 % / 12). The
borrower pays 6,000.01 on 10 Oct (interest 900, principal 5,100.01) and 4,899.99 on 20 Oct.

By hand, Bank A's part: interest 7.2/10.8 = 2/3 (600.00 of 900); principal 80 %: 4,080.008,
rounded half up to 4,080.01, and 3,919.992 to 3,919.99 (72,000.00 left: 80 % of 90,000); fees
25 %: 250.00 and tax 45.00, so it funds 80,000 - 295 = 79,705.00 into the escrow. Ours is the
rest of each line: 20,000, 300.00, 1,020.00, 980.00, 750.00, 135.00, and 19,115.00 funded."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from integration.api_client import api_client, rows, staff_browser
from integration.book_setup import lived_and_closed, open_book, sound
from lms.colending.models import CoLentLoan, Settlement
from lms.colending.service import (
    ArrangementRequest,
    create_arrangement,
    lend_under,
    lender_balances,
    lender_entries,
)
from lms.colending.settlement import settle, statement
from lms.core.colending import CASH, ESCROW
from lms.demo.builder import build_demo
from lms.interfaces.cli.main import app
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import disburse_loan

SEP1, OCT10, OCT20 = date(2026, 9, 1), date(2026, 10, 10), date(2026, 10, 20)
BANK_A = ArrangementRequest("BANK-A", "Bank A", D(80), D(9), D(18), D(25), "ESCROW-001")
PRODUCT = {"method": "equal_principal", "fees": [{"name": "processing", "percent": "1",
                                                  "tax": "18"}]}  # fmt: skip


def _book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = open_book(db_url, engine, settings=PRODUCT)
    with UnitOfWork(sessions) as uow:
        create_arrangement(uow, BANK_A)
        request = LoanRequest("CL-1", "PUN01", 1, "PL", D(100000), D("10.8"), 10, SEP1)
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=SEP1)
        lend_under(uow, "BANK-A", loan.id, SEP1)
        calendar.set_business_date(uow, SEP1)
        uow.commit()
    return sessions


def _pay(sessions: sessionmaker[Session], day: date, amount: str, reference: str) -> None:
    with UnitOfWork(sessions) as uow:
        record_payment(uow, loan_id=1, request=PaymentRequest(D(amount), day, reference, "upi"),
                       posting_date=day)  # fmt: skip
        uow.commit()


def test_each_lenders_books_and_the_settlement_file_to_the_paisa(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine)
    _pay(sessions, OCT10, "6000.01", "UPI-1")
    _pay(sessions, OCT20, "4899.99", "UPI-2")
    with UnitOfWork(sessions) as uow:
        assert lender_balances(uow, 1, "partner", OCT20) == {
            "escrow": D("-71105.00"), "fee_income": D("-250.00"),
            "interest_income": D("-600.00"), "loan_principal": D("72000.00"),
            "tax_payable": D("-45.00"),
        }  # fmt: skip
        assert lender_balances(uow, 1, "originator", OCT20) == {
            "escrow": D("-16815.00"), "fee_income": D("-750.00"),
            "interest_income": D("-300.00"), "loan_principal": D("18000.00"),
            "tax_payable": D("-135.00"),
        }  # fmt: skip
        funded = statement(uow, "BANK-A", SEP1)
        assert [(r.principal, r.charges, r.net, r.outstanding) for r in funded.rows] == [
            (D("-80000.00"), D("295.00"), D("-79705.00"), D("80000.00"))]  # fmt: skip
        paid = statement(uow, "BANK-A", OCT10)
        assert [(r.principal, r.interest, r.net, r.outstanding) for r in paid.rows] == [
            (D("4080.01"), D("600.00"), D("4680.01"), D("75919.99"))]  # fmt: skip
        assert statement(uow, "BANK-A", date(2026, 10, 11)).rows == []
        settled = [settle(uow, "BANK-A", day) for day in (SEP1, OCT10, OCT20)]
        uow.commit()
    assert settled[1][1].decode() == (
        "arrangement,BANK-A,partner,Bank A,day,2026-10-10,escrow,ESCROW-001\n"
        "loan,class,dpd,principal,interest,charges,held,net,principal_outstanding\n"
        "CL-1,STD,0,4080.01,600.00,0.00,0.00,4680.01,75919.99\n"
        "total,,,4080.01,600.00,0.00,0.00,4680.01,75919.99\n"
    )
    with UnitOfWork(sessions) as uow:
        nets = uow.session.scalars(select(Settlement.net).order_by(Settlement.day)).all()
        assert nets == [D("-79705.00"), D("4680.01"), D("3919.99")]
        # settled: the escrow is empty, Bank A's own bank has paid in the 71,105.00 it holds
        after = lender_balances(uow, 1, "partner", OCT20)
        assert (after.get(ESCROW), after["bank"]) == (None, D("-71105.00"))
        assert settle(uow, "BANK-A", OCT10)[0].id == settled[1][0].id  # again: the same
    _pay(sessions, OCT20, "10", "UPI-3")  # posted after the day was settled
    with UnitOfWork(sessions) as uow, pytest.raises(ConflictError):
        settle(uow, "BANK-A", OCT20)
    assert _parts_add_up(sessions) == []
    sound(sessions)


def _parts_add_up(sessions: sessionmaker[Session], loan: str = "1", code: int = 1) -> list[str]:
    """Every entry of the loan: each lender's part balanced, and the two adding up to it,
    account by account (its bank accounts as the escrow)."""
    wrong = []
    with UnitOfWork(sessions) as uow:
        whole: dict[int, dict[str, D]] = {}
        for entry_id, account, debit, credit in uow.session.execute(
            select(JournalLineRow.entry_id, JournalLineRow.account, JournalLineRow.debit,
                   JournalLineRow.credit)
            .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
            .where(JournalEntryRow.loan_id == loan)
        ):  # fmt: skip
            name = ESCROW if account in CASH else account
            lines = whole.setdefault(entry_id, {})
            lines[name] = lines.get(name, D(0)) + debit - credit
        far = date(2030, 1, 1)
        parts = {lender: {e.entry_id: e.lines for e in lender_entries(uow, code, lender,
                                                                        through=far)}
                 for lender in ("partner", "originator")}  # fmt: skip
    for entry_id, lines in whole.items():
        summed: dict[str, D] = {}
        for lender in ("partner", "originator"):
            mine = parts[lender][entry_id]
            if sum((x.net for x in mine), D(0)) != 0:
                wrong.append(f"{lender}'s part of entry {entry_id} does not balance")
            for x in mine:
                summed[x.account] = summed.get(x.account, D(0)) + x.net
        if {k: v for k, v in lines.items() if v} != {k: v for k, v in summed.items() if v}:
            wrong.append(f"entry {entry_id}: {lines} != {summed}")
    return wrong


def test_the_closes_entries_split_and_add_up(db_url: str, engine: Engine) -> None:
    """Fifty days of closes (daily accruals, dues, DPD) and the two payments: every entry's
    parts balance and add up to it; the partner's principal stays 80 % of the loan's."""
    sessions = _book(db_url, engine)

    def events(uow: UnitOfWork, day: date) -> None:
        for when, amount, reference in ((OCT10, "6000.01", "UPI-1"), (OCT20, "4899.99", "UPI-2")):
            if day == when:
                record_payment(uow, loan_id=1, request=PaymentRequest(D(amount), day, reference,
                                                                      "upi"), posting_date=day)  # fmt: skip

    lived_and_closed(sessions, SEP1, OCT20, events)
    assert _parts_add_up(sessions) == []
    with UnitOfWork(sessions) as uow:
        assert lender_balances(uow, 1, "partner", OCT20)["loan_principal"] == D("72000.00")
        row = statement(uow, "BANK-A", OCT10).rows[0]
        # the day's close's: due 1 Oct (day 1 when unpaid at its day-end), shared by both
        assert (row.asset_class, row.dpd) == ("SMA-0", 10)
    sound(sessions)


def test_arrangements_and_loans_are_checked(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as refused:
            create_arrangement(uow, ArrangementRequest("X", " ", D(95), D(0), D(18), D(101), ""))
        assert refused.value.problems == [
            ("partner", "is required"), ("escrow_account", "is required"),
            ("partner_share", "more than 0 and at most 90: we keep at least 10 % of every loan"),
            ("partner_rate", "percent a year, more than 0 and at most 100"),
            ("fee_share", "percent, 0 to 100"),
        ]  # fmt: skip
        with pytest.raises(ConflictError):
            create_arrangement(uow, BANK_A)
        create_arrangement(uow, ArrangementRequest("BANK-B", "Bank B", D(50), D(10), D(14),
                                                   D(0), "ESCROW-002"))  # fmt: skip
        with pytest.raises(ConflictError):
            lend_under(uow, "BANK-B", 1, SEP1)
        other = onboard_loan(uow, request=LoanRequest("CL-2", "PUN01", 1, "PL", D(50000), D(11),
                                                      10, SEP1))  # fmt: skip
        disburse_loan(uow, loan_id=other.id, posting_date=SEP1)
        with pytest.raises(InvalidError) as refused:
            lend_under(uow, "BANK-B", other.id, SEP1 + timedelta(days=16))
        assert refused.value.problems == [
            ("loan_id", "the loan's rate is 11 %, not the arrangement's blended 12 %"),
            ("loan_id", "paid out on 2026-09-01, more than 15 days ago: the partner takes its "
                        "share within 15"),
        ]  # fmt: skip


def test_the_colending_api_and_the_kfs(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    body = {"code": "BANK-C", "partner": "Bank C", "partner_share": "70", "partner_rate": "8.5",
            "own_rate": "20", "escrow_account": "ESCROW-003"}  # fmt: skip
    assert officer.post("/api/v1/colending/arrangements", json=body).status_code == 403
    admin = api_client(db_url)
    made = admin.post("/api/v1/colending/arrangements", json=body)
    assert (made.status_code, made.json()["blended_rate"]) == (201, "11.95")  # 5.95 + 6
    listed = officer.get("/api/v1/colending/arrangements").json()
    assert [(a["code"], a["blended_rate"]) for a in listed] == [("BANK-A", "10.8"),
                                                                ("BANK-C", "11.95")]  # fmt: skip
    loan = {"external_id": "CL-3", "branch_code": "PUN01", "customer_id": 1, "product_code": "PL",
            "principal": "50000", "annual_rate": "11.95", "installments": 10,
            "disbursement_date": str(SEP1)}  # fmt: skip
    loan_id = officer.post("/api/v1/loans", json=loan).json()["id"]
    assert officer.post(f"/api/v1/loans/{loan_id}/disbursement").status_code == 200
    lent = officer.post(f"/api/v1/loans/{loan_id}/colending", json={"arrangement": "BANK-C"})
    assert lent.status_code == 201
    wrong = officer.post("/api/v1/loans/1/colending", json={"arrangement": "BANK-C"})
    assert wrong.status_code == 409  # under BANK-A already
    day = admin.get("/api/v1/colending/arrangements/BANK-C/statement",
                    params={"day": str(SEP1)}).json()  # fmt: skip
    # 70 % of 50,000 funded; the fees (500 + 90 GST) are all ours (fee share 0)
    assert (day["net"], [(r["loan"], r["principal"], r["charges"]) for r in day["rows"]]) == (
        "-35000.00", [("CL-3", "-35000.00", "0.00")])  # fmt: skip
    early = admin.post("/api/v1/colending/arrangements/BANK-C/settlements",
                       json={"day": str(SEP1)})  # fmt: skip
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "day"
    with UnitOfWork(make_session_factory(engine)) as uow:
        calendar.set_business_date(uow, SEP1 + timedelta(days=1))
        uow.commit()
    settled = admin.post("/api/v1/colending/arrangements/BANK-C/settlements",
                         json={"day": str(SEP1)})  # fmt: skip
    assert settled.status_code == 201 and settled.headers["content-type"].startswith("text/csv")
    assert settled.text.splitlines()[-1] == "total,,,-35000.00,0.00,0.00,0.00,-35000.00,35000.00"
    books = admin.get("/api/v1/colending/arrangements/BANK-C/books",
                      params={"lender": "originator"}).json()  # fmt: skip
    assert books == {"escrow": "-14410.00", "fee_income": "-500.00",
                     "loan_principal": "15000.00", "tax_payable": "-90.00"}  # fmt: skip
    kfs = officer.get(f"/api/v1/loans/{loan_id}/kfs.pdf")
    (tmp_path / "kfs.pdf").write_bytes(kfs.content)
    said = " ".join(subprocess.run(["pdftotext", str(tmp_path / "kfs.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())  # fmt: skip
    assert ("Co-lending: this loan is lent jointly by Your lender (30%) and Bank C (70%), at a "
            "blended rate of 11.95% a year") in said  # fmt: skip


def test_the_colending_command(db_url: str, engine: Engine, tmp_path: Path) -> None:
    sessions = _book(db_url, engine)
    _pay(sessions, OCT10, "6000.01", "UPI-1")
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT20)
        uow.commit()
    runner, url = CliRunner(), ["--database-url", db_url]
    shown = runner.invoke(app, ["colending", "books", "BANK-A", "--through", str(OCT10), *url])
    assert shown.output == ("escrow: -75024.99\nfee_income: -250.00\ninterest_income: -600.00\n"
                            "loan_principal: 75919.99\ntax_payable: -45.00\n")  # fmt: skip
    out = tmp_path / "s.csv"
    done = runner.invoke(app, ["colending", "settle", "BANK-A", "--day", str(OCT10),
                               "--out", str(out), *url])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.output == f"BANK-A {OCT10}: 1 loans, net 4680.01 to the partner; file {out}\n"
    assert out.read_text().splitlines()[2] == "CL-1,STD,0,4080.01,600.00,0.00,0.00,4680.01,75919.99"
    late = runner.invoke(app, ["colending", "settle", "BANK-A", "--day", str(OCT20),
                               "--out", str(out), *url])  # fmt: skip
    assert late.exit_code == 2 and "before the business date 2026-10-20" in late.output
    unknown = runner.invoke(app, ["colending", "books", "BANK-Z", *url])
    assert unknown.exit_code == 2 and "BANK-Z" in unknown.output


def test_the_demo_co_lends_and_settles(db_url: str, engine: Engine) -> None:
    """The demo's co-lent loans on a small book without closes: four personal loans at the
    blended 12.8 % (80 % at 11 %, 20 % at 20 %), their payments, each money day settled the
    next; every entry's parts add up, and the bank holds 80 % of the principal outstanding."""
    upgrade(db_url)
    sessions = make_session_factory(engine)
    build_demo(sessions, loans=8, as_of=date(2026, 11, 26), centres=0, colent=4, close=False)
    with UnitOfWork(sessions) as uow:
        lent = uow.session.scalars(select(CoLentLoan.loan_id).order_by(CoLentLoan.loan_id)).all()
        settled = uow.session.scalars(select(Settlement.day)).all()
        balances = lender_balances(uow, 1, "partner", date(2026, 11, 26))
        ours = lender_balances(uow, 1, "originator", date(2026, 11, 26))
        outstanding = uow.session.execute(
            select(func.sum(LoanInstallment.principal - LoanInstallment.principal_paid))
            .where(LoanInstallment.loan_id.in_(lent))).scalar_one()  # fmt: skip
    assert len(lent) == 4 and len(settled) > 4
    # the two lenders' principal is the loans' to the paisa; the bank's is 80 % of it but for
    # the rounding of each line's part (half a paisa at most a line)
    assert balances["loan_principal"] + ours["loan_principal"] == outstanding
    assert abs(balances["loan_principal"] - outstanding * D("0.8")) <= D("0.05")
    for loan in lent:
        assert _parts_add_up(sessions, str(loan)) == []
    sound(sessions)


def test_the_colending_page(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    _pay(sessions, OCT10, "6000.01", "UPI-1")
    with UnitOfWork(sessions) as uow:
        settle(uow, "BANK-A", SEP1)
        calendar.set_business_date(uow, OCT20)
        uow.commit()
    finance = staff_browser(db_url, ("finance",))
    html = finance.get("/app/colending", params={"day": str(OCT10)}).text
    assert "Last settled: 1 Sep 2026, ₹79,705.00 from the partner." in html
    # the bank funded 79,705.00 from its own bank (settled on 1 Sep) and holds 4,680.01 of
    # 10 Oct's payment in the escrow, not yet settled
    assert rows(html, "books-BANK-A") == [
        ["bank", "-79,705.00", "0.00"], ["escrow", "4,680.01", "-17,795.00"],
        ["fee income", "-250.00", "-750.00"],
        ["interest income", "-600.00", "-300.00"], ["loan principal", "75,919.99", "18,980.00"],
        ["tax payable", "-45.00", "-135.00"],
    ]  # fmt: skip
    assert rows(html, "statement-BANK-A") == [
        ["CL-1", "STD", "0", "4,080.01", "600.00", "0.00", "0.00", "4,680.01"]]  # fmt: skip
    csv_file = finance.get("/app/colending/BANK-A/statement.csv", params={"day": str(OCT10)})
    assert csv_file.text.splitlines()[2] == "CL-1,STD,0,4080.01,600.00,0.00,0.00,4680.01,75919.99"
    officer = staff_browser(db_url, ("loan_officer",), ["PUN01"])
    assert officer.get("/app/colending").status_code == 403
