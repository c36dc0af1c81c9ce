"""The dashboards on every database: each table's figures worked by hand from the book and
checked against plain SQL over the stored rows (not the dashboards' own queries), the same in
the API's JSON, CSV and XLSX and on the page; filters by branch, product and period.

The book is the read-side tests' (book_setup.nine_loans_closed): loans of 1,00,000 (no fees)
paid out on 26 Jun (loan 7), 26 Aug (6) and 26 Sep 2026 (1-5, 8); EMIs of 8,884.88 due on the
26th from the month after; loans 1 and 4 paid October and November, 2 and 8 October; closed
on 26 Nov (the business date 27 Nov); loan 7 is NPA.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from api_client import api_client, staff_browser
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from lms.close.runner import close_until
from lms.platform.db import make_engine, make_session_factory

EMI = D("8884.88")


@pytest.fixture
def book(nine_loans: str) -> str:
    return nine_loans


@pytest.fixture
def api(book: str) -> Iterator[TestClient]:
    with api_client(book, ("risk",)) as client:
        yield client


def _rows(client: TestClient, name: str, **params: object) -> list[list[Any]]:
    answer = client.get(f"/api/v1/dashboards/{name}", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[list[Any]] = answer.json()["rows"]
    return rows


def _plain_sql(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return found


def test_disbursements_by_month(book: str, api: TestClient) -> None:
    assert _rows(api, "disbursements") == [
        ["2026-06", 1, "100000.00", "100000.00"],
        ["2026-08", 1, "100000.00", "100000.00"],
        ["2026-09", 6, "600000.00", "600000.00"],
    ]
    months: dict[str, list[Any]] = defaultdict(lambda: [0, D(0)])
    for day, net in _plain_sql(book, "SELECT disbursed_on, net_disbursed FROM loans "
                                     "WHERE disbursed_on IS NOT NULL"):  # fmt: skip
        month = str(day)[:7]
        months[month][0] += 1
        months[month][1] += D(str(net)) / (10_000 if isinstance(net, int) else 1)
    assert [[m, n, f"{v:.2f}"] for m, (n, v) in sorted(months.items())] == [
        [r[0], r[1], r[3]] for r in _rows(api, "disbursements")
    ]
    assert _rows(api, "disbursements", branch="BLR01") == [
        ["2026-06", 1, "100000.00", "100000.00"],
        ["2026-08", 1, "100000.00", "100000.00"],
        ["2026-09", 2, "200000.00", "200000.00"],
    ]
    assert _rows(api, "disbursements", since="2026-08-01", until="2026-08-31") == [
        ["2026-08", 1, "100000.00", "100000.00"]
    ]


def test_collection_efficiency_by_month_of_due_date(book: str, api: TestClient) -> None:
    assert _rows(api, "collections") == [
        ["2026-07", f"{EMI}", "0.00", "0.00"],
        ["2026-08", f"{EMI}", "0.00", "0.00"],
        ["2026-09", f"{2 * EMI}", "0.00", "0.00"],
        ["2026-10", f"{8 * EMI}", f"{4 * EMI}", "50.00"],
        ["2026-11", f"{8 * EMI}", f"{2 * EMI}", "25.00"],
    ]
    # the same from the stored installments by plain SQL: what fell due by 27 Nov, what is paid
    stored = _plain_sql(book, "SELECT due_date, principal, interest, principal_paid, "
                              "interest_paid FROM loan_installments WHERE due_date <= '2026-11-27'")  # fmt: skip
    months: dict[str, list[D]] = defaultdict(lambda: [D(0), D(0)])
    for due, *amounts in stored:
        p, i, pp, ip = (D(str(a)) / (10_000 if isinstance(a, int) else 1) for a in amounts)
        months[str(due)[:7]][0] += p + i
        months[str(due)[:7]][1] += pp + ip
    assert [[m, f"{d:.2f}", f"{c:.2f}"] for m, (d, c) in sorted(months.items())] == [
        r[:3] for r in _rows(api, "collections")
    ]
    assert _rows(api, "collections", product_id=2) == [  # GL: loans 3 and 5, nothing paid
        ["2026-10", f"{2 * EMI}", "0.00", "0.00"],
        ["2026-11", f"{2 * EMI}", "0.00", "0.00"],
    ]


def test_buckets_and_npa_at_the_last_closed_date(book: str, api: TestClient) -> None:
    assert _rows(api, "buckets") == [
        ["0", 2, "168302.78", "0.00", "0.00"],
        ["1-30", 2, "184230.24", "15927.46", "1842.30"],
        ["31-60", 2, "200000.00", "31697.22", "3842.30"],
        ["61-90", 1, "100000.00", "23891.98", "2762.66"],
        ["91+", 1, "100000.00", "40220.82", "4203.58"],
    ]
    # 1,00,000 of 7,52,533.02 is NPA (loan 7): 13.29 %; no provisions away from a month end
    assert _rows(api, "npa") == [
        ["2026-11-26", "752533.02", "100000.00", "13.29", "0.00", "100000.00", "13.29"]
    ]
    snapshot = _plain_sql(book, "SELECT loan_id, principal_outstanding, asset_class FROM "
                                "loan_snapshots WHERE day = '2026-11-26' AND status = 'active'")  # fmt: skip
    total = sum(D(str(v)) / (10_000 if isinstance(v, int) else 1) for _, v, _ in snapshot)
    assert f"{total:.2f}" == "752533.02"
    assert _rows(api, "npa", branch="PUN01") == [
        ["2026-11-26", "368381.63", "0.00", "0.00", "0.00", "0.00", "0.00"]
    ]


def test_exports_and_the_page_show_the_api_figures(book: str, api: TestClient) -> None:
    wanted = _rows(api, "collections")
    as_csv = api.get("/api/v1/dashboards/collections", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.text)))[1:] == [
        [str(v) for v in row] for row in wanted
    ]
    as_xlsx = api.get("/api/v1/dashboards/collections", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["month", "demand", "collected", "efficiency_percent"]
    assert [[r[0], D(str(r[1])), D(str(r[2]))] for r in cells[1:]] == [
        [r[0], D(r[1]), D(r[2])] for r in wanted
    ]
    assert sheet.cell(2, 2).number_format.endswith("##,##0.00")  # Indian grouping
    with staff_browser(book, ("risk",)) as browser:
        page = browser.get("/app/dashboards")
        assert page.status_code == 200
        assert (
            '<th scope="row">2026-10</th><td class="num">71,079.04</td><td class="num">35,539.52</td><td class="num">50.00</td>'
            in page.text
        )
        export = browser.get("/app/dashboards/collections/export", params={"format": "csv"})
        assert export.text == as_csv.text
    assert api.get("/api/v1/dashboards/nothing").status_code == 404
    refused = api.get(
        "/api/v1/dashboards/npa", params={"since": "2026-12-01", "until": "2026-11-01"}
    )
    assert refused.status_code == 422 and "until" in refused.text


@pytest.fixture
def closed_through_december(book: str) -> str:
    """The book closed every day to 31 Dec 2026, nothing more paid: month ends 30 Nov, 31 Dec."""
    engine = make_engine(book)
    close_until(make_session_factory(engine), date(2026, 12, 31))
    engine.dispose()
    return book


def test_roll_rates_vintages_and_the_branch_league(closed_through_december: str) -> None:
    with api_client(closed_through_december, ("risk",)) as api:
        # 30 Nov: DPD 5 (loans 2, 8), 36 (3, 5), 66 (6), 128 (7), 0 (1, 4); nothing paid in
        # December, so on 31 Dec every loan is a bucket worse, but 91+, which stays
        rolls = api.get("/api/v1/dashboards/roll_rates").json()
        assert rolls["title"] == "Roll rates from 2026-11-30 to 2026-12-31"
        assert rolls["rows"] == [
            ["0", 2, "0.00", "100.00", "0.00", "0.00", "0.00", "0.00", "100.00"],
            ["1-30", 2, "0.00", "0.00", "100.00", "0.00", "0.00", "0.00", "100.00"],
            ["31-60", 2, "0.00", "0.00", "0.00", "100.00", "0.00", "0.00", "100.00"],
            ["61-90", 1, "0.00", "0.00", "0.00", "0.00", "100.00", "0.00", "100.00"],
            ["91+", 1, "0.00", "0.00", "0.00", "0.00", "100.00", "0.00", "0.00"],
        ]
        # cohorts: Jun (loan 7), Aug (6), Sep (1-5, 8): 30+ DPD at 30 Nov: 7, 6, 3, 5; at 31 Dec
        # also 2 and 8
        vintages = api.get("/api/v1/dashboards/vintages").json()
        assert vintages["columns"] == ["months_on_book", "2026-06", "2026-08", "2026-09"]
        assert vintages["rows"] == [
            [2, None, None, "33.33"],
            [3, None, "100.00", "66.67"],
            [4, None, "100.00", None],
            [5, "100.00", None, None],
            [6, "100.00", None, None],
        ]
        # 31 Dec: BLR01 4 (84,151.39, 6 DPD), 5 (67), 6 (97, NPA), 7 (NPA); PUN01 1 (6),
        # 2 (36), 3 (67), 8 (36); December's EMIs all unpaid
        league = api.get("/api/v1/dashboards/league").json()
        assert league["rows"] == [
            ["BLR01", 4, "384151.39", "78.09", "52.06", "0.00"],
            ["PUN01", 4, "368381.63", "77.16", "0.00", "0.00"],
        ]
        assert api.get("/api/v1/dashboards/league", params={"branch": "PUN01"}).json()["rows"] == [
            ["PUN01", 4, "368381.63", "77.16", "0.00", "0.00"]
        ]
