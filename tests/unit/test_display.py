"""Amounts with Indian digit grouping and the rupee sign, and dates as lenders write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lms.documents.display import amount, day, in_words, indian_grouping


@pytest.mark.parametrize(
    ("digits", "grouped"),
    [("0", "0"), ("999", "999"), ("1000", "1,000"), ("99999", "99,999"),
     ("100000", "1,00,000"), ("1234567", "12,34,567"), ("123456789", "12,34,56,789"),
     ("1000000000", "1,00,00,00,000")],
)  # fmt: skip
def test_digits_are_grouped_the_indian_way(digits: str, grouped: str) -> None:
    assert indian_grouping(digits) == grouped


def test_amounts_keep_their_paise_and_sign() -> None:
    assert amount(D("1234567.89"), rupee=True) == "₹12,34,567.89"
    assert amount(D("8884.88")) == "8,884.88"
    assert amount(D("100000")) == "1,00,000.00"
    assert amount(D("-1500.5"), rupee=True) == "-₹1,500.50"
    assert amount(D("0.005")) == "0.01"  # four stored places: half a paisa rounds up
    assert amount(D("12.3449")) == "12.34"
    assert amount(0) == "0.00"
    assert amount(None) == "-"


def test_dates_are_written_day_month_year() -> None:
    assert day(date(2026, 12, 3)) == "3 Dec 2026"
    assert day(date(2027, 1, 31)) == "31 Jan 2027"
    assert day(None) == "-"


@pytest.mark.parametrize(
    ("value", "words"),
    [("8884.88", "Rupees Eight Thousand Eight Hundred Eighty-Four and Paise Eighty-Eight only"),
     ("100000", "Rupees One Lakh only"),
     ("1234567.05", "Rupees Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven and Paise Five only"),
     ("25000000", "Rupees Two Crore Fifty Lakh only"),
     ("1000000000", "Rupees One Hundred Crore only"),
     ("0.5", "Rupees Zero and Paise Fifty only"),
     ("11", "Rupees Eleven only"),
     ("100", "Rupees One Hundred only")],
)  # fmt: skip
def test_amounts_in_words_the_indian_way(value: str, words: str) -> None:
    assert in_words(D(value)) == words
