"""The REST API over every configured database: booking to repayment, and problem+json errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from api_client import api_client, approved
from fastapi.testclient import TestClient
from pypdf import PdfReader

from lms.documents.display import amount
from lms.platform.business_date import set_business_date
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade

PROBLEM = "application/problem+json"
LOAN = {
    "external_id": "LOS-77",
    "branch_code": "BLR01",
    "customer_id": 1,
    "product_code": "TW",
    "principal": "100000",
    "annual_rate": "12",
    "installments": 12,
    "disbursement_date": "2026-01-15",
}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    upgrade(db_url)
    with api_client(db_url) as test_client:
        assert (
            test_client.post(
                "/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"}
            ).status_code
            == 201
        )
        customer = test_client.post(
            "/api/v1/customers",
            json={
                "branch_code": "BLR01",
                "name": "Ravi Kumar",
                "pan": "ABCDE1234F",
                "aadhaar": "123412341234",
            },
        )
        assert customer.json() == {
            "id": 1,
            "branch_code": "BLR01",
            "name": "Ravi Kumar",
            "pan": "XXXXX1234X",
            "aadhaar": "XXXX XXXX 1234",
            "kind": "individual",
            "phone": None,
            "email": None,
            "date_of_birth": None,
            "addresses": [],
            "masked": False,
        }
        product = {
            "code": "TW",
            "name": "Two-wheeler",
            "settings": {},
            "amount": {"min": "10000", "max": "300000"},
            "rate": {"min": "9", "max": "26"},
            "tenure": {"min": "6", "max": "48"},
        }
        assert test_client.post("/api/v1/products", json=product).status_code == 201
        yield test_client


def test_book_disburse_repay_and_read(client: TestClient) -> None:
    booked = client.post("/api/v1/loans", json=LOAN)
    assert booked.status_code == 201
    loan = booked.json()
    assert (loan["status"], loan["emi"], loan["apr"]) == ("approved", "8884.88", "12.00")
    assert client.post("/api/v1/loans", json=LOAN).status_code == 200  # the same application again
    assert client.post(f"/api/v1/loans/{loan['id']}/disbursement").json()["status"] == "active"
    payment = {"amount": "10000", "value_date": "2026-02-15", "reference": "UTR9", "channel": "upi"}
    first = client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json=payment, headers={"Idempotency-Key": "p1"}
    )
    retry = client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json=payment, headers={"Idempotency-Key": "p1"}
    )
    assert (first.status_code, retry.status_code, retry.json()["id"]) == (
        201,
        200,
        first.json()["id"],
    )
    state = client.get(f"/api/v1/loans/{loan['id']}", params={"as_of": "2026-02-15"}).json()
    assert (state["principal_outstanding"], state["excess"], state["dpd"]) == (
        "92115.12",
        "1115.12",
        0,
    )
    assert state["installments"][0]["unpaid"] == "0.00"
    reversal = client.post(
        f"/api/v1/loans/{loan['id']}/repayments/{first.json()['id']}/reversal",
        json={"known_on": "2026-02-18"},
    )
    assert reversal.status_code == 201
    state = client.get(f"/api/v1/loans/{loan['id']}", params={"as_of": "2026-02-18"}).json()
    assert (state["principal_outstanding"], state["excess"], state["dpd"]) == (
        "100000.00",
        "0.00",
        4,
    )
    page = client.get("/api/v1/loans", params={"status": "active", "branch": "BLR01"}).json()
    assert (page["total"], [item["external_id"] for item in page["items"]]) == (1, ["LOS-77"])
    quote = client.get(
        f"/api/v1/loans/{loan['id']}/foreclosure-quote", params={"on": "2026-02-28"}
    ).json()
    # nothing paid (the payment was returned): 1,00,000 + installment 1's 1,000.00 + 13 days'
    # interest on 92,115.12 (0 + 393.70)
    assert (quote["principal"], quote["interest"], quote["payable"]) == (
        "100000.00",
        "1393.70",
        "101393.70",
    )
    closed = client.post(
        f"/api/v1/loans/{loan['id']}/foreclosure",
        json={"on": "2026-02-28", "reference": "FC1", "channel": "neft"},
    )
    assert closed.status_code == 201, closed.json()
    assert closed.json()["paid"] == "101393.70"
    assert client.get(f"/api/v1/loans/{loan['id']}").json()["loan"]["status"] == "closed"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/v1/loans", {**LOAN, "principal": "-5"}, 422, "principal"),
        ("/api/v1/loans", {**LOAN, "colour": "red"}, 422, "colour"),
        ("/api/v1/loans", {**LOAN, "external_id": "X", "principal": "500000"}, 422, "principal"),
        ("/api/v1/loans", {**LOAN, "product_code": "NOPE"}, 404, None),
    ],
)
def test_errors_are_problem_json(
    client: TestClient, path: str, body: dict[str, object], status: int, field: str | None
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]]
    assert client.get("/api/v1/loans").json()["total"] == 0  # nothing was written


def test_conflicts(client: TestClient) -> None:
    loan = client.post("/api/v1/loans", json=LOAN).json()
    other = client.post("/api/v1/loans", json={**LOAN, "principal": "90000"})
    assert (other.status_code, other.json()["title"]) == (409, "Conflict")
    early = client.post(
        f"/api/v1/loans/{loan['id']}/repayments",
        json={"amount": "100", "value_date": "2026-02-15", "reference": "U1", "channel": "upi"},
    )
    assert early.status_code == 409
    assert early.json()["detail"] == f"loan {loan['id']} is approved; payments need an active loan"
    assert client.get("/api/v1/loans/999").status_code == 404


def test_api_docs_load_nothing_from_the_internet(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert "/api/v1/loans/{loan_id}/repayments" in client.get("/openapi.json").json()["paths"]


def test_statement_and_kfs_documents(client: TestClient) -> None:

    loan = client.post("/api/v1/loans", json=LOAN).json()
    assert client.get(f"/api/v1/loans/{loan['id']}/statement").status_code == 409  # not disbursed
    client.post(f"/api/v1/loans/{loan['id']}/disbursement")
    payment = {
        "amount": "8884.88",
        "value_date": "2026-02-15",
        "reference": "UTR9",
        "channel": "upi",
    }
    client.post(f"/api/v1/loans/{loan['id']}/repayments", json=payment)
    lines = client.get(
        f"/api/v1/loans/{loan['id']}/statement", params={"as_of": "2026-02-28"}
    ).json()
    assert [(line["kind"], line["amount"], line["balance"]) for line in lines] == [
        ("disbursement", "-100000.00", "100000.00"),
        ("payment", "8884.88", "92115.12"),
    ]
    csv_text = client.get(
        f"/api/v1/loans/{loan['id']}/statement", params={"as_of": "2026-02-28", "format": "csv"}
    )
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert (
        csv_text.text.splitlines()[2]
        == "2026-02-15,payment,UTR9,8884.88,7884.88,1000.00,0.00,92115.12"
    )
    pdf = client.get(
        f"/api/v1/loans/{loan['id']}/statement", params={"as_of": "2026-02-28", "format": "pdf"}
    )
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    flat = " ".join(text.split())
    for part in (
        "Loan statement · LOS-77 (loan 1)", "From 15 Jan 2026 to 28 Feb 2026",
        "Borrower Ravi Kumar PAN XXXXX1234X", "Installment (EMI) ₹8,884.88",
        "Principal outstanding ₹92,115.12", "Overdue ₹0.00 (of which charges ₹0.00)",
        "Days past due 0", "Next installment ₹8,884.88 on 15 Mar 2026",
        "15 Jan 2026 opening balance ₹0.00",
        "15 Jan 2026 disbursement -₹1,00,000.00 ₹1,00,000.00",
        "15 Feb 2026 payment UTR9 ₹8,884.88 7,884.88 1,000.00 ₹92,115.12",
        "closing balance ₹92,115.12",
    ):  # fmt: skip
        assert part in flat, part
    later = client.get(f"/api/v1/loans/{loan['id']}/statement",
                       params={"as_of": "2026-02-28", "since": "2026-02-01", "format": "pdf"})  # fmt: skip
    flat = " ".join(PdfReader(io.BytesIO(later.content)).pages[0].extract_text().split())
    assert "From 1 Feb 2026 to 28 Feb 2026" in flat
    assert "1 Feb 2026 opening balance ₹1,00,000.00" in flat and "disbursement" not in flat
    kfs = client.get(f"/api/v1/loans/{loan['id']}/kfs.pdf")
    assert kfs.headers["content-type"] == "application/pdf"
    kfs_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(kfs.content)).pages)
    for fact in (
        "KFS-LOS-77",
        "Installment (EMI)\n₹8,884.88, 12 of them",
        "Total amount to be paid\n₹1,06,618.53",
        "Annual percentage rate (APR)\n12.00 %",
        "PAN XXXXX1234X; Aadhaar XXXX XXXX 1234",
        "Annex: computation of the APR",
    ):
        assert fact in kfs_text


def test_prepayment_and_the_dpd_filter(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Business date 20 Apr 2026. Loan A pays its first two EMIs and prepays 20,000 (reduce
    EMI): its oldest unpaid installment falls due 15 Apr, so 6 days past due. Loan B pays
    nothing: 15 Feb to 20 Apr is 65 days past due."""
    monkeypatch.setattr("lms.interfaces.api.app.business_date", lambda: date(2026, 4, 20))
    ids = []
    for external_id in ("LOS-A", "LOS-B"):
        loan = client.post("/api/v1/loans", json={**LOAN, "external_id": external_id}).json()
        client.post(f"/api/v1/loans/{loan['id']}/disbursement")
        ids.append(loan["id"])
    a, b = ids
    for day, ref in (("2026-02-15", "E1"), ("2026-03-15", "E2")):
        pay = {"amount": "8884.88", "value_date": day, "reference": ref, "channel": "nach"}
        assert client.post(f"/api/v1/loans/{a}/repayments", json=pay).status_code == 201
    prepay = {
        "amount": "20000",
        "value_date": "2026-04-10",
        "reference": "PRE-1",
        "channel": "neft",
        "reschedule": "reduce_emi",
    }
    made = client.post(f"/api/v1/loans/{a}/prepayments", json=prepay)
    assert (made.status_code, made.json()["kind"]) == (201, "prepayment")
    state = client.get(f"/api/v1/loans/{a}", params={"as_of": "2026-04-20"}).json()
    assert (state["principal_prepaid"], state["principal_outstanding"], state["dpd"]) == (
        "20000.00",
        "64151.39",
        6,
    )
    assert state["installments"][3]["principal"] == "6193.04"  # EMI 6,773.24 - 580.20

    def listed(**params: object) -> list[int]:
        page = client.get("/api/v1/loans", params=params).json()
        return [item["id"] for item in page["items"]]

    assert listed(dpd_min=1, dpd_max=30) == [a]
    assert listed(dpd_min=31) == [b]
    assert listed(dpd_max=0) == []
    assert listed(dpd_min=6, dpd_max=6) == [a]
    bad = client.post(f"/api/v1/loans/{a}/prepayments", json={**prepay, "reschedule": "both"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    everything = {**prepay, "amount": "70000", "reference": "PRE-2"}
    refused = client.post(f"/api/v1/loans/{a}/prepayments", json=everything)
    assert refused.status_code == 409 and "foreclose" in refused.json()["detail"]


def test_floating_products_benchmarks_parties_and_consents(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lms.interfaces.api.app.business_date", lambda: date(2026, 4, 20))
    home = {
        "code": "HL",
        "name": "Home loan",
        "amount": {"min": "100000", "max": "10000000"},
        "rate": {"min": "7", "max": "14"},
        "tenure": {"min": "12", "max": "360"},
        "rate_type": "floating",
        "benchmark": "REPO",
        "foreclosure_charge": "2",
        "foreclosure_charge_tax": "18",
        "penal_charge": "24",
    }
    assert client.post("/api/v1/products", json=home).status_code == 201
    unnamed = client.post("/api/v1/products", json={**home, "benchmark": None})
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "benchmark"
    published = client.post(
        "/api/v1/benchmarks/REPO/rates", json={"effective_from": "2025-12-01", "rate": "6.5"}
    )
    assert published.status_code == 202  # waits for a second person
    assert approved(db_url, published.json())["loans"] == []
    co = client.post(
        "/api/v1/customers",
        json={
            "branch_code": "BLR01",
            "name": "Anil Kumar",
            "addresses": [{"kind": "current", "text": "12 MG Road, Bengaluru", "pin": "560001"}],
        },
    ).json()
    consent = {
        "purpose": "bureau_pull",
        "given_on": "2026-01-10",
        "channel": "otp",
        "text_version": "v3",
    }
    assert client.post(f"/api/v1/customers/{co['id']}/consents", json=consent).status_code == 201
    listed = client.get(f"/api/v1/customers/{co['id']}/consents").json()
    assert [(c["purpose"], c["given_on"], c["text_version"]) for c in listed] == [
        ("bureau_pull", "2026-01-10", "v3")
    ]
    assert client.get(f"/api/v1/customers/{co['id']}").json()["addresses"] == [
        {"kind": "current", "text": "12 MG Road, Bengaluru", "pin": "560001"}
    ]
    loan = {
        **LOAN,
        "external_id": "LOS-HL-1",
        "product_code": "HL",
        "principal": "500000",
        "annual_rate": "9",
        "parties": [{"customer_id": co["id"], "role": "co_borrower"}],
        "disbursement_account": {
            "ifsc": "HDFC0001234",
            "account_number": "50100012345678",
            "holder": "Ravi Kumar",
        },
        "documents": [{"kind": "agreement", "reference": "DMS-1"}],
    }
    booked = client.post("/api/v1/loans", json=loan).json()
    assert booked["spread"] == "2.50"
    assert booked["disbursement_account"]["account_number"] == "XXXXXXXXXX5678"
    client.post(f"/api/v1/loans/{booked['id']}/disbursement")
    kfs = client.get(f"/api/v1/loans/{booked['id']}/kfs.pdf")
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(kfs.content)).pages
    ).replace("\n", " ")
    monthly = Fraction(925, 120000)  # 9.25 % a year
    emi = 500000 * monthly / (1 - (1 + monthly) ** -12)
    emi_text = str((Decimal(emi.numerator) / emi.denominator).quantize(Decimal("0.01")))
    grouped = amount(Decimal(emi_text), rupee=True)  # ₹43,7xx.xx
    assert f"9 %, floating: REPO + spread 2.50; a 0.25% rise: EMI {grouped}" in text
    assert "foreclosure and part-prepayment: no charge (floating rate, individual)" in text
    assert "penal charge 24% a year on the overdue amount" in text
    moved = client.post(
        "/api/v1/benchmarks/REPO/rates", json={"effective_from": "2026-04-10", "rate": "6.25"}
    ).json()
    unmoved = client.get(f"/api/v1/loans/{booked['id']}", params={"as_of": "2026-04-20"}).json()
    assert unmoved["annual_rate"] == "9.00"  # not yet approved: nothing re-priced
    own = client.post(f"/api/v1/approvals/{moved['id']}/approval", json={})
    assert own.status_code == 409 and "maker" in own.json()["detail"]
    assert approved(db_url, moved)["loans"] == [booked["id"]]
    state = client.get(f"/api/v1/loans/{booked['id']}", params={"as_of": "2026-04-20"}).json()
    assert state["annual_rate"] == "8.75"
    quote = client.get(
        f"/api/v1/loans/{booked['id']}/foreclosure-quote", params={"on": "2026-04-20"}
    ).json()
    assert quote["foreclosure_charge"] == "0.00"  # floating, to an individual: none (RBI)
    switched = client.post(
        f"/api/v1/loans/{booked['id']}/rate-changes",
        json={
            "day": "2026-04-15",
            "annual_rate": "9.5",
            "reschedule": "reduce_emi",
            "reference": "SWITCH-1",
        },
    )
    assert switched.status_code == 201
    later = client.post(
        f"/api/v1/loans/{booked['id']}/rate-changes",
        json={
            "day": "2026-05-01",
            "annual_rate": "9",
            "reschedule": "reduce_emi",
            "reference": "X",
        },
    )
    assert later.status_code == 422 and later.json()["errors"][0]["field"] == "day"


def test_the_business_date_in_the_book_bounds_value_dates(client: TestClient, db_url: str) -> None:
    engine = make_engine(db_url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        set_business_date(uow, date(2026, 2, 20))
        uow.commit()
    engine.dispose()
    loan = client.post("/api/v1/loans", json=LOAN).json()
    client.post(f"/api/v1/loans/{loan['id']}/disbursement")
    pay = {"amount": "8884.88", "value_date": "2026-02-21", "reference": "U1", "channel": "upi"}
    future = client.post(f"/api/v1/loans/{loan['id']}/repayments", json=pay)
    assert future.status_code == 422 and future.headers["content-type"] == PROBLEM
    assert future.json()["errors"] == [
        {
            "field": "value_date",
            "reason": "is after the posting date 2026-02-20: money not yet received",
        }
    ]
    today = client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json={**pay, "value_date": "2026-02-20"}
    )
    assert today.status_code == 201
    state = client.get(f"/api/v1/loans/{loan['id']}").json()
    assert state["as_of"] == "2026-02-20"  # read as of the business date, not the clock
