"""Provision rates by lender type and category (RBI defaults in the reference), hand-checked."""

from decimal import Decimal as D

import pytest

from lms.core.classification import AssetCategory as C
from lms.core.provisioning import provision, rates_for

LAKH = D(100000)


@pytest.mark.parametrize(
    ("lender", "category", "secured", "dpd", "expected"),
    [
        ("bank", C.STANDARD, False, 0, "400.00"),
        ("bank", C.SUBSTANDARD, True, 95, "15000.00"),
        ("bank", C.SUBSTANDARD, False, 95, "25000.00"),
        ("bank", C.D1, True, 500, "25000.00"),
        ("bank", C.D2, True, 900, "40000.00"),
        ("bank", C.D3, True, 1600, "100000.00"),
        ("bank", C.D1, False, 500, "100000.00"),
        ("nbfc", C.SUBSTANDARD, False, 95, "10000.00"),
        ("nbfc", C.D1, True, 500, "20000.00"),
        ("nbfc", C.D2, True, 900, "30000.00"),
        ("nbfc", C.D3, True, 1600, "50000.00"),
        ("nbfc", C.LOSS, True, 1600, "100000.00"),
        ("nbfc_mfi", C.STANDARD, False, 10, "1000.00"),
        ("nbfc_mfi", C.SUBSTANDARD, False, 120, "50000.00"),
        ("nbfc_mfi", C.SUBSTANDARD, False, 200, "100000.00"),
    ],
)
def test_rates(lender: str, category: C, secured: bool, dpd: int, expected: str) -> None:
    assert provision(rates_for(lender), category, LAKH, secured=secured, dpd=dpd) == D(expected)


def test_each_rate_is_a_setting() -> None:
    rates = rates_for("nbfc", {"standard": "0.25"})
    assert provision(rates, C.STANDARD, LAKH, secured=False, dpd=0) == D("250.00")
    with pytest.raises(ValueError, match="unknown provision rates"):
        rates_for("nbfc", {"standrd": "1"})
    with pytest.raises(ValueError, match="lender type"):
        rates_for("cooperative")
