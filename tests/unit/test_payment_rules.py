"""Each payment rule (lms.servicing.payment_rules) on small examples, with exact values: the
checks and their reasons, retries and reference conflicts, what is owed on a value date, the
oldest unpaid due date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lms.core.allocation import STANDARD, Bucket, Component, Owed, Waterfall
from lms.core.book import InstallmentState
from lms.core.events import Charge
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import LoanEvent
from lms.servicing.payment_rules import (
    Payable,
    PaymentRequest,
    check,
    first_unpaid_due,
    owed_on,
    repeated,
)

OCT, NOV, DEC, JAN = date(2026, 10, 26), date(2026, 11, 26), date(2026, 12, 26), date(2027, 1, 26)
LOAN = Payable(7, 3, "active", date(2026, 9, 26), D("0.01"))
ROWS = (
    InstallmentState(1, OCT, D(900), D(100), D(0), D(100)),
    InstallmentState(2, NOV, D(910), D(90), D(0), D(0)),
    InstallmentState(3, DEC, D(920), D(80), D(0), D(0)),
)


def _request(amount: str = "100.00", day: date = NOV, key: str | None = None) -> PaymentRequest:
    return PaymentRequest(D(amount), day, "UTR1", "neft", key)


@pytest.mark.parametrize(
    ("loan", "request_", "reason"),
    [
        (Payable(7, 3, "closed", OCT, D("0.01")), _request(), "loan 7 is closed; payments"
         " need an active loan"),
        (LOAN, _request("0"), "amount: must be greater than zero"),
        (LOAN, _request("-5"), "amount: must be greater than zero"),
        (LOAN, _request("100.005"), "amount: must be a multiple of the loan's precision 0.01"),
        (Payable(7, 3, "active", OCT, D(10)), _request("105"),
         "amount: must be a multiple of the loan's precision 10"),
        (LOAN, _request(day=date(2026, 9, 25)), "value_date: is before the disbursement on"
         " 2026-09-26"),
        (LOAN, _request(day=date(2026, 11, 27)), "value_date: is after the posting date"
         " 2026-11-26: money not yet received"),
    ],
)  # fmt: skip
def test_check_refuses_with_its_reason(
    loan: Payable, request_: PaymentRequest, reason: str
) -> None:
    with pytest.raises((ConflictError, InvalidError)) as refused:
        check(loan, request_, NOV)
    assert str(refused.value) == reason


def test_check_takes_a_payment_on_the_disbursement_day_or_the_posting_date() -> None:
    check(LOAN, _request(day=LOAN.disbursed_on or NOV), NOV)
    check(Payable(7, 3, "active", OCT, D(10)), _request("110"), NOV)


def _event(
    loan_id: int, reference: str, key: str | None = None, kind: str = "payment"
) -> LoanEvent:
    return LoanEvent(
        id=loan_id * 100, loan_id=loan_id, kind=kind, value_date=NOV, amount=D("100.00"),
        reference=reference, idempotency_key=key,
    )  # fmt: skip


def test_repeated_finds_a_retry_and_refuses_conflicts() -> None:
    earlier = _event(7, "UTR1", "K1")
    assert repeated(LOAN, _request(key="K1"), [(earlier, 3)]) is earlier
    assert repeated(LOAN, _request(), []) is None
    # the reference on another loan of the same borrower: one transfer may pay both
    assert repeated(LOAN, _request(), [(_event(8, "UTR1"), 3)]) is None
    # events that are not payments with the reference, or keys of other loans, do not count
    assert repeated(LOAN, _request(key="K1"), [(_event(7, "UTR1", kind="refund"), 4)]) is None
    assert repeated(LOAN, _request(key="K1"), [(_event(8, "UTR2", "K1"), 4)]) is None
    conflicts = [
        (_request("200.00", key="K1"), [(earlier, 3)], "idempotency key 'K1' was used for"
         " another payment"),
        (_request(), [(_event(7, "UTR1"), 3)], "reference 'UTR1' is already a payment of loan 7"),
        (_request(), [(_event(9, "UTR1", kind="prepayment"), 4)], "reference 'UTR1' already"
         " paid loan 9 of another borrower"),
    ]  # fmt: skip
    for request, found, reason in conflicts:
        with pytest.raises(ConflictError) as refused:
            repeated(LOAN, request, found)
        assert str(refused.value) == reason


def test_owed_on_a_value_date() -> None:
    """On 26 Nov: October's principal, November's interest and principal, and what is unpaid
    of a fee levied on 1 Nov (500 + 90 tax, 90 paid); not December's installment, nor a
    penal charge levied on 27 Nov, unless the waterfall pays in advance (then December's)."""
    fee = Charge(date(2026, 11, 1), D(500), D(90), "fee:1", Component.FEE)
    penal = Charge(date(2026, 11, 27), D(50), D(0), "penal:1", Component.PENAL)
    charges = [(fee, D(90)), (penal, D(0))]
    assert owed_on(ROWS, NOV, STANDARD, charges) == [
        Owed(1, OCT, Component.PRINCIPAL, D(900)),
        Owed(2, NOV, Component.INTEREST, D(90)),
        Owed(2, NOV, Component.PRINCIPAL, D(910)),
        Owed(-1, date(2026, 11, 1), Component.FEE, D(500)),
    ]
    ahead = Waterfall(((Bucket.IN_ADVANCE, Component.PRINCIPAL),))
    assert owed_on(ROWS, NOV, ahead) == [
        Owed(1, OCT, Component.PRINCIPAL, D(900)),
        Owed(2, NOV, Component.INTEREST, D(90)),
        Owed(2, NOV, Component.PRINCIPAL, D(910)),
        Owed(3, DEC, Component.INTEREST, D(80)),
        Owed(3, DEC, Component.PRINCIPAL, D(920)),
    ]


def test_first_unpaid_due_skips_what_unapplied_funds_will_pay() -> None:
    """October paid; November partly; December 1,000 and January 1,000 not yet due on 26 Nov."""
    rows = (
        InstallmentState(1, OCT, D(900), D(100), D(900), D(100)),
        InstallmentState(2, NOV, D(910), D(90), D(0), D(90)),
        InstallmentState(3, DEC, D(920), D(80), D(0), D(0)),
        InstallmentState(4, JAN, D(930), D(70), D(0), D(0)),
    )
    assert first_unpaid_due(rows, NOV, D(5000)) == NOV  # due already: funds do not skip it
    assert first_unpaid_due(rows[2:], NOV, D(1000)) == JAN
    assert first_unpaid_due(rows[2:], NOV, D("999.99")) == DEC
    assert first_unpaid_due(rows[2:], NOV, D(2000)) is None
    assert first_unpaid_due(rows[:1], NOV, D(0)) is None
