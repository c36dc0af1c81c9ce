"""The microfinance arithmetic against figures worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import pyxirr

from lms.core.frequency import Cycle, Frequency
from lms.core.microfinance import (
    SheetLine,
    affordability,
    meeting_dates,
    monthly_equivalent,
    reducing_rate,
    sheet_problems,
)
from lms.core.schedule import generate_schedule
from lms.servicing.spec import parse_spec


def test_installments_count_at_their_monthly_equivalent_rounded_up() -> None:
    assert monthly_equivalent(D("480.00"), Cycle(Frequency.WEEKLY)) == D("2080.00")  # x 52/12
    # 1,000 x 26 / 12 = 2,166.666...: up to 2,166.67
    assert monthly_equivalent(D("1000.00"), Cycle(Frequency.FORTNIGHTLY)) == D("2166.67")
    assert monthly_equivalent(D("1000.00"), Cycle(Frequency.MONTHLY)) == D("1000.00")
    # every two months: half an installment a month
    assert monthly_equivalent(D("999.99"), Cycle(Frequency.MONTHLY, 2)) == D("500.00")


def test_the_cap_is_half_the_monthly_income_rounded_down() -> None:
    # 1,00,001 / 12 = 8,333.4166...: 8,333.41; half is 4,166.705: 4,166.70
    found = affordability(D("100001"), [D("2000.00"), D("2166.70")], D(50))
    assert (found.monthly_income, found.limit, found.obligations) == (
        D("8333.41"), D("4166.70"), D("4166.70"))  # fmt: skip
    assert found.within and found.headroom == D("0.00")
    over = affordability(D("100001"), [D("2000.00"), D("2166.71")], D(50))
    assert not over.within and over.headroom == D("-0.01")


def test_meeting_dates_run_from_the_first_meeting() -> None:
    tuesday = date(2026, 10, 6)
    weekly = meeting_dates(tuesday, Frequency.WEEKLY, date(2026, 10, 10), date(2026, 10, 28))
    assert weekly == [date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 27)]
    fortnightly = meeting_dates(tuesday, Frequency.FORTNIGHTLY, date(2026, 9, 1), date(2026, 11, 4))
    assert fortnightly == [tuesday, date(2026, 10, 20), date(2026, 11, 3)]
    monthly = meeting_dates(
        date(2026, 1, 31), Frequency.MONTHLY, date(2026, 2, 1), date(2026, 5, 1)
    )
    assert monthly == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    with pytest.raises(ValueError, match="daily"):
        meeting_dates(tuesday, Frequency.DAILY, tuesday, date(2026, 11, 1))


def test_a_cover_is_only_for_a_jointly_liable_loan_and_only_the_shortfall() -> None:

    lines = [
        SheetLine(1, D("480.00"), D("300.00"), D("180.00"), joint=True),
        SheetLine(2, D("480.00"), D("300.00"), D("180.01"), joint=True),
        SheetLine(3, D("480.00"), D("0"), D("1.00")),
        SheetLine(4, D("480.00"), D("0.001")),
    ]
    assert lines[0].shortfall == D("0.00") and lines[3].shortfall == D("479.999")
    assert sheet_problems(lines) == [
        ("lines[1].cover", "is more than the member's shortfall of 180.00"),
        ("lines[2].cover", "the loan's product has no joint liability"),
        ("lines[3].collected", "must be nought or more, in paise"),
    ]


def test_a_flat_rate_is_priced_by_its_rate_on_the_reducing_balance() -> None:
    """20,800 over 52 weeks at a flat 12 % (448.00 a week) and a flat 20 % (480.00): the IRR of
    the installments against the principal, times 52, is 22.7069 % and 37.0183 % (pyxirr.irr,
    an independent solver); an EMI loan's is its own rate."""
    weekly = {"principal": "20800", "disbursement_date": "2026-09-29", "installments": 52,
              "frequency": "weekly", "method": "flat"}  # fmt: skip
    for rate, expected in (("12", 448), ("20", 480)):
        schedule = generate_schedule(parse_spec({**weekly, "annual_rate": rate}))
        flows = [-20800.0] + [float(row.total) for row in schedule.installments]
        assert {row.total for row in schedule.installments} == {D(expected)}
        assert reducing_rate(schedule, D(20800)) == D(f"{pyxirr.irr(flows) * 5200:.2f}")
    assert reducing_rate(generate_schedule(parse_spec({**weekly, "annual_rate": "12"})),
                         D(20800)) == D("22.71")  # fmt: skip
    emi = generate_schedule(parse_spec({**weekly, "method": "emi", "annual_rate": "22"}))
    assert reducing_rate(emi, D(20800)) == D("22.00")
