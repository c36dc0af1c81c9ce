"""A payment gateway on every database, with Razorpay's API shape: an order created over HTTP
(against a stand-in for Razorpay's orders endpoint, run here), webhooks verified by their
HMAC-SHA256 signature and posted exactly once (also when five deliveries arrive at once), the
settlement report reconciled and its fees booked once.

The book: one loan of 1,00,000 at 12 % for 12 months from 26 Sep 2026 (EMI 8,884.88),
business date 26 Nov 2026.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from api_client import api_client
from book_setup import book_of_loans, sound
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lms.ledger.check import account_balances
from lms.payments.gateway import GatewayError, Razorpay
from lms.payments.gateway_service import (
    SignatureError,
    WebhookResult,
    create_payment_order,
    import_settlement,
    receive_webhook,
)
from lms.payments.models import GatewayEvent, GatewaySettlement
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.servicing.models import LoanEvent
from lms.servicing.service import loan_state

DAY = date(2026, 11, 26)
SECRET = "whsec_test"
SEEN: list[dict[str, Any]] = []


class _Orders(BaseHTTPRequestHandler):
    """Razorpay's POST /v1/orders, as documented: basic auth, amounts in paise."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        wanted = "Basic " + base64.b64encode(b"rzp_test_key:rzp_test_secret").decode()
        if self.path != "/v1/orders" or self.headers.get("Authorization") != wanted:
            self._answer(401, {"error": {"code": "BAD_REQUEST_ERROR"}})
            return
        SEEN.append(body)
        order = {"id": f"order_T{len(SEEN):04d}", "entity": "order", "status": "created",
                 "amount": body["amount"], "currency": body["currency"], "receipt": body["receipt"]}  # fmt: skip
        self._answer(200, order)

    def _answer(self, code: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def razorpay() -> Iterator[Razorpay]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Orders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Razorpay(
        "rzp_test_key", "rzp_test_secret", SECRET, f"http://127.0.0.1:{server.server_port}"
    )
    server.shutdown()


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    return book_of_loans(db_url, engine, ({"name": "Ravi Kumar"},))


def _event(name: str, order: str, payment: str = "pay_T0001", amount: int = 888488) -> bytes:
    entity = {"id": payment, "entity": "payment", "amount": amount, "currency": "INR",
              "status": "captured", "order_id": order, "method": "upi", "created_at": 1795680000}  # fmt: skip
    body = {"entity": "event", "account_id": "acc_T", "event": name, "contains": ["payment"],
            "payload": {"payment": {"entity": entity}}, "created_at": 1795680000}  # fmt: skip
    return json.dumps(body).encode()


def _signed(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def _order(sessions: sessionmaker[Session], razorpay: Razorpay) -> str:
    with UnitOfWork(sessions) as uow:
        order = create_payment_order(uow, razorpay, loan_id=1, amount=D("8884.88"))
        uow.commit()
        return order.order_ref


def _deliver(
    sessions: sessionmaker[Session], gateway: Razorpay, body: bytes, event: str
) -> WebhookResult:
    with UnitOfWork(sessions) as uow:
        result = receive_webhook(uow, gateway, body=body, signature=_signed(body), event_id=event,
                                 posting_date=DAY)  # fmt: skip
        uow.commit()
    return result


def _payments(sessions: sessionmaker[Session]) -> int:
    with UnitOfWork(sessions) as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(LoanEvent).where(LoanEvent.kind == "payment")
            )
            or 0
        )


