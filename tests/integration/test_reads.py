"""The read side over the API on every database: the loan list by asset class with keyset
paging and the capped total, a loan's installment plan, and the portfolio summary by branch
and DPD bucket of a closed date, to the paisa; problem+json for each bad parameter.

The book: loans of 1,00,000 at 12 % for 12 months (EMI 8,884.88; 1 % interest a month), each
of its own borrower, the business date 26 Nov 2026, closed once (so the business date is then
27 Nov). Paid out on 26 Sep 2026 unless said: loan 1 (PUN01, PL) pays its two dues; 2 (PUN01,
PL) pays October only; 3 (PUN01, GL) pays nothing; 4 (BLR01, PL) pays its two dues; 5 (BLR01,
GL) pays nothing; 6 (BLR01, PL, paid out 26 Aug) pays nothing; 7 (BLR01, PL, paid out 26 Jun)
pays nothing; 8 (PUN01, PL) pays October only; 9 (PUN01, PL) is approved, not paid out.
At the day-end of 26 Nov: DPD 0, 1, 32, 0, 32, 62, 124, 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from api_client import api_client
from book_setup import nine_loans_closed
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from lms.close.runner import close_day
from lms.platform.db import UnitOfWork, make_session_factory
from lms.servicing.repayments import PaymentRequest, record_payment

PROBLEM = "application/problem+json"
NOV26 = date(2026, 11, 26)
NOV27 = date(2026, 11, 27)
EMI = D("8884.88")


@pytest.fixture
def client(db_url: str, engine: Engine) -> Iterator[TestClient]:
    nine_loans_closed(db_url, engine)
    with api_client(db_url) as test_client:
        yield test_client


def _page(client: TestClient, **params: object) -> dict[str, Any]:
    response = client.get("/api/v1/loans", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(client: TestClient, **params: object) -> list[int]:
    return [item["id"] for item in _page(client, **params)["items"]]


def test_the_list_by_asset_class_as_the_close_stamped_it(client: TestClient) -> None:
    assert _ids(client, asset_class="STD") == [1, 4]
    assert _ids(client, asset_class="SMA-0") == [2, 8]
    assert _ids(client, asset_class="SMA-1") == [3, 5]
    assert _ids(client, asset_class="SMA-2") == [6]
    assert _ids(client, asset_class="NPA") == [7]
    assert _ids(client, asset_class="SMA-1", branch="BLR01") == [5]
    assert _ids(client, asset_class="SMA-1", product_id=2, status="active") == [3, 5]
    # DPD at the day-end of the business date, 27 Nov: loans 3 and 5 are 33 days past due
    assert _ids(client, asset_class="SMA-1", dpd_min=33, dpd_max=33) == [3, 5]
    assert _ids(client, asset_class="SMA-1", dpd_min=34) == []
    page = _page(client, asset_class="SMA-0", branch="PUN01")
    assert (page["total"], page["total_exact"], page["next_after"]) == (2, True, None)


def test_keyset_pages_walk_the_list_and_the_total_counts_them_all(client: TestClient) -> None:
    first = _page(client, limit=4)
    assert ([i["id"] for i in first["items"]], first["total"], first["next_after"]) == (
        [1, 2, 3, 4],
        9,
        4,
    )
    second = _page(client, limit=4, after=first["next_after"])
    assert ([i["id"] for i in second["items"]], second["total"], second["next_after"]) == (
        [5, 6, 7, 8],
        9,
        8,
    )
    last = _page(client, limit=4, after=8)
    assert ([i["id"] for i in last["items"]], last["next_after"]) == ([9], None)
    assert _ids(client, limit=2, after=2, offset=1) == [4, 5]  # the offset counts from the cursor
    assert _ids(client, status="active", after=6) == [7, 8]
    assert _page(client, status="approved")["total"] == 1


def test_a_total_over_the_cap_says_so_unless_an_exact_one_is_asked_for(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lms.close.portfolio.COUNT_CAP", 5)
    capped = _page(client, limit=2)
    assert (capped["total"], capped["total_exact"], capped["next_after"]) == (5, False, 2)
    exact = _page(client, limit=2, exact_total=True)
    assert (exact["total"], exact["total_exact"]) == (9, True)
    # over the cap the page is read in id order from the cursor: the same pages
    walked = _page(client, limit=2, after=3, offset=1)
    assert ([i["id"] for i in walked["items"]], walked["next_after"]) == ([5, 6], 6)
    assert _ids(client, limit=4, after=6) == [7, 8, 9]
    assert _page(client, branch="BLR01")["total"] == 4  # under the cap: exact
    assert _page(client, branch="PUN01")["total_exact"] is True  # 5 is not over a cap of 5


def test_the_schedule_shows_the_plan_what_is_paid_and_the_principal_left(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/loans/2/schedule")
    assert response.status_code == 200
    plan = response.json()
    assert (plan["loan_id"], plan["status"], plan["as_of"]) == (2, "active", "2026-11-27")
    rows = plan["installments"]
    assert len(rows) == 12
    assert rows[0] == {
        "number": 1,
        "due_date": "2026-10-26",
        "principal": "7884.88",
        "interest": "1000.00",
        "total": "8884.88",
        "principal_paid": "7884.88",
        "interest_paid": "1000.00",
        "unpaid": "0.00",
        "balance": "92115.12",
        "status": "paid",
    }
    assert rows[1] == {
        "number": 2,
        "due_date": "2026-11-26",
        "principal": "7963.73",
        "interest": "921.15",
        "total": "8884.88",
        "principal_paid": "0.00",
        "interest_paid": "0.00",
        "unpaid": "8884.88",
        "balance": "84151.39",
        "status": "overdue",
    }
    assert (rows[2]["due_date"], rows[2]["status"], rows[2]["balance"]) == (
        "2026-12-26",
        "not_due",
        "76108.02",
    )
    assert rows[-1]["balance"] == "0.00"
    assert sum(D(r["principal"]) for r in rows) == D(100000)
    approved = client.get("/api/v1/loans/9/schedule").json()  # not paid out: its terms' plan
    assert approved["status"] == "approved"
    assert [r["status"] for r in approved["installments"]] == ["planned"] * 12
    assert approved["installments"][0]["principal"] == "7884.88"


SUMMARY = [
    ("BLR01", "0", 1, "84151.39", "0.00", "0.00"),
    ("BLR01", "31-60", 1, "100000.00", "15848.61", "1921.15"),
    ("BLR01", "61-90", 1, "100000.00", "23891.98", "2762.66"),
    ("BLR01", "91+", 1, "100000.00", "40220.82", "4203.58"),
    ("PUN01", "0", 1, "84151.39", "0.00", "0.00"),
    ("PUN01", "1-30", 2, "184230.24", "15927.46", "1842.30"),
    ("PUN01", "31-60", 1, "100000.00", "15848.61", "1921.15"),
]
TOTALS = [
    ("*", "0", 2, "168302.78", "0.00", "0.00"),
    ("*", "1-30", 2, "184230.24", "15927.46", "1842.30"),
    ("*", "31-60", 2, "200000.00", "31697.22", "3842.30"),
    ("*", "61-90", 1, "100000.00", "23891.98", "2762.66"),
    ("*", "91+", 1, "100000.00", "40220.82", "4203.58"),
]
FIELDS = ("branch", "bucket", "loans", "principal_outstanding", "principal_overdue")


def _cells(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(*(row[f] for f in FIELDS), row["interest_overdue"]) for row in rows]


def test_the_portfolio_summary_by_branch_and_dpd_bucket_to_the_paisa(client: TestClient) -> None:
    response = client.get("/api/v1/portfolio/summary", params={"as_of": "2026-11-26"})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["as_of"] == "2026-11-26"
    assert summary["buckets"] == ["0", "1-30", "31-60", "61-90", "91+"]
    assert _cells(summary["cells"]) == SUMMARY
    assert _cells(summary["totals"]) == TOTALS
    assert client.get("/api/v1/portfolio/summary").json() == summary  # the last date closed


def test_a_branch_manager_sees_the_summary_of_their_branch_only(
    client: TestClient, db_url: str
) -> None:
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        summary = manager.get("/api/v1/portfolio/summary", params={"as_of": "2026-11-26"}).json()
    assert _cells(summary["cells"]) == [row for row in SUMMARY if row[0] == "PUN01"]
    assert _cells(summary["totals"]) == [
        ("*", "0", 1, "84151.39", "0.00", "0.00"),
        ("*", "1-30", 2, "184230.24", "15927.46", "1842.30"),
        ("*", "31-60", 1, "100000.00", "15848.61", "1921.15"),
        ("*", "61-90", 0, "0.00", "0.00", "0.00"),
        ("*", "91+", 0, "0.00", "0.00", "0.00"),
    ]


def test_a_summary_follows_a_later_close_that_restates_its_date(
    client: TestClient, engine: Engine
) -> None:
    """Loan 5 pays its two dues late, value-dated on their due dates: the close of 27 Nov
    restates 26 Nov, where loan 5 then owes nothing."""
    summary = {"as_of": "2026-11-26"}
    assert (
        _cells(client.get("/api/v1/portfolio/summary", params=summary).json()["cells"]) == SUMMARY
    )
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        for month in (10, 11):
            late = PaymentRequest(EMI, date(2026, month, 26), f"LATE-{month}", "neft")
            record_payment(uow, loan_id=5, request=late, posting_date=NOV27)
        uow.commit()
    close_day(sessions, NOV27)
    restated = client.get("/api/v1/portfolio/summary", params=summary).json()
    assert _cells(restated["cells"])[:2] == [
        ("BLR01", "0", 2, "168302.78", "0.00", "0.00"),
        ("BLR01", "61-90", 1, "100000.00", "23891.98", "2762.66"),
    ]
    assert _cells(restated["cells"])[2:] == SUMMARY[3:]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/loans", {"asset_class": "SMA-9"}, "asset_class"),
        ("/api/v1/loans", {"after": "-1"}, "after"),
        ("/api/v1/loans", {"after": "the first"}, "after"),
        ("/api/v1/loans", {"exact_total": "maybe"}, "exact_total"),
        ("/api/v1/loans", {"dpd_min": "40", "dpd_max": "10"}, "dpd_max"),
        ("/api/v1/loans/two/schedule", {}, "loan_id"),
        ("/api/v1/portfolio/summary", {"as_of": "2026-13-01"}, "as_of"),
        ("/api/v1/portfolio/summary", {"as_of": "2026-11-27"}, "as_of"),  # not closed yet
        ("/api/v1/portfolio/summary", {"as_of": "2026-11-20"}, "as_of"),  # never closed
    ],
)
def test_a_bad_parameter_is_a_problem_naming_it(
    client: TestClient, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_schedule_of_an_unknown_loan_is_not_found(client: TestClient) -> None:
    response = client.get("/api/v1/loans/999/schedule")
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM)


# each loan's line at the day-end of the business date, 27 Nov, worked by hand from the plan
# above: (borrower, principal outstanding, overdue, DPD, class); overdue is whole EMIs of
# 8,884.88; principal outstanding 1,00,000 less the principal of the EMIs paid (7,884.88 and
# 7,963.73)
LINES = {
    1: ("Borrower 1", "84151.39", "0.00", 0, "STD"),
    2: ("Borrower 2", "92115.12", "8884.88", 2, "SMA-0"),
    3: ("Borrower 3", "100000.00", "17769.76", 33, "SMA-1"),
    4: ("Borrower 4", "84151.39", "0.00", 0, "STD"),
    5: ("Borrower 5", "100000.00", "17769.76", 33, "SMA-1"),
    6: ("Borrower 6", "100000.00", "26654.64", 63, "SMA-2"),
    7: ("Borrower 7", "100000.00", "44424.40", 125, "NPA"),
    8: ("Borrower 8", "92115.12", "8884.88", 2, "SMA-0"),
    9: ("Borrower 9", "0.00", "0.00", 0, None),  # approved, not paid out: no class yet
}


def test_each_loan_in_the_list_carries_its_borrower_outstanding_overdue_dpd_and_class(
    client: TestClient,
) -> None:
    items = _page(client)["items"]
    fields = ("borrower", "principal_outstanding", "overdue", "dpd", "asset_class")
    assert {i["id"]: tuple(i[f] for f in fields) for i in items} == LINES


def test_the_list_by_dpd_bucket_and_unknown_filter_values_refused(client: TestClient) -> None:
    assert _ids(client, bucket="0") == [1, 4, 9]
    assert _ids(client, bucket="1-30") == [2, 8]
    assert _ids(client, bucket="31-60") == [3, 5]
    assert _ids(client, bucket="61-90") == [6]
    assert _ids(client, bucket="91+") == [7]
    assert _ids(client, bucket="31-60", branch="BLR01") == [5]
    assert _ids(client, bucket="1-30", dpd_min=3) == []  # both narrow the list
    for params, field in (({"status": "bogus"}, "status"), ({"bucket": "1-29"}, "bucket")):
        response = client.get("/api/v1/loans", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
        assert field in response.text


@pytest.mark.parametrize("replica", ["same", "dead"])
def test_the_summary_and_list_read_a_replica_that_answers_and_else_the_primary(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch, replica: str
) -> None:
    """A replica that answers and is not behind serves the reads (here the database itself
    plays an up-to-date standby; SQLite is no PostgreSQL standby, so it reads the primary);
    one that does not answer sends them to the primary: the same figures, no error."""
    url = db_url if replica == "same" else "postgresql://root@127.0.0.1:1/none"
    monkeypatch.setenv("LMS_DATABASE_REPLICA_URL", url)
    served = "replica" if replica == "same" and db_url.startswith("postgresql") else "primary"
    with api_client(db_url) as reader:
        for _ in range(2):  # a dead replica is not asked again at once: still the primary
            response = reader.get("/api/v1/portfolio/summary", params={"as_of": "2026-11-26"})
            assert response.status_code == 200, response.text
            assert response.headers["X-Read-From"] == served
            assert _cells(response.json()["cells"]) == SUMMARY
        listed = reader.get("/api/v1/loans", params={"dpd_min": 32})
        assert listed.headers["X-Read-From"] == served
        exported = reader.get("/api/v1/dashboards/buckets", params={"format": "csv"})
        assert (exported.status_code, exported.headers["X-Read-From"]) == (200, served)
        assert "x-read-from" not in reader.get("/api/v1/loans/1").headers  # the primary's
        assert [item["id"] for item in listed.json()["items"]] == [3, 5, 6, 7]
