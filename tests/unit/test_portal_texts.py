"""The borrower portal's words: every key in English and Hindi, every category of requests and
complaints and every kind of request named in both."""

from __future__ import annotations

from lms.interfaces.portal.texts import TEXTS, words
from lms.portal.requests import CATEGORIES, KINDS


def test_every_text_has_both_languages_and_every_choice_a_name() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in TEXTS.values())
    names = {f"cat.{c}" for cs in CATEGORIES.values() for c in cs} | {f"kind.{k}" for k in KINDS}
    assert names - set(TEXTS) == set()
    assert (words("hi")("pay"), words("en")("pay")) == ("अभी भुगतान करें", "Pay now")
