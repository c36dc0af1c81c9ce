"""The reports on every database, each worked by hand from the book: IRACP classification and
provisioning, the SMA and NPA accounts, the disbursement and collection registers, and the
trial balance (checked against the ledger's own account balances, which prove the book); as
JSON, CSV, XLSX and PDF, and on the staff application's page.

The book is the read-side tests' (book_setup.nine_loans_closed): loans of 1,00,000 (no fees)
paid out on 26 Jun (loan 7), 26 Aug (6) and 26 Sep 2026 (1-5, 8); EMIs of 8,884.88 by NACH on
the 26th; loans 1 and 4 paid October and November, 2 and 8 October; closed on 26 Nov, when
the DPD are 0, 1, 32, 0, 32, 62, 124, 1 and loan 7 is NPA.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from api_client import api_client, staff_browser
from fastapi.testclient import TestClient
from pypdf import PdfReader

from lms.ledger.check import account_balances
from lms.platform.db import UnitOfWork, make_engine, make_session_factory

EMI = "8884.88"


@pytest.fixture
def book(nine_loans: str) -> str:
    return nine_loans


@pytest.fixture
def api(book: str) -> Iterator[TestClient]:
    with api_client(book, ("auditor",)) as client:
        yield client


def _rows(client: TestClient, name: str, **params: object) -> list[list[Any]]:
    answer = client.get(f"/api/v1/reports/{name}", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[list[Any]] = answer.json()["rows"]
    return rows


def test_iracp_and_sma_at_the_closed_date(api: TestClient) -> None:
    # 7 loans standard (SMA included), loan 7 substandard; no provisions away from a month end
    assert _rows(api, "iracp", as_of="2026-11-26") == [
        ["standard", 7, "652533.02", "0.00"],
        ["substandard", 1, "100000.00", "0.00"],
        ["doubtful-1", 0, "0.00", "0.00"],
        ["doubtful-2", 0, "0.00", "0.00"],
        ["doubtful-3", 0, "0.00", "0.00"],
        ["loss", 0, "0.00", "0.00"],
        ["total", 8, "752533.02", "0.00"],
    ]
    sma = _rows(api, "sma")  # the last closed date by default
    assert [(r[0], r[4], r[5], r[6], r[7]) for r in sma] == [
        (7, "NPA", 124, "100000.00", "44424.40"),
        (6, "SMA-2", 62, "100000.00", "26654.64"),
        (3, "SMA-1", 32, "100000.00", "17769.76"),
        (5, "SMA-1", 32, "100000.00", "17769.76"),
        (2, "SMA-0", 1, "92115.12", EMI),
        (8, "SMA-0", 1, "92115.12", EMI),
    ]
    assert sma[0][1:4] == ["R-7", "Borrower 7", "BLR01"]
    assert [r[0] for r in _rows(api, "sma", branch="PUN01")] == [3, 2, 8]
    refused = api.get("/api/v1/reports/iracp", params={"as_of": "2026-11-20"})
    assert refused.status_code == 422 and "as_of" in refused.text


def test_the_registers_of_a_period(api: TestClient) -> None:
    paid_out = _rows(api, "disbursements", since="2026-09-01", until="2026-09-30")
    assert [(r[0], r[1], r[6], r[7]) for r in paid_out] == [
        ("2026-09-26", k, "100000.00", "100000.00") for k in (1, 2, 3, 4, 5, 8)
    ]
    taken = _rows(api, "collections", since="2026-10-01", until="2026-11-30")
    assert [(r[0], r[1], r[5], r[6], r[7], r[8]) for r in taken] == [
        ("2026-10-26", 1, "R-1-0", "nach", EMI, ""),
        ("2026-10-26", 2, "R-2-0", "nach", EMI, ""),
        ("2026-10-26", 4, "R-4-0", "nach", EMI, ""),
        ("2026-10-26", 8, "R-8-0", "nach", EMI, ""),
        ("2026-11-26", 1, "R-1-1", "nach", EMI, ""),
        ("2026-11-26", 4, "R-4-1", "nach", EMI, ""),
    ]
    assert _rows(api, "collections", since="2026-11-01", until="2026-11-30", branch="BLR01") == [
        ["2026-11-26", 4, "Borrower 4", "BLR01", "payment", "R-4-1", "nach", EMI, ""]
    ]


def test_the_trial_balance_is_the_ledgers(book: str, api: TestClient) -> None:
    rows = _rows(api, "trial_balance", as_of="2026-11-27")
    *accounts, total = rows
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        balances = account_balances(uow.session)
    engine.dispose()
    assert {a: D(b) for a, _, _, b in accounts} == {
        a: v for a, v in balances.items() if v or a in {r[0] for r in accounts}
    }
    assert total[0] == "total" and total[1] == total[2] and total[3] == "0.00"


def test_each_format_and_the_page(book: str, api: TestClient) -> None:
    wanted = _rows(api, "sma")
    csv_text = api.get("/api/v1/reports/sma", params={"format": "csv"}).text
    assert csv_text.splitlines()[1].startswith("7,R-7,Borrower 7,BLR01,NPA,124,100000.00,44424.40,")
    pdf = api.get("/api/v1/reports/sma", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    words = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "SMA and NPA accounts at 2026-11-26" in words and "1,00,000.00" in words
    assert "44,424.40" in words and "Made by user:auditor-" in words
    with staff_browser(book, ("auditor",)) as browser:
        page = browser.get("/app/reports/sma")
        assert page.status_code == 200
        assert "<td>Borrower 7</td>" in page.text and '<td class="num">44,424.40</td>' in page.text
        assert browser.get("/app/reports/sma", params={"format": "csv"}).text == csv_text
        assert browser.get("/app/reports").status_code == 200
        assert browser.get("/app/reports/nothing").status_code == 404
    assert len(wanted) == 6


def test_interest_income_accrual_and_suspense_of_a_period(api: TestClient) -> None:
    """November: the interest of the 26 Nov dues, 921.15 for a loan paid out in September
    (1, 2, 3, 8 of PUN01; 4, 5 of BLR01), 841.51 for loan 6 and 679.84 for loan 7, less the
    4,203.58 of loan 7's unpaid interest moved to suspense when it turned NPA that day."""
    november = _rows(api, "interest_income", since="2026-11-01", until="2026-11-30")
    zeros = ["0.00"] * 5
    assert november == [
        ["BLR01", "-839.93", *zeros, "4203.58"],  # 2 x 921.15 + 841.51 + 679.84 - 4,203.58
        ["PUN01", "3684.60", *zeros, "0.00"],  # 4 x 921.15
        ["total", "2844.67", *zeros, "4203.58"],
    ]
    whole = _rows(api, "interest_income", since="2026-06-01", until="2026-11-30")
    assert whole[-1][1] == "14289.56"  # the interest_income account's balance


