"""Every message template has its subject, body and SMS text in English and Hindi, with the
same variables as its WhatsApp parameters; rendering fills them, and a missing one refuses."""

from __future__ import annotations

import re

import pytest

from lms.notices.templates import LANGUAGES, TEMPLATES, render


@pytest.mark.parametrize("event", sorted(TEMPLATES))
def test_each_template_says_the_same_in_every_language(event: str) -> None:
    template = TEMPLATES[event]
    wanted = set(template.params)
    for part in (template.subject, template.body, template.sms):
        assert set(part) == set(LANGUAGES)
        for lang in LANGUAGES:
            assert set(re.findall(r"{(\w+)}", part[lang])) <= wanted, (event, lang)
    for lang in LANGUAGES:  # every variable is said somewhere in the body
        assert set(re.findall(r"{(\w+)}", template.body[lang])) | {"lender"} >= wanted - {"lender"}


def test_rendering_fills_the_variables_and_refuses_a_missing_one() -> None:
    values = {"name": "Asha", "amount": "8,884.88", "loan_number": "PL-1",
              "due_date": "26 Oct 2026", "lender": "Acme"}  # fmt: skip
    said = render("due_tomorrow", "en", values)
    assert said.sms == "Dear Asha, EMI Rs 8,884.88 for loan PL-1 is due tomorrow, 26 Oct 2026. Acme"
    assert said.params == ("Asha", "8,884.88", "PL-1", "26 Oct 2026", "Acme")
    without_amount = {k: v for k, v in values.items() if k != "amount"}
    with pytest.raises(KeyError):
        render("due_tomorrow", "hi", without_amount)
