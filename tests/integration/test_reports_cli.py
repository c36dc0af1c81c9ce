"""`lms reports`: a report written to a file and e-mailed as an attachment over real SMTP (a
local aiosmtpd server), as a scheduler would run it; reports kept on a schedule, sent after
the close of each date they fall due on; refusals with their exit status.

The book is the read-side tests' (book_setup.nine_loans_closed), closed on 26 Nov 2026.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal as D
from email.message import EmailMessage
from pathlib import Path

import pytest
from book_setup import nine_loans_closed
from openpyxl import load_workbook
from typer.testing import CliRunner

from lms.close.models import ReportSchedule
from lms.close.runner import close_until
from lms.close.schedules import due_on, period_of
from lms.interfaces.cli.main import app
from lms.platform.db import make_engine, make_session_factory


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


def test_scheduled_reports_go_out_after_the_close_and_again_when_mail_was_down(
    book: str, smtp: tuple[list[EmailMessage], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """27 Nov 2026 is a Friday. The daily SMA report and the weekly (Fridays) collection
    register fall due at its close; the monthly IRACP return (on the last day) does not. The
    mail server is not set at the close: each schedule records why; `send-due` then sends them
    once; cancelled, the daily one goes no more."""
    received, port = smtp
    runner = CliRunner()
    base = ["--database-url", book]
    for args in (["sma", "--to", "risk@acme.example", "-f", "csv"],
                 ["collections", "--to", "ops@acme.example", "--every", "weekly", "--day", "4"],
                 ["iracp", "--to", "cfo@acme.example", "--every", "monthly", "--day", "31"]):  # fmt: skip
        added = runner.invoke(app, ["reports", "schedule", "add", *args, *base])
        assert added.exit_code == 0, added.output
    bad = runner.invoke(app, ["reports", "schedule", "add", "sma", "--to", "nobody", "--every",
                              "weekly", "--day", "9", *base])  # fmt: skip
    assert bad.exit_code == 2
    assert "recipients: must be 1 to 20 e-mail addresses; day: must be a weekday" in bad.output
    monkeypatch.delenv("LMS_SMTP_HOST", raising=False)
    engine = make_engine(book)
    close_until(make_session_factory(engine), date(2026, 11, 27), size=10)
    listed = runner.invoke(app, ["reports", "schedule", "list", *base]).output.splitlines()
    assert [line.split("\t")[6:] for line in listed] == [
        ["last sent for never", "2026-11-27: RuntimeError: LMS_SMTP_HOST is not set: no mail "
         "server to send through"]] * 2 + [["last sent for never", ""]]  # fmt: skip
    monkeypatch.setenv("LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LMS_SMTP_PORT", str(port))
    sent = runner.invoke(app, ["reports", "send-due", *base])
    assert (sent.exit_code, sent.output) == (0, "schedule 1: sent\nschedule 2: sent\n")
    assert [(m["To"], m["Subject"]) for m in received] == [
        ("risk@acme.example", "SMA and NPA accounts at 2026-11-27"),
        ("ops@acme.example", "Collection register 2026-11-21 to 2026-11-27"),
    ]
    [attachment] = [p for p in received[0].walk() if p.get_filename()]
    assert attachment.get_filename() == "sma-2026-11-27.csv"
    assert runner.invoke(app, ["reports", "send-due", *base]).output == ""  # sent once only
    assert runner.invoke(app, ["reports", "schedule", "cancel", "1", *base]).exit_code == 0
    close_until(make_session_factory(engine), date(2026, 11, 30), size=10)  # Sat to Mon 30th
    engine.dispose()
    assert [m["Subject"] for m in received[2:]] == [
        "Asset classification and provisioning at 2026-11-30"
    ]


def test_when_a_schedule_falls_due_and_the_period_it_covers() -> None:
    def made(frequency: str, day: int) -> ReportSchedule:
        return ReportSchedule(frequency=frequency, day=day)

    month_end, on_5th = made("monthly", 31), made("monthly", 5)
    assert [d.day for d in _days(2027, 2) if due_on(month_end, d)] == [28]
    assert [d.day for d in _days(2027, 2) if due_on(on_5th, d)] == [5]
    assert period_of(month_end, date(2027, 2, 28)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert period_of(on_5th, date(2027, 3, 5)) == (date(2027, 2, 6), date(2027, 3, 5))
    assert period_of(made("weekly", 0), date(2027, 3, 1)) == (date(2027, 2, 23), date(2027, 3, 1))
    assert [d.day for d in _days(2027, 3) if due_on(made("weekly", 0), d)] == [1, 8, 15, 22, 29]
    assert period_of(made("daily", 0), date(2027, 3, 1)) == (date(2027, 3, 1), date(2027, 3, 1))


def _days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    return [
        first + timedelta(days=k) for k in range(31) if (first + timedelta(days=k)).month == month
    ]
