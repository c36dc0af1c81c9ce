"""The UPI intent link, by NPCI's linking specification, written out by hand."""

from decimal import Decimal as D

import pytest

from lms.payments.upi import upi_link
from lms.platform.errors import InvalidError


def test_the_link_carries_payee_amount_reference_and_note_encoded() -> None:
    link = upi_link(vpa="acme.loans@hdfcbank", payee="Acme Finance Ltd", amount=D("8884.8"),
                    reference="U261126000000001", note="EMI PL-2026/000123")  # fmt: skip
    assert link == (
        "upi://pay?pa=acme.loans%40hdfcbank&pn=Acme%20Finance%20Ltd&am=8884.80&cu=INR"
        "&tr=U261126000000001&tn=EMI%20PL-2026%2F000123"
    )
    with pytest.raises(InvalidError, match="vpa"):
        upi_link(vpa="acme", payee="A", amount=D(1), reference="R", note="N")
