"""Provision rates by lender type and category (RBI defaults in the reference), hand-checked."""

from decimal import Decimal as D

import pytest

from lms.core.classification import AssetCategory as C
from lms.core.provisioning import mfi_aged, mfi_book, provision, rates_for

LAKH = D(100000)


@pytest.mark.parametrize(
    ("lender", "category", "secured", "expected"),
    [
        ("bank", C.STANDARD, False, "400.00"),
        ("bank", C.SUBSTANDARD, True, "15000.00"),
        ("bank", C.SUBSTANDARD, False, "25000.00"),
        ("bank", C.D1, True, "25000.00"),
        ("bank", C.D2, True, "40000.00"),
        ("bank", C.D3, True, "100000.00"),
        ("bank", C.D1, False, "100000.00"),
        ("nbfc", C.SUBSTANDARD, False, "10000.00"),
        ("nbfc", C.D1, True, "20000.00"),
        ("nbfc", C.D2, True, "30000.00"),
        ("nbfc", C.D3, True, "50000.00"),
        ("nbfc", C.LOSS, True, "100000.00"),
    ],
)
def test_rates(lender: str, category: C, secured: bool, expected: str) -> None:
    assert provision(rates_for(lender), category, LAKH, secured=secured) == D(expected)


def test_an_mfi_provides_on_overdue_instalments_with_a_portfolio_floor() -> None:
    """RBI's NBFC-MFI rule: the higher of 1 % of the portfolio and 50 % of the instalments
    90-179 days overdue plus 100 % of those 180+ days; by hand: 50 % of 1,000.00 (95 days) +
    100 % of 500.00 (200 days) = 1,000.00; the one 89 days and the one 30 days count nothing."""
    rates = rates_for("nbfc_mfi")
    aged = mfi_aged(rates, [(95, D(1000)), (200, D(500)), (89, D(900)), (30, D(700))])
    assert aged == D("1000.00")
    assert mfi_aged(rates, [(90, D("0.03"))]) == D("0.02")  # 0.015 rounded once, half up
    assert mfi_book(rates, D(50000), aged) == D("1000.00")  # the aged part is more than 500.00
    assert mfi_book(rates, D(250000), aged) == D("2500.00")  # the floor, 1 % of 2,50,000
    with pytest.raises(ValueError, match="instalment age"):
        provision(rates, C.SUBSTANDARD, LAKH, secured=False)


def test_each_rate_is_a_setting() -> None:
    rates = rates_for("nbfc", {"standard": "0.25"})
    assert provision(rates, C.STANDARD, LAKH, secured=False) == D("250.00")
    with pytest.raises(ValueError, match="unknown provision rates"):
        rates_for("nbfc", {"standrd": "1"})
    with pytest.raises(ValueError, match="lender type"):
        rates_for("cooperative")