def test_an_order_its_webhook_and_a_forged_one(
    book: sessionmaker[Session], razorpay: Razorpay
) -> None:
    """The order goes to the gateway in paise with our receipt; the captured payment's
    webhook pays October's EMI (its value date, 26 Nov in India, is the payment's time);
    a body with a wrong signature is refused and writes nothing."""
    order = _order(book, razorpay)
    assert order.startswith("order_T") and SEEN[-1]["amount"] == 888488
    assert SEEN[-1]["receipt"].startswith("L1-") and SEEN[-1]["notes"] == {"loan_id": "1"}
    forged = _event("payment.captured", order, amount=10_000_000)
    with UnitOfWork(book) as uow, pytest.raises(SignatureError):
        receive_webhook(uow, razorpay, body=forged, signature=_signed(b"other"), event_id="evt_F",
                        posting_date=DAY)  # fmt: skip
    assert _payments(book) == 0
    result = _deliver(book, razorpay, _event("payment.captured", order), "evt_1")
    assert (result.outcome, result.payment_ref, result.loan_id) == ("posted", "pay_T0001", 1)
    with UnitOfWork(book) as uow:
        state = loan_state(uow, loan_id=1, as_of=DAY)
        event = uow.session.scalar(select(LoanEvent).where(LoanEvent.kind == "payment"))
        assert event is not None and (event.reference, event.channel, event.value_date) == (
            "pay_T0001", "gateway", DAY,
        )  # fmt: skip
    assert state.installments[0].unpaid == 0
    with pytest.raises(GatewayError, match="refused"):
        Razorpay("rzp_test_key", "wrong", SECRET, razorpay.base_url).create_order(D(1), "r", {})
    sound(book)


def test_five_deliveries_at_once_post_one_payment(
    book: sessionmaker[Session], razorpay: Razorpay
) -> None:
    """Three retries of payment.captured and two of order.paid (another event, the same
    payment), all at once: one payment, one 'posted', four repeats."""
    order = _order(book, razorpay)
    deliveries = [(_event("payment.captured", order), "evt_1")] * 3 + [
        (_event("order.paid", order), "evt_2")
    ] * 2
    results: list[str] = []
    start = threading.Barrier(len(deliveries))

    def deliver(body: bytes, event: str) -> None:
        start.wait()
        results.append(_deliver(book, razorpay, body, event).outcome)

    threads = [threading.Thread(target=deliver, args=d) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["posted", "repeat", "repeat", "repeat", "repeat"]
    assert _payments(book) == 1
    with UnitOfWork(book) as uow:
        taken = uow.session.scalar(select(func.count()).select_from(GatewayEvent))
    assert taken == 2  # each event id once
    sound(book)


SETTLEMENT = (
    "entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,"
    "settled_at,settlement_id,description,order_id,method\n"
    "pay_T0001,payment,0,888488,888488,INR,17770,3199,0,1,1795680000,1795766400,setl_T1,,{order},upi\n"
    "pay_UNKNOWN,payment,0,50000,50000,INR,1000,180,0,1,1795680000,1795766400,setl_T1,,order_X,card\n"
    "rfnd_T1,refund,10000,0,10000,INR,0,0,0,1,1795680000,1795766400,setl_T1,,,\n"
)


def test_the_settlement_report_and_its_fees(
    book: sessionmaker[Session], razorpay: Razorpay
) -> None:
    """pay_T0001 is in the book with the same amount: matched; pay_UNKNOWN is not; the refund
    row is no repayment. The fees the gateway kept, 177.70 + 10.00, include their GST, 31.99 +
    1.80 (as Razorpay reports them): 153.91 of fees and 33.79 of input tax are booked once; the
    same report again adds nothing."""
    order = _order(book, razorpay)
    _deliver(book, razorpay, _event("payment.captured", order), "evt_1")
    report = SETTLEMENT.format(order=order).encode()
    with UnitOfWork(book) as uow:
        first = import_settlement(
            uow, razorpay, content=report, signature=_signed(report), posting_date=DAY
        )
        again = import_settlement(
            uow, razorpay, content=report, signature=_signed(report), posting_date=DAY
        )
        uow.commit()
    assert (first.rows, first.new, first.matched, first.unknown) == (2, 2, 1, 1)
    assert (first.fees, first.taxes) == (D("187.70"), D("33.79"))
    assert (again.new, again.fees) == (0, 0)
    with UnitOfWork(book) as uow:
        balances = account_balances(uow.session)
    assert (balances["gateway_fees"], balances["input_tax"]) == (D("153.91"), D("33.79"))
    assert balances["collection_bank"] == D("8884.88") - D("187.70")
    sound(book)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("17770,3199", "100000000000,3199"), "a fee above the payment or a tax above the fee"),
        (("17770,3199", "17770,17771"), "a fee above the payment or a tax above the fee"),
        (("888488,INR,17770", "-5,INR,17770"), "amounts must be positive"),
        (("1795766400,setl_T1,,{order}", "1895766400,setl_T1,,{order}"), "after today"),
        (("1795766400,setl_T1,,{order}", "99999999999999999999,setl_T1,,{order}"), "not a razor"),
    ],
    ids=["fee", "tax", "negative", "future", "overflow"],
)
def test_an_implausible_or_unsigned_settlement_writes_nothing(
    book: sessionmaker[Session], razorpay: Razorpay, change: tuple[str, str], reason: str
) -> None:
    order = _order(book, razorpay)
    _deliver(book, razorpay, _event("payment.captured", order), "evt_1")
    good = SETTLEMENT.format(order=order).encode()
    bad = SETTLEMENT.replace(*change).format(order=order).encode()
    with UnitOfWork(book) as uow, pytest.raises(InvalidError, match=reason):
        import_settlement(uow, razorpay, content=bad, signature=_signed(bad), posting_date=DAY)
    for signature in ("", _signed(b"another file"), "0" * 64):  # unsigned, replayed, forged
        with UnitOfWork(book) as uow, pytest.raises(SignatureError):
            import_settlement(uow, razorpay, content=good, signature=signature, posting_date=DAY)
    with UnitOfWork(book) as uow:
        assert uow.session.scalar(select(func.count()).select_from(GatewaySettlement)) == 0
        assert account_balances(uow.session).get("gateway_fees", D(0)) == 0