def test_overdue_ageing_at_the_closed_date(api: TestClient) -> None:
    """DPD 1 (loans 2, 8: November's EMI), 32 (3, 5: October's and November's), 62 (6), 124
    (7); the EMIs of installments 1 and 2 are 7,884.88 + 1,000.00 and 7,963.73 + 921.15."""
    assert _rows(api, "overdue_ageing", as_of="2026-11-26") == [
        ["1-30", 2, "15927.46", "1842.30", "17769.76", "184230.24"],
        ["31-60", 2, "31697.22", "3842.30", "35539.52", "200000.00"],
        ["61-90", 1, "23891.98", "2762.66", "26654.64", "100000.00"],
        ["91-180", 1, "40220.82", "4203.58", "44424.40", "100000.00"],
        ["181-365", 0, "0.00", "0.00", "0.00", "0.00"],
        ["over 365", 0, "0.00", "0.00", "0.00", "0.00"],
        ["total", 6, "111737.48", "12650.84", "124388.32", "584230.24"],
    ]


def test_the_general_ledger_runs_from_each_opening_to_the_trial_balance(
    book: str, api: TestClient
) -> None:
    rows = _rows(api, "general_ledger", since="2026-11-01", until="2026-11-27")
    closing = {r[0]: D(r[8]) for r in rows if r[3] == "closing balance"}
    engine = make_engine(book)
    with UnitOfWork(make_session_factory(engine)) as uow:
        balances = account_balances(uow.session)
    engine.dispose()
    assert closing == {a: balances[a] for a in closing}  # the ledger's own balances
    for account in closing:  # opening + each line = the running balance, to the closing one
        mine = [r for r in rows if r[0] == account]
        running = D(mine[0][8])
        for r in mine[1:-1]:
            running += D(r[6]) - D(r[7])
            assert D(r[8]) == running
        assert running == closing[account]
    income = _rows(api, "general_ledger", since="2026-11-26", until="2026-11-26",
                   account="interest_income")  # fmt: skip
    assert [(r[3], r[4], r[8]) for r in income[:2]] == [
        ("opening balance", None, "-11444.89"),
        ("interest_due", "1", "-12366.04"),
    ]
    assert income[-1][3:] == ["closing balance", None, None, None, None, "-14289.56"]
    bad = api.get("/api/v1/reports/general_ledger", params={"account": "petty_cash"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "account"
    with api_client(book, ("branch_manager",), ["PUN01"]) as manager:
        mine = manager.get("/api/v1/reports/general_ledger", params={"since": "2026-06-01"})
        loans = {r[4] for r in mine.json()["rows"] if r[4] is not None}
    assert loans == {"1", "2", "3", "8"}
