"""NACH on every database: mandates, the close presenting what falls due, the presentation
file, the sponsor bank's response (paid, returned with a reason, the same file again), the
bounce charge, re-presentation by the rule, the borrower's notice sent over real SMTP.

The book: Ravi Kumar's loan 1 and Sunita Devi's loan 2, 1,00,000 each at 12 % for 12 months
from 26 Sep 2026 (EMI 8,884.88 on the 26th); bounce charge 500 + 18 % GST. Ravi's mandate:
up to 10,000 a month; Sunita's: exactly 8,884.88.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from api_client import api_client, csrf, rows, staff_browser
from book_setup import open_book, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.close.runner import close_until
from lms.interfaces.cli.main import app
from lms.notices.models import Notice
from lms.notices.outbox import send_queued
from lms.payments.models import Mandate, Presentation
from lms.payments.nach import (
    MandateRequest,
    register_mandate,
    set_mandate_status,
    write_presentation_file,
)
from lms.payments.nach_responses import apply_response
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.catalog import ProductRules
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan, loan_state

START, OCT26 = date(2026, 9, 26), date(2026, 10, 26)
UMRN1, UMRN2 = "HDFC7010000000012345", "SBIN7010000000067890"


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    people = ({"name": "Ravi Kumar", "email": "ravi@example.in"},
              {"name": "Sunita Devi", "email": "sunita@example.in"})  # fmt: skip
    sessions = open_book(
        db_url, engine, customers=people, rules=ProductRules(bounce_charge=(D(500), D(18)))
    )
    with UnitOfWork(sessions) as uow:
        for number, customer in (("PL-1", 1), ("PL-2", 2)):
            request = LoanRequest(number, "PUN01", customer, "PL", D(100000), D(12), 12, START)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=START)
        register_mandate(
            uow, loan_id=1, request=_mandate("maximum", D(10000), "50100012345678", "HDFC0001234")
        )
        pending = register_mandate(
            uow,
            loan_id=2,
            request=_mandate("fixed", D("8884.88"), "30012345678", "SBIN0004321", umrn=None),
        )
        set_mandate_status(uow, mandate_id=pending.id, status="active", umrn=UMRN2)
        calendar.set_business_date(uow, date(2026, 10, 25))
        uow.commit()
    return sessions


def _mandate(
    kind: str, amount: D, account: str, ifsc: str, umrn: str | None = UMRN1
) -> MandateRequest:
    return MandateRequest("enach", "monthly", kind, amount, START, date(2027, 9, 26), "Borrower",
                          account, ifsc, umrn)  # fmt: skip


def _presentations(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with UnitOfWork(sessions) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Presentation.loan_id, Presentation.attempt, Presentation.presented_on,
                   Presentation.amount, Presentation.status, Presentation.reason_code)
            .order_by(Presentation.id))]  # fmt: skip


def _respond(sessions: sessionmaker[Session], lines: str, day: date) -> tuple[int, ...]:
    with UnitOfWork(sessions) as uow:
        result = apply_response(
            uow, ("reference,status,reason_code\n" + lines).encode(), posting_date=day
        )
        uow.commit()
    return (result.paid, result.returned, result.repeated)


def test_present_file_respond_bounce_and_present_again(book: sessionmaker[Session]) -> None:
    close_until(book, OCT26)
    assert _presentations(book) == [
        (1, 1, OCT26, D("8884.88"), "presented", None),
        (2, 1, OCT26, D("8884.88"), "presented", None),
    ]
    with UnitOfWork(book) as uow:
        assert loan_state(uow, loan_id=2, as_of=OCT26).installments[0].unpaid == 0  # posted at once
        name, content = write_presentation_file(
            uow, day=OCT26, sponsor_ifsc="HDFC0000001", user_code="NACH00000000012345"
        )
        with pytest.raises(ConflictError, match="no presentations"):
            write_presentation_file(
                uow, day=OCT26, sponsor_ifsc="HDFC0000001", user_code="NACH00000000012345"
            )
        uow.commit()
    lines = content.decode().split("\r\n")
    assert name == "ACH-DR-NACH00000000012345-26102026-001"
    assert lines[0] == ("HHDFC0000001NACH00000000012345" "26102026" "000000002" "000000001776976"
                        + name.ljust(40))  # fmt: skip
    assert lines[2] == ("D" + UMRN2 + "30012345678".ljust(35) + "SBIN0004321" + "Borrower".ljust(40)
                        + "0000000888488" + "N26102600000000201  " + "26102026")  # fmt: skip
    assert len(lines[1]) == len(lines[2]) == 148 and lines[3] == ""
    refs = [line[120:140] for line in lines[1:3]]
    response = f"{refs[0]},paid,\n{refs[1]},returned,4\n"
    _refused_whole(book, refs)
    assert _respond(book, response, date(2026, 10, 27)) == (1, 1, 0)
    assert _respond(book, response, date(2026, 10, 27)) == (0, 0, 2)  # the same file again
    with UnitOfWork(book) as uow:
        state = loan_state(uow, loan_id=2, as_of=date(2026, 10, 27))
        notice = uow.session.execute(
            select(Notice.customer_id, Notice.data).where(Notice.template == "nach_returned")
        ).one()
    assert state.installments[0].unpaid == D("8884.88") and state.charges_due == D("590.00")
    assert (notice[0], notice[1]["reason"]) == (2, "balance insufficient")  # Sunita's
    close_until(
        book, date(2026, 11, 2)
    )  # presented again on 29 Oct (3 days after the first), not after
    assert _presentations(book)[2:] == [(2, 2, date(2026, 10, 29), D("8884.88"), "presented", None)]
    with UnitOfWork(book) as uow:
        _, again = write_presentation_file(
            uow, day=date(2026, 10, 29), sponsor_ifsc="HDFC0000001", user_code="NACH00000000012345"
        )
        uow.commit()
    second = again.decode().split("\r\n")[1][120:140]
    assert _respond(book, f"{second},returned,04\n", date(2026, 10, 31)) == (0, 1, 0)
    close_until(book, date(2026, 11, 6))
    assert len(_presentations(book)) == 3  # two attempts in all: no third
    sound(book)


def _refused_whole(book: sessionmaker[Session], refs: list[str]) -> None:
    """Response files that are wrong, forged or damaged: refused whole, nothing applied."""
    head = "reference,status,reason_code,amount\n"
    bad = {
        f"{refs[0]},paid,,8884.88\nN99999999999999999999,paid,,1.00\n": "was never presented",
        f"{refs[0]},paid,,8884.00\n": "8884.00 answered, 8884.88 presented",
        f"{refs[0]},paid,,8884.88\n{refs[1]},returned": "cut short",
        f"{refs[0]},paid,,8884.88\nTOTAL,2,,8884.88\n": "TOTAL: 2 lines declared, 1 in the file",
        f"{refs[0]},paid,,8884.88\nTOTAL,1,,9999.00\n": "TOTAL: 9999.00 declared",
        f"{refs[0]},paid,,NaN\n": "is not an amount",
        f"{refs[0]},paid,,8884.88\nTOTAL,\u00b2,,8884.88\n": "TOTAL: \u00b2 lines declared",
    }
    for lines, reason in bad.items():
        with UnitOfWork(book) as uow, pytest.raises(InvalidError, match=reason):
            apply_response(uow, (head + lines).encode(), posting_date=date(2026, 10, 27))
    assert [p[4] for p in _presentations(book)] == ["presented", "presented"]
    totals = f"{refs[0]},paid,,8884.88\n{refs[1]},returned,4,8884.88\nTOTAL,2,,17769.76\n"
    with UnitOfWork(book) as uow:  # the control line agrees: taken (and rolled back here)
        assert apply_response(uow, (head + totals).encode(), posting_date=OCT26).lines == 2


def test_mandate_rules(book: sessionmaker[Session]) -> None:
    with UnitOfWork(book) as uow:
        with pytest.raises(InvalidError) as bad:
            register_mandate(
                uow,
                loan_id=1,
                request=MandateRequest(
                    "enach",
                    "weekly",
                    "fixed",
                    D("-1"),
                    START,
                    date(2026, 1, 1),
                    " ",
                    "12",
                    "HDFC1234567",
                    "SHORT",
                ),
            )
        fields = [f for f, _ in bad.value.problems]
        assert fields == [
            "frequency",
            "amount",
            "end_date",
            "debtor_ifsc",
            "debtor_account",
            "umrn",
            "debtor_name",
        ]
        with pytest.raises(ConflictError, match="is active; it cannot become rejected"):
            set_mandate_status(uow, mandate_id=1, status="rejected", reason="no")
        expiring = register_mandate(
            uow,
            loan_id=1,
            request=MandateRequest(
                "nach",
                "monthly",
                "maximum",
                D(100),
                START,
                date(2026, 10, 1),
                "R",
                "50100012345678",
                "HDFC0001234",
            ),
        )
        uow.commit()
    close_until(book, OCT26)
    with UnitOfWork(book) as uow:
        assert uow.session.get(Mandate, expiring.id).status == "expired"  # type: ignore[union-attr]


def test_the_notice_goes_out_over_smtp(
    book: sessionmaker[Session], smtp: tuple[list[object], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    received, port = smtp
    close_until(book, OCT26)
    with UnitOfWork(book) as uow:
        _, content = write_presentation_file(
            uow, day=OCT26, sponsor_ifsc="HDFC0000001", user_code="U"
        )
        uow.commit()
    ref = content.decode().split("\r\n")[2][120:140]
    _respond(book, f"{ref},0,04\n", date(2026, 10, 27))
    monkeypatch.setenv("LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LMS_SMTP_PORT", str(port))
    monkeypatch.setenv("LMS_LENDER_NAME", "Acme Finance")
    with UnitOfWork(book) as uow:  # the close's reminders before the due date are not for this test
        for notice in uow.session.scalars(select(Notice).where(Notice.template != "nach_returned")):
            notice.status = "capped"
        uow.commit()
    nine = datetime(2026, 10, 27, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert send_queued(book, now=nine) == (1, 0)
    assert send_queued(book, now=nine) == (0, 0)  # sent once
    [message] = received
    assert message["To"] == "sunita@example.in"  # type: ignore[index]
    assert message["Subject"] == "Your EMI debit of Rs 8,884.88 was returned"  # type: ignore[index]
    body = message.get_payload()  # type: ignore[attr-defined]
    assert (
        "loan PL-2, due on 26 Oct 2026" in body
        and "balance insufficient" in body
        and "Acme Finance" in body
    )


def test_the_api(book: sessionmaker[Session], db_url: str) -> None:
    """Mandates by API and by bulk file (a wrong line refuses the whole file, naming it), the
    bank's acceptance, the day's file, the response."""
    with api_client(db_url) as client:
        body = {"kind": "enach", "frequency": "monthly", "amount_type": "maximum",
                "amount": "12000.00", "start_date": "2026-10-01", "debtor_name": "Ravi Kumar",
                "debtor_account": "50100099999999", "debtor_ifsc": "HDFC0001234"}  # fmt: skip
        made = client.post("/api/v1/loans/1/mandates", json=body)
        assert (made.status_code, made.json()["status"]) == (201, "pending")
        accepted = client.post(f"/api/v1/mandates/{made.json()['id']}/status",
                               json={"status": "active", "umrn": "HDFC7010000000099999"})  # fmt: skip
        assert accepted.json()["status"] == "active"
        header = "loan_number,kind,frequency,amount_type,amount,start_date,end_date,debtor_name,debtor_account,debtor_ifsc\n"
        good = "PL-2,nach,monthly,fixed,8884.88,2026-10-01,,Sunita Devi,30012345678,SBIN0004321\n"
        bad = "PL-9,nach,weekly,fixed,1,2026-10-01,,X,30012345678,SBIN0004321\n"
        refused = client.post("/api/v1/mandates/bulk", content=(header + good + bad).encode())
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["line 3: loan_number"]
        taken = client.post("/api/v1/mandates/bulk", content=(header + good).encode())
        assert (taken.status_code, taken.json()["registered"]) == (201, 1)
    close_until(book, OCT26)
    with api_client(db_url) as client:
        file = client.post("/api/v1/nach/presentation-files", params={"date": "2026-10-26"})
        assert file.status_code == 200 and file.text.count("\r\nD") == 2  # fixture's two loans
        ref = file.text.split("\r\n")[1][120:140].strip()
        answer = client.post(
            "/api/v1/nach/responses",
            content=f"reference,status,reason_code\n{ref},paid,\n".encode(),
        )
        assert answer.json()["paid"] == 1
        wrong = client.post("/api/v1/nach/responses", content=b"reference,state\nX,1\n")
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "file"
    sound(book)


def test_the_cli(book: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    close_until(book, OCT26)
    runner, tmp_path = CliRunner(), tmp_path / "files"
    tmp_path.mkdir()
    made = runner.invoke(app, ["nach", "file", "--out", str(tmp_path), "--date", "2026-10-26",
                               "--user-code", "NACH01", "--database-url", db_url])  # fmt: skip
    assert made.exit_code == 0, made.output
    [written] = list(tmp_path.iterdir())
    assert written.name == "ACH-DR-NACH01-26102026-001.txt" and "2 debits" in made.output
    again = runner.invoke(app, ["nach", "file", "--out", str(tmp_path), "--date", "2026-10-26",
                                "--database-url", db_url])  # fmt: skip
    assert again.exit_code == 1 and "no presentations" in again.output
    refs = [line[120:140].strip() for line in written.read_bytes().decode().split("\r\n")[1:3]]
    response = tmp_path / "response.csv"
    response.write_text(f"reference,status,reason_code\n{refs[0]},1,\n{refs[1]},0,26\n")
    taken = runner.invoke(app, ["nach", "response", str(response), "--database-url", db_url])
    assert taken.exit_code == 0 and "2 lines: 1 paid, 1 returned, 0 answered before" in taken.output
    sound(book)


def test_upi_autopay_limit_pre_debit_notice_and_no_nach_file(book: sessionmaker[Session]) -> None:
    """A UPI AutoPay mandate above the per-debit limit (15,000) is refused; within it, the close
    of 25 Oct tells the payer of the 26 Oct debit, and the debit is presented on 26 Oct, but
    not in the NACH file (it is executed through the UPI PSP)."""
    with UnitOfWork(book) as uow:
        for loan in (1, 2):  # only the UPI mandate is left active on loan 2
            for m in uow.session.scalars(select(Mandate).where(Mandate.loan_id == loan)):
                set_mandate_status(uow, mandate_id=m.id, status="cancelled", reason="moved to UPI")
        request = MandateRequest("upi_autopay", "monthly", "maximum", D(20000), START, None,
                                 "Sunita Devi", "sunita@okaxis", "")  # fmt: skip
        with pytest.raises(InvalidError, match="UPI AutoPay limit"):
            register_mandate(uow, loan_id=2, request=request)
        ok = MandateRequest("upi_autopay", "monthly", "maximum", D(10000), START, None,
                            "Sunita Devi", "sunita@okaxis", "", "NPCI0000000000000077")  # fmt: skip
        register_mandate(uow, loan_id=2, request=ok)
        uow.commit()
    close_until(book, date(2026, 10, 25))
    with UnitOfWork(book) as uow:
        notice = uow.session.execute(
            select(Notice.template, Notice.data).where(Notice.template == "upi_autopay_predebit")
        ).one()
    assert notice == (
        "upi_autopay_predebit",
        {"amount": "8884.88", "debit_date": "2026-10-26", "mandate": 3},
    )
    close_until(book, OCT26)
    assert _presentations(book) == [(2, 1, OCT26, D("8884.88"), "presented", None)]
    with UnitOfWork(book) as uow, pytest.raises(ConflictError, match="no presentations"):
        write_presentation_file(uow, day=OCT26, sponsor_ifsc="HDFC0000001", user_code="U")
    sound(book)


def test_the_staff_pages(book: sessionmaker[Session], db_url: str) -> None:
    """Finance sees the day's debits, writes the presentation file and reads the bank's
    response on the page; the same file again does nothing; a damaged file is refused."""
    close_until(book, OCT26)
    with staff_browser(db_url, ("finance",)) as finance:
        page = finance.get("/app/payments/files", params={"date": "2026-10-26"})
        listed = rows(page.text, "debits-table")
        assert [r[1:7] for r in listed] == [
            ["1", "26 Oct 2026", "1", "8,884.88", "not yet in a file", "presented"],
            ["2", "26 Oct 2026", "1", "8,884.88", "not yet in a file", "presented"],
        ]
        token = csrf(page.text)
        file = finance.post("/app/payments/nach/presentation-file",
                            data={"csrf": token, "day": "2026-10-26"})  # fmt: skip
        assert file.headers["content-disposition"].endswith('-26102026-001.txt"')
        refs = [line[120:140] for line in file.text.split("\r\n")[1:3]]
        response = f"reference,status,reason_code\n{refs[0]},paid,\n{refs[1]},returned,4\n"
        upload = {"upload": ("response.csv", response.encode(), "text/csv")}
        form = {"csrf": token, "kind": "nach_response"}
        read = finance.post("/app/payments/files", data=form, files=upload)
        assert read.status_code == 200
        assert (
            "<dt>paid</dt><dd>1</dd><dt>returned</dt><dd>1</dd><dt>repeated</dt><dd>0</dd>"
            in read.text
        )
        again = finance.post("/app/payments/files", data=form, files=upload)
        assert (
            "<dt>paid</dt><dd>0</dd><dt>returned</dt><dd>0</dd><dt>repeated</dt><dd>2</dd>"
            in again.text
        )
        damaged = {"upload": ("r.csv", b"reference,state\nX,1\n", "text/csv")}
        refused = finance.post("/app/payments/files", data=form, files=damaged)
        assert refused.status_code == 422 and "Not read: file:" in refused.text
        after = finance.get("/app/payments/files", params={"date": "2026-10-26"})
        assert [r[6:8] for r in rows(after.text, "debits-table")] == [
            ["paid", ""],
            ["returned", "04"],
        ]
    with staff_browser(db_url, ("loan_officer",), ["PUN01"]) as officer:  # no money files
        assert officer.get("/app/payments/files").status_code == 403
    sound(book)
