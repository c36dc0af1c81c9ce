"""The microfinance and commercial bureau files, read back by the tests' own reader
(cic_checker, from the field tables of docs/bureau-formats.md) with figures worked by hand.

Microfinance: centre C-1 (Tuesdays 08:30, field officer fo-1) and group Lotus of Anita,
Bharati, Chitra and Devi, each lent 20,800 at a flat 12 % over 52 weeks (448.00 a week: 400
principal and 48 interest) on 29 Sep 2026. At the meeting of 6 Oct all pay (Devi 300 and her
group 148); on 13 Oct Devi stays away and pays nothing. As of 15 Oct: Anita, Bharati and
Chitra owe 20,800 - 2 x 400 = 20,000 and nothing overdue; Devi owes 20,800 - 400 = 20,400 of
principal and the 48 of interest due, 20,448, of which 448 overdue since 13 Oct: DPD 3.

Commercial: a company (PAN AAACR1234K: its fourth letter C) and a person, each lent 1,00,000
at 12 % for 12 months on 26 Sep 2026 (EMI 8,884.88), neither paying: as of 30 Nov the
company's balance is 1,01,921 (the principal and the two installments' interest due) with
17,770 overdue (two EMIs) and DPD 36 (since 26 Oct), special mention.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from book_setup import book_of_loans
from cic_checker import read_commercial, read_microfinance
from group_setup import OCT6, OCT13, SEP29, group_book, group_lent, lend
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.bureau import service
from lms.bureau.models import BureauReport
from lms.bureau.service import bureau_file
from lms.bureau.tudf import Member
from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.microfinance.sheets import Taken, post_sheet
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.catalog import ProductRules
from lms.servicing.models import Customer
from lms.servicing.service import disburse_loan

OCT15 = date(2026, 10, 15)
MFI = Member("MFI0000123", "Test MFI")
HOME = {"kind": "current", "text": "4, Gandhi Nagar, Hadapsar, Pune", "pin": "411028",
        "state": "27"}  # fmt: skip
KYC = {  # the group's members: names, birth, mobile, address (Chitra's birth not on file)
    1: ("Anita Ramesh Shinde", date(1990, 4, 12), "+91 98220 11111"),
    2: ("Bharati Kale", date(1985, 10, 16), "9822022222"),
    3: ("Chitra Jadhav", None, "9822033333"),
    4: ("Devi", date(1979, 1, 1), "9822044444"),
}


def _meet(sessions: sessionmaker[Session], centre: int, day: date, taken: list[Taken]) -> None:
    close_until(sessions, day - date.resolution, size=10)
    with UnitOfWork(sessions) as uow:
        post_sheet(uow, centre, day, taken=taken, collector="fo-1", posted=day)
        uow.commit()


@pytest.fixture
def centre_book(db_url: str, engine: Engine) -> tuple[sessionmaker[Session], list[int]]:
    sessions = group_book(db_url, engine)
    centre, loans = group_lent(sessions)
    with UnitOfWork(sessions) as uow:
        for customer_id, (name, birth, phone) in KYC.items():
            customer = uow.session.get(Customer, customer_id)
            assert customer is not None
            customer.name, customer.date_of_birth, customer.phone = name, birth, phone
            customer.gender, customer.addresses = "F", [HOME]
        uow.commit()
    with UnitOfWork(sessions) as uow:  # Bharati's second loan, not through the group
        disburse_loan(uow, loan_id=lend(uow, 2, "MF"), posting_date=SEP29)
        uow.commit()
    a, b, c, d = loans
    full = [Taken(loan, D(448)) for loan in (a, b, c)]
    _meet(sessions, centre, OCT6, [*full, Taken(d, D(300), cover=D(148))])
    _meet(sessions, centre, OCT13, [*full, Taken(d, attended=False)])
    close_until(sessions, OCT15, size=10)
    return sessions, loans


def test_the_microfinance_file_reads_back_with_the_figures_worked_by_hand(
    centre_book: tuple[sessionmaker[Session], list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, (a, b, c, d) = centre_book
    monkeypatch.setattr(service, "CHUNK", 1)  # Bharati's two loans read apart, written together
    with UnitOfWork(sessions) as uow:
        made = bureau_file(uow, as_of=OCT15, bureau="CRIF", member=MFI, actor="tester",
                           kind="microfinance")  # fmt: skip
        consumer = bureau_file(uow, as_of=OCT15, bureau="CRIF", member=Member("NB12340001", "T"),
                               actor="tester")  # fmt: skip
        kinds = uow.session.scalars(select(BureauReport.kind).order_by(BureauReport.id)).all()
        uow.commit()
    header, members = read_microfinance(made.text)
    assert header == {"member": "MFI0000123", "previous": " " * 14, "made": "16102026",
                      "reported": "15102026"}  # fmt: skip
    assert [m["member"]["member id"] for m in members] == ["1", "2", "4"]
    anita, bharati, devi = members
    assert {k: v for k, v in anita["member"].items() if v} == {
        "segment": "CNSCRD", "member id": "1", "branch id": "PUN01", "centre id": "C-1",
        "group id": "1", "name 1": "ANITA", "name 2": "RAMESH", "name 3": "SHINDE",
        "date of birth": "12041990", "age": "36", "age as on": "15102026", "gender": "F",
        "key person's name": "ESTHER", "key person's relationship": "K15",
        "telephone type": "P03", "telephone": "9822011111",
        "monthly family income": "10000", "group leader": "Y",
    }  # fmt: skip
    assert {k: v for k, v in anita["address"].items() if v} == {
        "segment": "ADRCRD", "permanent address": "4, GANDHI NAGAR, HADAPSAR, PUNE",
        "permanent state": "MH", "permanent PIN": "411028",
        "current address": "4, GANDHI NAGAR, HADAPSAR, PUNE", "current state": "MH",
        "current PIN": "411028",
    }  # fmt: skip
    common = {"segment": "ACTCRD", "branch id": "PUN01", "centre id": "C-1",
              "loan officer": "fo-1", "date of account information": "15102026",
              "loan category": "T02", "group id": "1", "loan cycle": "1",
              "sanction date": "29092026", "date opened": "29092026",
              "amount applied for": "20800", "amount sanctioned": "20800",
              "amount disbursed": "20800", "number of installments": "52",
              "repayment frequency": "F01", "installment amount": "448",
              "meetings held": "2", "meeting day": "TUE", "meeting time": "08:30"}  # fmt: skip
    assert {k: v for k, v in anita["accounts"][0].items() if v} == {
        **common, "unique account reference": str(a), "account number": "JLG-1",
        "account status": "S04", "date of last payment": "13102026", "current balance": "20000",
        "amount overdue": "0", "DPD": "0", "meetings missed": "0",
    }  # fmt: skip
    assert (bharati["member"]["name 2"], bharati["member"]["key person's name"]) == ("", "")
    assert bharati["member"]["monthly family income"] == "12500"  # 1,50,000 a year
    assert bharati["member"]["group leader"] == "N"
    # her loans: through the group (cycle 1), and her own (cycle 2: nothing paid of 20,800 at
    # a flat 12 %, so 448 + 448 overdue since 6 Oct and 96 of interest in the balance)
    assert [x["unique account reference"] for x in bharati["accounts"]] == [str(b), "5"]
    assert {k: v for k, v in bharati["accounts"][1].items() if v} == {
        "segment": "ACTCRD", "unique account reference": "5", "account number": "MF-2",
        "branch id": "PUN01", "date of account information": "15102026", "loan category": "T03",
        "loan cycle": "2", "account status": "S05", "sanction date": "29092026",
        "date opened": "29092026", "amount applied for": "20800", "amount sanctioned": "20800",
        "amount disbursed": "20800", "number of installments": "52", "repayment frequency": "F01",
        "installment amount": "448", "current balance": "20896", "amount overdue": "896",
        "DPD": "10",
    }  # fmt: skip
    assert {k: v for k, v in devi["accounts"][0].items() if v} == {
        **common, "unique account reference": str(d), "account number": "JLG-4",
        "account status": "S05", "date of last payment": "06102026", "current balance": "20448",
        "amount overdue": "448", "DPD": "3", "meetings missed": "1",
    }  # fmt: skip
    assert devi["member"]["name 1"] == "DEVI" and devi["member"]["age"] == "47"
    assert [(r.loan_id, r.reasons) for r in made.left_out] == [
        (c, ("date_of_birth: required in the microfinance format",))
    ]
    assert (made.accounts, made.told, made.kind) == (4, 2, "microfinance")
    # the consumer file of the same book holds none of them, and lists none as left out
    assert (consumer.accounts, consumer.left_out, consumer.told) == (0, [], 0)
    assert kinds == ["microfinance", "consumer"]


def test_the_commercial_file_reads_back_and_the_consumer_file_leaves_the_company_to_it(
    db_url: str, engine: Engine
) -> None:
    office = {"kind": "office", "text": "Plot 7, MIDC Bhosari, Pune", "pin": "411026",
              "state": "27"}  # fmt: skip
    people = [
        {"name": "Rane Castings Private Limited", "kind": "entity", "pan": "AAACR1234K",
         "phone": "02027120000", "addresses": [office]},
        {"name": "Ravi Kumar", "gender": "M", "pan": "ABCPK1234K", "addresses": [office]},
        {"name": "Sharma Traders", "kind": "entity", "pan": "AAAFS1234K"},
    ]  # fmt: skip
    sessions = book_of_loans(db_url, engine, people, business_date=date(2026, 10, 20),  # type: ignore[arg-type]
                             rules=ProductRules(bureau_type="51"))  # fmt: skip
    close_until(sessions, date(2026, 11, 30), size=10)
    with UnitOfWork(sessions) as uow:
        made = bureau_file(uow, as_of=date(2026, 11, 30), bureau="CIBIL",
                           member=Member("CM00001234", "Test Lender"), actor=None,
                           kind="commercial")  # fmt: skip
        consumer = bureau_file(uow, as_of=date(2026, 11, 30), bureau="CIBIL",
                               member=Member("NB12340001", "Test Lender"), actor=None)  # fmt: skip
        uow.commit()
    header, facilities = read_commercial(made.text)
    assert list(header.values()) == ["HD", "CM00001234", "Test Lender", "01122026", "30112026",
                                     "01"]  # fmt: skip
    assert len(facilities) == 1
    rane = facilities[0]
    assert list(rane["BS"].values()) == ["BS", "PUN01", "RANE CASTINGS PRIVATE LIMITED",
                                         "RANE CASTINGS PRIVAT", "AAACR1234K", "20"]  # fmt: skip
    assert list(rane["AS"].values()) == ["AS", "PLOT 7, MIDC BHOSARI, PUNE", "", "", "MH",
                                         "411026", "IN", "02027120000"]  # fmt: skip
    assert list(rane["CR"].values()) == [
        "CR",
        "PL-1",
        "26092026",
        "100000",
        "INR",
        "51",
        "12",
        "M",
        "101921",
        "",
        "036",
        "SMA",
        "17770",
        "8885",
        "",
        "",
        "",
        "",
        "N",
    ]
    assert [(r.number, r.reasons) for r in made.left_out] == [
        ("PL-3", ("address: none with text, a known state and a PIN code",))
    ]
    assert (made.accounts, made.told) == (1, 1)
    # Ravi's loan alone is the consumer file's; the companies' are not listed as left out
    assert (consumer.accounts, consumer.left_out) == (1, [])


def test_the_command_writes_each_format_and_refuses_a_bad_one(
    centre_book: tuple[sessionmaker[Session], list[int]],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["bureau", "file", "--database-url", db_url, "--as-of", "2026-10-15"]
    done = runner.invoke(app, [*args, "--format", "microfinance", "--member-code", "MFI0000123"])
    assert done.exit_code == 0, done.output
    assert "4 accounts as of 2026-10-15" in done.output and "1 left out" in done.output
    text = (tmp_path / "MFI0000123_15102026.mfi").read_text()
    assert len(read_microfinance(text)[1]) == 3
    left = (tmp_path / "MFI0000123_15102026.left-out.csv").read_text()
    assert "date_of_birth: required in the microfinance format" in left
    bad = runner.invoke(app, [*args, "--format", "sme", "--member-code", "MFI0000123"])
    assert (
        bad.exit_code == 2
        and "format: must be one of consumer, microfinance, commercial" in bad.output
    )
    with UnitOfWork(centre_book[0]) as uow, pytest.raises(InvalidError) as refused:
        bureau_file(uow, as_of=OCT15, bureau="CRIF", member=Member("MFI-1", "T"), actor=None,
                    kind="microfinance")  # fmt: skip
    assert refused.value.problems == [
        ("member_code", "the bureau's member id: 1 to 14 letters and digits")
    ]
