"""The ledger for the lender's general ledger: Tally XML vouchers parsed back and balanced, the
CSV and the trial balance of a period held to the journal lines, and a closed period that the
database itself refuses to post into.

The book: Asha's and Ravi's loans, 1,00,000 each at 12 % for 12 months paid out on 26 Sep
2026 (posted that day), Asha paying her first EMI of 8,884.88 on 26 Oct, closed daily from 20
Oct to 30 Nov. September's books therefore hold the two payouts alone: loan principal debited
2,00,000, the disbursement bank credited 2,00,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from book_setup import book_of_loans
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.ledger import rules
from lms.ledger.export import GROUPS, tally_xml, trial_balance, vouchers, vouchers_csv
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.ledger.periods import check_open, close_period
from lms.ledger.service import post_entry
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.repayments import PaymentRequest, record_payment

PEOPLE = [{"name": "Asha Patil"}, {"name": "Ravi Kumar"}]
OCT, NOV = (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 10, 25), size=10)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("8884.88"), date(2026, 10, 26), "UTR-1", "upi")
        record_payment(uow, loan_id=1, request=request, posting_date=date(2026, 10, 26))
        uow.commit()
    close_until(sessions, date(2026, 11, 30), size=10)
    return sessions


def _lines(uow: UnitOfWork, since: date, until: date) -> dict[str, D]:
    """Each account's net debit over the period's journal lines, read straight."""
    query = (
        select(JournalLineRow.account, func.sum(JournalLineRow.debit - JournalLineRow.credit))
        .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
        .where(JournalEntryRow.posting_date.between(since, until))
        .group_by(JournalLineRow.account)
    )
    return {a: n for a, n in uow.session.execute(query) if n}


def test_tally_vouchers_parse_back_balanced_and_move_each_account_as_the_ledger(
    book: sessionmaker[Session],
) -> None:
    assert set(GROUPS) == set(rules.Account)  # every account has its group
    with UnitOfWork(book) as uow:
        september = vouchers(uow, date(2026, 9, 1), date(2026, 9, 30))
        october = vouchers(uow, *OCT)
        moved = _lines(uow, *OCT)
    root = ET.fromstring(tally_xml(september + october, "Test Lender"))
    assert root.findtext("BODY/IMPORTDATA/REQUESTDESC/STATICVARIABLES/SVCURRENTCOMPANY") == (
        "Test Lender"
    )
    ledgers = {e.get("NAME"): e.findtext("PARENT") for e in root.iter("LEDGER")}
    assert ledgers["Loan principal"] == "Loans & Advances (Asset)"
    parsed = []
    for voucher in root.iter("VOUCHER"):
        rows = [(r.findtext("LEDGERNAME"), r.findtext("ISDEEMEDPOSITIVE"), D(r.findtext("AMOUNT") or ""))
                for r in voucher.iter("ALLLEDGERENTRIES.LIST")]  # fmt: skip
        assert sum(a for _, _, a in rows) == 0, voucher.findtext("VOUCHERNUMBER")
        assert all((d == "Yes") == (a < 0) for _, d, a in rows)  # a debit: negative, deemed +
        assert all(name in ledgers for name, _, _ in rows)
        parsed.append((voucher.findtext("DATE"), voucher.findtext("VOUCHERNUMBER"), rows))
    assert parsed[0] == ("20260926", "LMS/20260926/disbursement", [
        ("Loan principal", "Yes", D("-200000.00")), ("Disbursement bank", "No", D("200000.00")),
    ])  # fmt: skip
    paid = next(rows for day, _, rows in parsed if day == "20261026" and "repayment" in _)
    assert ("Collection bank", "Yes", D("-8884.88")) in paid
    by_account: dict[str, D] = {}
    for voucher in october:
        for account, net in voucher.amounts.items():
            by_account[account] = by_account.get(account, D(0)) + net
    assert by_account == moved and moved["collection_bank"] == D("8884.88")


def test_the_csv_and_the_trial_balance_of_a_period_agree_with_the_lines(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        rows = trial_balance(uow, *NOV)
        before = _lines(uow, date(2000, 1, 1), date(2026, 10, 31))
        through = _lines(uow, date(2000, 1, 1), NOV[1])
        text = vouchers_csv(vouchers(uow, *NOV))
        moved = _lines(uow, *NOV)
    for row in rows:
        assert row.opening == before.get(row.account, D(0))
        assert row.closing == through.get(row.account, D(0))
        assert row.debit - row.credit == moved.get(row.account, D(0))
    assert sum((r.closing for r in rows), D(0)) == 0
    lines = [line.split(",") for line in text.splitlines()[1:]]
    assert sum(D(line[6]) for line in lines) == sum(D(line[7]) for line in lines) > 0
    net: dict[str, D] = {}
    for line in lines:
        net[line[3]] = net.get(line[3], D(0)) + D(line[6]) - D(line[7])
    assert net == moved


def test_a_closed_period_refuses_postings_and_a_late_event_posts_in_the_open_one(
    book: sessionmaker[Session],
) -> None:
    today = date(2026, 12, 1)
    with UnitOfWork(book) as uow:
        with pytest.raises(InvalidError, match="before the business date 2026-12-01"):
            close_period(uow, through=today, today=today, actor="finance")
        close_period(uow, through=date(2026, 10, 31), today=today, actor="finance")
        with pytest.raises(ConflictError, match="closed through 2026-10-31 already"):
            close_period(uow, through=date(2026, 10, 15), today=today, actor="finance")
        with pytest.raises(ConflictError, match="closed accounting period"):
            check_open(uow, date(2026, 10, 30))
        uow.commit()
    with UnitOfWork(book) as uow, pytest.raises(DBAPIError, match="closed accounting period"):
        entry = rules.receipt_to_suspense(date(2026, 10, 30), D("100"))
        post_entry(uow, entry, posting_date=date(2026, 10, 30))
    with UnitOfWork(book) as uow:  # money dated in the closed period posts today
        request = PaymentRequest(D("8884.88"), date(2026, 10, 28), "UTR-LATE", "neft")
        event, _ = record_payment(uow, loan_id=2, request=request, posting_date=today)
        uow.commit()
        dates = uow.session.execute(
            select(JournalEntryRow.value_date, JournalEntryRow.posting_date).where(
                JournalEntryRow.event_id == event.id
            )
        ).all()
    assert [tuple(d) for d in dates] == [(date(2026, 10, 28), today)]


def test_the_commands(book: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "oct.xml"
    done = runner.invoke(app, ["ledger", "export", "--database-url", db_url, "--since",
                               "2026-10-01", "--until", "2026-10-31", "-o", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert ET.parse(out).getroot().tag == "ENVELOPE"
    balance = runner.invoke(app, ["ledger", "trial-balance", "--database-url", db_url])
    assert balance.exit_code == 0 and balance.output.splitlines()[-1].endswith(",0.00")
    close = ["ledger", "close-period", "--database-url", db_url, "--through"]
    assert runner.invoke(app, [*close, "2026-11-30"]).exit_code == 0
    again = runner.invoke(app, [*close, "2026-12-05"])
    assert again.exit_code == 2 and "before the business date" in again.output
    wrong = runner.invoke(app, ["ledger", "export", "--database-url", db_url, "--since",
                                "2026-11-30", "--until", "2026-11-01"])  # fmt: skip
    assert wrong.exit_code == 2 and "after --until" in wrong.output
