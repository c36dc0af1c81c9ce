"""The documents' words in English and Hindi: both languages have every key and every figure
name; dates and amounts in words in Hindi (worked by hand: the Indian system's crore, lakh,
thousand and hundred, and the words of the numbers below a hundred)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.documents.display import day, in_words
from lms.documents.fonts import money
from lms.documents.kfs_pdf import KfsFacts, _part_one
from lms.documents.words import TEXT, kind_of


def test_both_languages_say_every_key_with_the_same_figures() -> None:
    assert set(TEXT["en"]) == set(TEXT["hi"])
    for key, english in TEXT["en"].items():
        names = set(re.findall(r"{(\w+)}", english))
        assert names == set(re.findall(r"{(\w+)}", TEXT["hi"][key])), key


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("1234567.89", "रुपये बारह लाख चौंतीस हज़ार पाँच सौ सड़सठ और नवासी पैसे मात्र"),
        ("8884.88", "रुपये आठ हज़ार आठ सौ चौरासी और अट्ठासी पैसे मात्र"),
        ("100000", "रुपये एक लाख मात्र"),
        ("10000000", "रुपये एक करोड़ मात्र"),
        ("105", "रुपये एक सौ पाँच मात्र"),
        ("0.50", "रुपये शून्य और पचास पैसे मात्र"),
        ("99.99", "रुपये निन्यानबे और निन्यानबे पैसे मात्र"),
        ("1500000000", "रुपये एक सौ पचास करोड़ मात्र"),
        ("2.01", "रुपये दो और एक पैसा मात्र"),
        ("-590", "माइनस रुपये पाँच सौ नब्बे मात्र"),
    ],
)
def test_amounts_in_hindi_words(value: str, said: str) -> None:
    assert in_words(D(value), "hi") == said


def test_dates_and_kinds_of_transaction_in_hindi() -> None:
    assert day(date(2026, 12, 3), "hi") == "3 दिसंबर 2026"
    assert day(date(2027, 2, 28), "hi") == "28 फ़रवरी 2027"
    assert day(date(2026, 12, 3)) == "3 Dec 2026"
    assert kind_of("returned payment (01)", "hi") == "लौटाया गया भुगतान (01)"
    assert kind_of("fee: processing", "hi") == "शुल्क: processing"
    assert kind_of("payment", "en") == "payment"


def test_a_single_installment_is_said_in_the_singular() -> None:
    """50,000 at 18 % for one month: one installment of 50,000 + 750 (a month at 1.5 %)."""
    terms = LoanTerms(D(50000), D(18), date(2026, 1, 5), 1)
    facts = KfsFacts("K", date(2026, 1, 5), "Gold loan", "fixed", ())
    rows = dict(_part_one(facts, terms, generate_schedule(terms), "en"))
    assert rows["Loan term"] == "1 installment"
    assert rows["Installment (EMI)"] == f"{money(D('50750.00'))}, one only"
