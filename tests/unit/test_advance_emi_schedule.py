"""Advance EMIs: the first installments collected on the disbursement date, as vehicle lenders
do, kept back from the payout.

A vehicle loan of 5,00,000 at 10 % for 36 months from 10 Jan 2026, 1 % processing fee with
18 % GST. Independent figures: the ordinary EMI by the textbook formula P r / (1 - (1+r)^-n)
in 40-digit Decimal arithmetic, and an annuity due paying E now and n - 1 times later is that
EMI / (1 + r) (for k advance EMIs: E = P / (k + a(n - k)), a(m) = (1 - (1+r)^-m) / r); the APR
cross-checked with pyxirr's IRR of the cash flows (the payout, then the installments).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
import pyxirr

from lms.core.schedule import generate_schedule
from lms.servicing.spec import SpecError, parse_spec

SPEC = {
    "principal": "500000",
    "annual_rate": "10",
    "disbursement_date": "2026-01-10",
    "installments": 36,
    "fees": [{"name": "processing", "percent": "1", "tax": "18"}],
}
P, N = Decimal(500000), 36


def _annuity(m: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        r = Decimal(10) / 1200
        return (1 - (1 + r) ** -m) / r


def _paisa(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(("k", "emi"), [(1, Decimal("16000.26")), (2, Decimal("15872.22"))])
def test_the_emi_is_that_of_an_annuity_with_k_payments_now(k: int, emi: Decimal) -> None:
    with localcontext() as ctx:
        ctx.prec = 40
        assert _paisa(P / (k + _annuity(N - k))) == emi
        if k == 1:  # the annuity due: the ordinary EMI discounted one month
            assert _paisa(P / _annuity(N) / (1 + Decimal(10) / 1200)) == emi
    schedule = generate_schedule(parse_spec({**SPEC, "advance_emis": k}))
    rows = schedule.installments
    assert (schedule.emi, schedule.advance, len(rows)) == (emi, k * emi, N - k)
    assert all(r.total == emi for r in rows[:-1])
    assert abs(rows[-1].total - emi) <= Decimal("0.10")  # rounding left to the last
    assert sum(r.principal for r in rows) + schedule.advance == P
    assert rows[0].due_date.isoformat() == "2026-02-10"


def test_the_payout_and_the_apr_count_the_advance() -> None:
    plain = generate_schedule(parse_spec(SPEC))
    schedule = generate_schedule(parse_spec({**SPEC, "advance_emis": 1}))
    fees = Decimal(5000) + Decimal(900)
    assert plain.net_disbursed == P - fees
    assert schedule.net_disbursed == P - fees - Decimal("16000.26") == Decimal("478099.74")
    assert schedule.total_payable == P + schedule.total_interest
    flows = [-float(schedule.net_disbursed)] + [float(r.total) for r in schedule.installments]
    rate = pyxirr.irr(flows)
    assert rate is not None
    assert schedule.apr == Decimal(str(rate * 1200)).quantize(Decimal("0.01")) == Decimal("10.87")
    assert schedule.apr > plain.apr  # paying a month ahead costs the borrower


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"method": "flat"}, "applies to level-EMI schedules"),
        ({"bpi": "deduct", "due_day": 5}, "applies to level-EMI schedules"),
        ({"grace_principal": 2}, "applies to level-EMI schedules"),
        ({"installments": 1}, "must be fewer than the installments"),
    ],
)
def test_advance_emis_are_refused_where_they_cannot_apply(
    change: dict[str, object], reason: str
) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({**SPEC, "advance_emis": 1, **change})
    assert [m for f, m in caught.value.problems if f == "advance_emis" and m.startswith(reason)]