def test_the_api(
    book: sessionmaker[Session], db_url: str, razorpay: Razorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("KEY_ID", "rzp_test_key"), ("KEY_SECRET", "rzp_test_secret"),
                        ("WEBHOOK_SECRET", SECRET), ("URL", razorpay.base_url)):  # fmt: skip
        monkeypatch.setenv(f"LMS_RAZORPAY_{name}", value)
    with api_client(db_url) as client:
        made = client.post("/api/v1/loans/1/payment-orders", json={"amount": "8884.88"})
        assert made.status_code == 201, made.text
        body = _event("payment.captured", made.json()["order_ref"])
        forged = client.post("/api/v1/gateways/razorpay/webhook", content=body,
                             headers={"X-Razorpay-Signature": "0" * 64})  # fmt: skip
        assert forged.status_code == 401
        assert forged.headers["content-type"] == "application/problem+json"
        headers = {"X-Razorpay-Signature": _signed(body), "X-Razorpay-Event-Id": "evt_9"}
        taken = client.post("/api/v1/gateways/razorpay/webhook", content=body, headers=headers)
        again = client.post("/api/v1/gateways/razorpay/webhook", content=body, headers=headers)
        assert (taken.json()["outcome"], again.json()["outcome"]) == ("posted", "repeat")
        assert client.post("/api/v1/gateways/paypal/webhook", content=b"{}").status_code == 404
        report = SETTLEMENT.format(order=made.json()["order_ref"]).encode()
        unsigned = client.post("/api/v1/gateways/razorpay/settlements", content=report)
        assert unsigned.status_code == 422
        assert unsigned.json()["errors"][0]["field"] == "X-Razorpay-Signature"
        signed = client.post("/api/v1/gateways/razorpay/settlements", content=report,
                             headers={"X-Razorpay-Signature": _signed(report)})  # fmt: skip
        assert (signed.status_code, signed.json()["matched"]) == (200, 1), signed.text
        bad = client.post("/api/v1/loans/1/payment-orders", json={"amount": "-1"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    assert _payments(book) == 1
    sound(book)


def test_money_for_an_unknown_order_is_held_not_lost(book: sessionmaker[Session]) -> None:
    result = _deliver(
        book, GATEWAY_FOR_TESTS, _event("payment.captured", "order_NOPE", "pay_X"), "evt_X"
    )
    assert result.outcome == "unknown_order" and _payments(book) == 0
    with UnitOfWork(book) as uow:
        assert account_balances(uow.session)["receipts_suspense"] == -D("8884.88")
    sound(book)


GATEWAY_FOR_TESTS = Razorpay("rzp_test_key", "rzp_test_secret", SECRET, "http://127.0.0.1:9")
