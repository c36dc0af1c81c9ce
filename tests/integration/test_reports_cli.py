"""`lms reports`: a report written to a file and e-mailed as an attachment over real SMTP (a
local aiosmtpd server), as a scheduler would run it; refusals with their exit status.

The book is the read-side tests' (book_setup.nine_loans_closed), closed on 26 Nov 2026.
"""

from __future__ import annotations

import io
from decimal import Decimal as D
from email.message import EmailMessage
from pathlib import Path

import pytest
from book_setup import nine_loans_closed
from openpyxl import load_workbook
from typer.testing import CliRunner

from lms.interfaces.cli.main import app
from lms.platform.db import make_engine


@pytest.fixture
def book(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    engine = make_engine(url)
    nine_loans_closed(url, engine)
    engine.dispose()
    return url


def test_a_report_is_saved_and_e_mailed(
    book: str, tmp_path: Path, smtp: tuple[list[EmailMessage], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    received, port = smtp
    runner = CliRunner()
    out = tmp_path / "sma.csv"
    saved = runner.invoke(app, ["reports", "save", "sma", "-o", str(out), "-f", "csv",
                                "--database-url", book])  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert out.read_text().splitlines()[1].startswith("7,R-7,Borrower 7,BLR01,NPA,124,100000.00,")
    monkeypatch.setenv("LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LMS_SMTP_PORT", str(port))
    monkeypatch.setenv("LMS_MAIL_FROM", "reports@acme.example")
    sent = runner.invoke(app, ["reports", "email", "iracp", "--to", "risk@acme.example",
                               "--to", "cfo@acme.example", "--database-url", book])  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert "sent to risk@acme.example, cfo@acme.example" in sent.output
    [message] = received
    assert message["Subject"] == "Asset classification and provisioning at 2026-11-26"
    assert message["From"] == "reports@acme.example"
    assert message["To"] == "risk@acme.example, cfo@acme.example"
    [attachment] = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == "iracp.xlsx"
    sheet = load_workbook(io.BytesIO(attachment.get_payload(decode=True))).active
    assert sheet is not None
    total = [c.value for c in sheet[8]]
    assert (total[0], total[1], D(str(total[2])), D(str(total[3]))) == (
        "total", 8, D("752533.02"), D(0),
    )  # fmt: skip


def test_refusals_name_what_is_wrong(book: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    unknown = runner.invoke(
        app, ["reports", "save", "nope", "-o", "/tmp/x", "--database-url", book]
    )
    assert unknown.exit_code == 2 and "NAME: must be one of" in unknown.output
    early = runner.invoke(app, ["reports", "save", "iracp", "-o", "/tmp/x", "--as-of",
                                "2026-11-01", "--database-url", book])  # fmt: skip
    assert early.exit_code == 2 and "as_of: 2026-11-01 has not been closed" in early.output
    monkeypatch.delenv("LMS_SMTP_HOST", raising=False)
    unsent = runner.invoke(app, ["reports", "email", "sma", "--to", "a@b.example",
                                 "--database-url", book])  # fmt: skip
    assert unsent.exit_code == 1 and "LMS_SMTP_HOST is not set" in unsent.output
