"""The payment faults of issue 5 on one book, on every database: the same gateway webhook
delivered five times at once, a bank statement imported twice, and a NACH response file that
returns a debit already returned. Each posts once, nothing is lost (every credit is a loan's
repayment or in receipts suspense), and `lms ledger check` passes.

The book: three loans of 1,00,000 at 12 % for 12 months from 26 Sep 2026 (EMI 8,884.88 on the
26th): Ravi Kumar's (1), Sunita Devi's (2), Asha Rao's (3); Asha's has an eNACH mandate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date
from decimal import Decimal as D

from book_setup import book_of_loans
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.ledger.check import account_balances
from lms.payments.gateway import Razorpay
from lms.payments.gateway_service import receive_webhook
from lms.payments.models import PaymentOrder
from lms.payments.nach import MandateRequest, register_mandate
from lms.payments.nach_responses import apply_response
from lms.payments.reconcile import import_statement
from lms.platform.db import UnitOfWork
from lms.servicing.catalog import ProductRules
from lms.servicing.models import Loan, LoanEvent

OCT26 = date(2026, 10, 26)
GATEWAY = Razorpay("k", "s", "whsec", "http://127.0.0.1:9")  # no order is created over HTTP
STATEMENT = b""":20:FAULTS
:25:HDFC0000001/50200012345678
:28C:00001/001
:60F:C261025INR0,00
:61:2610261026C8884,88NTRFN261026000000001//HDFCN26102600001
:86:NEFT-N261026000000001-RAVI KUMAR-EMI PL-1
:61:2610261026C777,00NTRFNONREF
:86:CASH DEPOSIT
:62F:C261026INR9661,88
"""


def _webhook(order: str) -> bytes:
    entity = {"id": "pay_F1", "entity": "payment", "amount": 888488, "currency": "INR",
              "status": "captured", "order_id": order, "created_at": 1793001600}  # fmt: skip
    return json.dumps(
        {"event": "payment.captured", "payload": {"payment": {"entity": entity}}}
    ).encode()


def _count(sessions: sessionmaker[Session], kind: str, reference: str) -> int:
    with UnitOfWork(sessions) as uow:
        return int(uow.session.scalar(
            select(func.count()).select_from(LoanEvent)
            .where(LoanEvent.kind == kind, LoanEvent.reference == reference)
        ) or 0)  # fmt: skip


def test_each_fault_posts_once_and_the_ledger_checks(db_url: str, engine: Engine) -> None:
    people = ({"name": "Ravi Kumar"}, {"name": "Sunita Devi"}, {"name": "Asha Rao"})
    sessions = book_of_loans(db_url, engine, people, business_date=date(2026, 10, 25),
                             rules=ProductRules(bounce_charge=(D(500), D(18))))  # fmt: skip
    with UnitOfWork(sessions) as uow:
        mandate = MandateRequest("enach", "monthly", "maximum", D(10000), date(2026, 9, 26), None,
                                 "Asha Rao", "50100012345678", "HDFC0001234", "HDFC7010000000055555")  # fmt: skip
        register_mandate(uow, loan_id=3, request=mandate)
        uow.session.add(PaymentOrder(gateway="razorpay", order_ref="order_F1", loan_id=2,
                                     amount=D("8884.88"), receipt="L2-f", status="created",
                                     created_at=uow.session.get(Loan, 2).created_at))  # type: ignore[union-attr]  # fmt: skip
        uow.commit()
    close_until(sessions, OCT26)  # Asha's EMI is presented and posted on 26 Oct

    body = _webhook("order_F1")
    signature = hmac.new(b"whsec", body, hashlib.sha256).hexdigest()
    start, outcomes = threading.Barrier(5), []

    def deliver() -> None:
        start.wait()
        with UnitOfWork(sessions) as uow:
            outcomes.append(receive_webhook(uow, GATEWAY, body=body, signature=signature,
                                            event_id="evt_F1", posting_date=OCT26).outcome)  # fmt: skip
            uow.commit()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["posted", "repeat", "repeat", "repeat", "repeat"]

    for _ in range(2):
        with UnitOfWork(sessions) as uow:
            import_statement(uow, STATEMENT, posting_date=OCT26)
            uow.commit()

    returned = b"reference,status,reason_code\nN26102600000000301,returned,04\n"
    results = []
    for _ in range(2):
        with UnitOfWork(sessions) as uow:
            results.append(apply_response(uow, returned, posting_date=OCT26))
            uow.commit()
    assert [(r.returned, r.repeated) for r in results] == [(1, 0), (0, 1)]

    assert _count(sessions, "payment", "pay_F1") == 1
    assert _count(sessions, "payment", "N261026000000001") == 1
    assert _count(sessions, "reversal", "N26102600000000301") == 1
    assert _count(sessions, "charge", "bounce:N26102600000000301") == 1  # one bounce charge
    with UnitOfWork(sessions) as uow:
        balances = account_balances(uow.session)
    assert balances["receipts_suspense"] == -D("777.00")  # the cash deposit, kept, once
    # money in: two EMIs posted (gateway, statement), the cash deposit held; Asha's debit
    # came in and went back out
    assert balances["collection_bank"] == 2 * D("8884.88") + D("777.00")
    check = CliRunner().invoke(app, ["ledger", "check", "--database-url", db_url])
    assert check.exit_code == 0, check.output
