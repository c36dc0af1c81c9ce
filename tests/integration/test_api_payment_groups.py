"""Repayments over HTTP committed in groups (lms.interfaces.api.payment_groups): many at once
on a few loans give each request the answer of the single path (201 new, 200 for a retry,
409 for a reference another borrower used, 404 for no such loan), the loans' stored state
equals their replay and the ledger theirs; a group that fails as a whole is answered one by
one."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_api import LOAN, client  # noqa: F401  (the API over a book with one product)

from lms.interfaces.api import payment_groups
from lms.ledger.check import ledger_problems
from lms.platform.audit import AuditRecord
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.models import LoanEvent, LoanInstallment
from lms.servicing.service import loan_state

DAY = "2026-02-15"


def _loans(client: TestClient, count: int, customer: int = 1) -> list[int]:  # noqa: F811
    ids = []
    for k in range(count):
        body = {**LOAN, "external_id": f"G-{customer}-{k}", "customer_id": customer}
        loan = client.post("/api/v1/loans", json=body).json()
        assert client.post(f"/api/v1/loans/{loan['id']}/disbursement").status_code == 200
        ids.append(loan["id"])
    return ids


def _pay(client: TestClient, loan: int, reference: str, key: str | None = None) -> object:  # noqa: F811
    body = {"amount": "1000.00", "value_date": DAY, "reference": reference, "channel": "upi"}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/loans/{loan}/repayments", json=body, headers=headers)


def test_payments_taken_together_answer_as_one_by_one(
    client: TestClient,  # noqa: F811
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loans = _loans(client, 4)
    client.post("/api/v1/customers", json={"branch_code": "BLR01", "name": "Asha Rao"})
    [other] = _loans(client, 1, customer=2)
    assert _pay(client, other, "X-1").status_code == 201  # type: ignore[attr-defined]
    sizes: list[int] = []
    real = payment_groups.post_payments

    def counted(uow: UnitOfWork, payments: list[object], **kwargs: object) -> object:
        sizes.append(len(payments))
        return real(uow, payments, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(payment_groups, "post_payments", counted)
    calls = [(loans[n % 4], f"P-{n:02d}", f"K-{n:02d}") for n in range(24)]
    calls += [(loans[0], "P-00", "K-00"), (loans[1], "P-01", "K-01")]  # retries of two
    calls += [(loans[2], "X-1", None), (9999, "P-99", None)]  # another's reference; no loan
    answers: dict[int, object] = {}
    start = threading.Barrier(len(calls))

    def post(n: int) -> None:
        start.wait()
        answers[n] = _pay(client, *calls[n])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = [answers[n].status_code for n in range(len(calls))]  # type: ignore[attr-defined]
    assert sorted(codes[:24] + codes[24:26]) in ([201] * 24 + [200] * 2, [200] * 2 + [201] * 24)
    assert codes[26:] == [409, 404]
    assert answers[27].headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert sum(sizes) >= 24 and max(sizes) > 1  # grouped: some groups held several
    sessions = make_session_factory(make_engine(db_url))
    with UnitOfWork(sessions) as uow:
        paid = uow.session.scalars(
            select(LoanEvent.amount).where(LoanEvent.kind == "payment", LoanEvent.loan_id != other)
        )
        assert sum(paid, Decimal(0)) == Decimal("24000.00")  # each once, retries nothing
        assert loan_ledger_problems(uow) == []  # every loan's ledger equals its replay
        for loan_id in loans:  # and its stored installments the replayed ones
            state = loan_state(uow, loan_id=loan_id, as_of=date(2026, 2, 15))
            stored = uow.session.execute(
                select(LoanInstallment.principal_paid, LoanInstallment.interest_paid)
                .where(LoanInstallment.loan_id == loan_id)
                .order_by(LoanInstallment.number)
            ).all()
            assert [tuple(r) for r in stored] == [
                (i.principal_paid, i.interest_paid) for i in state.installments
            ]
        assert ledger_problems(uow.session) == []
    first = client.get(f"/api/v1/loans/{loans[0]}").json()["installments"][0]
    assert (first["interest_paid"], first["principal_paid"]) == ("1000.00", "5000.00")


def test_a_group_that_fails_is_answered_one_by_one(
    client: TestClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [loan] = _loans(client, 1)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the group cannot be written")

    monkeypatch.setattr(payment_groups, "post_payments", broken)
    answer = _pay(client, loan, "F-1", "F-1")
    assert answer.status_code == 201  # type: ignore[attr-defined]
    again = _pay(client, loan, "F-1", "F-1")
    assert again.status_code == 200  # type: ignore[attr-defined]
    assert again.json()["id"] == answer.json()["id"]  # type: ignore[attr-defined]


def test_a_grouped_payment_is_audited_with_its_own_request(
    client: TestClient,  # noqa: F811
    db_url: str,
) -> None:
    """The group's transaction is not the request's, yet each payment's audit records (its
    event, its loan's update) name the request that brought it and where it came from."""
    [loan] = _loans(client, 1)
    body = {"amount": "1000.00", "value_date": DAY, "reference": "UTR-AUD-1", "channel": "upi"}
    paid = client.post(f"/api/v1/loans/{loan}/repayments", json=body,
                       headers={"X-Request-ID": "req-pay-1"})  # fmt: skip
    assert paid.status_code == 201
    engine = make_engine(db_url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        records = uow.session.execute(
            select(
                AuditRecord.entity,
                AuditRecord.entity_id,
                AuditRecord.address,
                AuditRecord.actor.like("user:%"),
            )
            .where(AuditRecord.request_id == "req-pay-1")
            .order_by(AuditRecord.id)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in records] == [
        ("loan_events", str(paid.json()["id"]), "testclient", True),
        ("loans", str(loan), "testclient", True),  # its state moved on, written in two steps
        ("loans", str(loan), "testclient", True),
    ]
