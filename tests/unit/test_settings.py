"""Settings: read in one place, typed, refused with the variable's name when bad, documented."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from lms.platform.settings import Settings, get_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_defaults_are_the_documented_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"LMS_{name.upper()}", raising=False)
    settings = get_settings()
    assert (settings.lender_type, settings.accrual_posting) == ("nbfc", "monthly")
    assert settings.upi_autopay_limit == Decimal(15000)  # NPCI: no extra factor up to 15,000
    assert settings.cash_limit == Decimal("199999.99")  # s.269ST: under 2 lakh a day
    assert (settings.nach_represent_after, settings.nach_attempts) == (3, 2)


def test_the_environment_is_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_LENDER_TYPE", "bank")
    monkeypatch.setenv("LMS_PROVISION_RATES", '{"substandard": "20"}')
    settings = get_settings()
    assert settings.lender_type == "bank"
    assert settings.provision_rates == {"substandard": Decimal(20)}


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_LENDER_TYPE", "cooperative")
    with pytest.raises(ValidationError, match="lender_type"):
        get_settings()


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`LMS_{n.upper()}`" not in text]
    assert missing == []
