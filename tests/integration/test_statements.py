"""Bank statements on every database: the sample MT940 and CAMT.053 files in tests/data,
matched to two loans, posted or held in suspense, imported again without effect, matched by
hand; the ledger stays sound throughout.

The book: Ravi Kumar's loan PL-2026-000123 (id 1) and Sunita Devi's PL-2026-000124 (id 2),
1,00,000 each at 12 % for 12 months from 26 Sep 2026 (EMI 8,884.88 on the 26th), nothing paid;
business date 26 Nov 2026, so each owes two EMIs (17,769.76).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from api_client import api_client, approved
from book_setup import book_of_loans, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from lms.interfaces.cli.main import app
from lms.ledger.check import account_balances
from lms.payments.models import StatementLine
from lms.payments.reconcile import ImportResult, import_statement, match_by_hand, suspense_lines
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import Loan, LoanEvent
from lms.servicing.service import loan_state

DATA = Path(__file__).parent.parent / "data" / "statements"
MT940 = (DATA / "hdfc_2026-11-26.mt940").read_bytes()
CAMT = (DATA / "sbi_2026-11-26.camt053.xml").read_bytes()
DAY = date(2026, 11, 26)


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    """PL-2026-000123 and PL-2026-000124 in the narrations are loans 1 and 2: renamed so."""
    sessions = book_of_loans(db_url, engine, ({"name": "Ravi Kumar"}, {"name": "Sunita Devi"}))
    with UnitOfWork(sessions) as uow:
        for k in (1, 2):
            uow.session.get(Loan, k).external_id = f"PL-2026-00012{k + 2}"  # type: ignore[union-attr]
        uow.commit()
    return sessions


def _import(sessions: sessionmaker[Session], content: bytes) -> ImportResult:
    with UnitOfWork(sessions) as uow:
        result = import_statement(uow, content, posting_date=DAY, imported_by="ops")
        uow.commit()
    return result


def _lines(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with UnitOfWork(sessions) as uow:
        return [
            tuple(row)
            for row in uow.session.execute(
                select(
                    StatementLine.amount,
                    StatementLine.status,
                    StatementLine.loan_id,
                    StatementLine.rule,
                    StatementLine.confidence,
                ).order_by(StatementLine.id)
            )
        ]


def test_an_mt940_statement_posts_what_it_can_and_holds_the_rest(
    book: sessionmaker[Session],
) -> None:
    """Ravi's NEFT names his loan in the narration: posted (95). Sunita's IMPS of 5,000 has her
    name but not the amount she owes (8,884.88 or 17,769.76): held. A cash deposit: held. A
    bank charge: a debit, nothing posted."""
    result = _import(book, MT940)
    assert (result.lines, result.new, result.posted, result.suspense, result.debits) == (
        4, 4, 1, 2, 1,
    )  # fmt: skip
    assert _lines(book) == [
        (D("8884.88"), "posted", 1, "loan_number", 95),
        (D("5000.00"), "suspense", None, "none", 0),
        (D("1234.00"), "suspense", None, "none", 0),
        (D("250.00"), "debit", None, "none", 0),
    ]
    with UnitOfWork(book) as uow:
        state = loan_state(uow, loan_id=1, as_of=DAY)
        reference = uow.session.scalar(
            select(LoanEvent.reference).where(LoanEvent.kind == "payment")
        )
        balances = account_balances(uow.session)
    assert state.installments[0].unpaid == 0 and state.dpd == 1  # October paid, November due
    assert reference == "UTR2611AAAA0001"  # the payer's UTR
    assert balances["receipts_suspense"] == -D("6234.00")
    sound(book)


def test_the_same_file_again_and_an_overlapping_one_post_nothing_twice(
    book: sessionmaker[Session],
) -> None:
    first = _import(book, MT940)
    again = _import(book, MT940)
    assert again.repeated and again.statement_id == first.statement_id
    reissued = MT940.replace(b":20:STMT261126", b":20:STMT261126R").replace(
        b":62F:C261126INR1014868,88",
        b":61:2611261126C700,00NTRFNONREF\n:86:CASH DEPOSIT BRANCH PUNE\n:62F:C261126INR1015568,88",
    )  # the same day's statement issued again, with one more (second) cash deposit
    later = _import(book, reissued)
    assert (later.repeated, later.lines, later.new, later.suspense) == (False, 5, 1, 1)
    assert len(_lines(book)) == 5
    with UnitOfWork(book) as uow:
        balances = account_balances(uow.session)
    assert balances["receipts_suspense"] == -D("6934.00")
    sound(book)


def test_camt053_by_virtual_account_and_a_match_by_hand(book: sessionmaker[Session]) -> None:
    """Ravi paid into his virtual account LMSVA0000000001: posted (100). 12,000 by RTGS from
    'UNKNOWN TRADERS' waits in suspense until a person names Sunita's loan."""
    result = _import(book, CAMT)
    assert (result.posted, result.suspense, result.debits) == (1, 1, 1)
    queue = _queue(book)
    assert [(line.amount, line.note) for line in queue] == [(D("12000.00"), "no loan found")]
    with UnitOfWork(book) as uow:
        match_by_hand(uow, line_id=queue[0].id, loan_id=2, by="asha", posting_date=DAY)
        uow.commit()
    with UnitOfWork(book) as uow:
        line = uow.session.get(StatementLine, queue[0].id)
        assert line is not None and (line.status, line.loan_id, line.resolved_by) == (
            "matched", 2, "asha",
        )  # fmt: skip
        state = loan_state(uow, loan_id=2, as_of=DAY)
        balances = account_balances(uow.session)
    assert state.installments[0].unpaid == 0  # paid on its value date, 25 Nov
    assert balances.get("receipts_suspense", 0) == 0
    assert _queue(book) == []
    with UnitOfWork(book) as uow, pytest.raises(ConflictError, match="not in suspense"):
        match_by_hand(uow, line_id=queue[0].id, loan_id=2, by="asha", posting_date=DAY)
    sound(book)


def test_a_file_that_is_not_a_statement_writes_nothing(book: sessionmaker[Session]) -> None:
    with UnitOfWork(book) as uow, pytest.raises(InvalidError, match="file: not an MT940"):
        import_statement(uow, b"hello", posting_date=DAY)
    with UnitOfWork(book) as uow, pytest.raises(InvalidError, match=r"file: not a CAMT\.053"):
        import_statement(uow, b"<Document/>", posting_date=DAY)
    assert _lines(book) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (MT940.replace(b"INR", b"USD"), "the statement is in USD; the account is in INR"),
        (MT940.split(b":62F:")[0], "no closing balance: the file is truncated or incomplete"),
        (
            MT940.replace(b"C5000,00NTRF", b"C5100,00NTRF"),
            "the balances do not agree: opening 1000000.00 + entries 14968.88 = 1014968.88,"
            " but the closing balance is 1014868.88",
        ),
        (
            CAMT.replace(b"<Sum>21002.88</Sum>", b"<Sum>21002.89</Sum>"),
            "the control totals do not agree: 3 entries of 21002.89 declared,"
            " 3 of 21002.88 in the file",
        ),
        (CAMT.replace(b'"INR">118.00', b'"USD">118.00'), "the statement is in INR/USD"),
        (CAMT.replace(b">12000.00<", b">NaN<"), "an entry that is not an amount"),
        (CAMT.replace(b">12000.00<", b">1E+30<"), "an entry that is not an amount"),
        (CAMT.replace(b"<Cd>CLBD</Cd>", b"<Cd>CLAV</Cd>"), "no closing balance"),
    ],
    ids=["currency", "truncated", "balances", "control", "entry-ccy", "nan", "huge", "no-close"],
)
def test_a_statement_that_does_not_add_up_is_refused_whole(
    book: sessionmaker[Session], content: bytes, reason: str
) -> None:
    with UnitOfWork(book) as uow, pytest.raises(InvalidError) as refused:
        import_statement(uow, content, posting_date=DAY)
    assert refused.value.problems[0][0] == "file" and reason in refused.value.problems[0][1]
    assert _lines(book) == []


def _queue(sessions: sessionmaker[Session]) -> list[StatementLine]:
    with UnitOfWork(sessions) as uow:
        lines = suspense_lines(uow)
        uow.session.expunge_all()
    return lines


def test_the_api_and_the_cli(book: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    """POST /statements with the file as the body (201, then 200 for the same file); the
    queue; a match by hand (a wrong line: problem+json 404); `lms statement` the same way."""
    with api_client(db_url) as client:
        first = client.post("/api/v1/statements", content=CAMT)
        again = client.post("/api/v1/statements", content=CAMT)
        assert (first.status_code, again.status_code) == (201, 200)
        assert (first.json()["posted"], again.json()["repeated"]) == (1, True)
        bad = client.post("/api/v1/statements?format=camt053", content=MT940)
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["errors"][0]["field"] == "file"
        queue = client.get("/api/v1/statement-lines").json()
        assert [(q["amount"], q["status"]) for q in queue] == [("12000.00", "suspense")]
        assert client.get("/api/v1/statement-lines?offset=1").json() == []
        assert client.get("/api/v1/statement-lines?limit=501").status_code == 422
        missing = client.post("/api/v1/statement-lines/999/match", json={"loan_id": 2})
        assert missing.status_code == 404
        line = queue[0]["id"]
        asked = client.post(f"/api/v1/statement-lines/{line}/match", json={"loan_id": 2})
        assert (asked.status_code, asked.json()["status"]) == (202, "pending")
        assert client.get("/api/v1/statement-lines").json()[0]["status"] == "suspense"
        assert client.get("/api/v1/approvals").json()[0]["subject"] == (
            f"statement line {line} (12000.00) to loan 2"
        )
        own = client.post(f"/api/v1/approvals/{asked.json()['id']}/approval", json={})
        assert own.status_code == 409  # the maker cannot approve their own match
        assert approved(db_url, asked.json()) == {
            "line_id": line,
            "loan_id": 2,
            "status": "matched",
        }
        assert client.get("/api/v1/statement-lines").json() == []
    path = tmp_path / "hdfc.mt940"
    path.write_bytes(MT940)
    runner = CliRunner()
    out = runner.invoke(app, ["statement", "import", str(path), "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert "4 lines, 4 new: 1 posted, 2 in suspense, 1 debits" in out.output
    listed = runner.invoke(app, ["statement", "queue", "--database-url", db_url])
    assert listed.exit_code == 0 and listed.output.count("\n") == 2
    line = int(listed.output.split("\t")[0])
    matched = runner.invoke(app, ["statement", "match", str(line), "--loan", "2",
                                  "--database-url", db_url])  # fmt: skip
    assert matched.exit_code == 0, matched.output
    again = runner.invoke(app, ["statement", "match", str(line), "--loan", "2",
                                "--database-url", db_url])  # fmt: skip
    assert again.exit_code == 1 and "not in suspense" in again.output
    nothing = runner.invoke(app, ["statement", "import", str(tmp_path / "none"),
                                  "--database-url", db_url])  # fmt: skip
    assert nothing.exit_code == 2
    sound(book)


def test_a_upi_request_and_its_credit_matched_by_reference(
    book: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sunita's loan owes two EMIs on 26 Nov (17,769.76): the request asks for that, with the
    reference U261126000000002; a UPI credit naming only that reference in its narration is
    posted to her loan (rule: reference, 100). Its QR code is a PNG of the link."""
    monkeypatch.setenv("LMS_UPI_VPA", "acme.loans@hdfcbank")
    with api_client(db_url) as client:
        made = client.post("/api/v1/loans/2/upi-requests").json()
        again = client.post("/api/v1/loans/2/upi-requests").json()
        png = client.get(made["qr"])
    assert made == again and (made["reference"], made["amount"]) == ("U261126000000002", "17769.76")
    assert (
        made["link"].startswith("upi://pay?pa=acme.loans%40hdfcbank&pn=")
        and "&am=17769.76&cu=INR&tr=U261126000000002" in made["link"]
    )
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    statement = MT940.replace(
        b"IMPS/633012345678/SUNITA DEVI/SBIN0001234", b"UPI/633012345678/U261126000000002/PAY"
    )
    result = _import(book, statement)
    assert result.posted == 2  # Ravi's by loan number, Sunita's by the request's reference
    assert _lines(book)[1] == (D("5000.00"), "posted", 2, "reference", 100)
    sound(book)


def test_a_credit_posted_to_the_wrong_loan_goes_back_to_the_queue(
    book: sessionmaker[Session],
) -> None:
    """Ravi's NEFT of 8,884.88 was posted to his loan 1 by the narration; it was in fact
    Sunita's (a posting error): reversed over the API without a bounce charge, the line is back
    in the exceptions queue and the money in receipts suspense (8,884.88 more than the two
    unmatched credits' 6,234.00); matched by hand to loan 2, suspense is back to 6,234.00."""
    _import(book, MT940)
    with UnitOfWork(book) as uow:
        payment = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.kind == "payment"))
        line_id = uow.session.scalar(select(StatementLine.id).where(StatementLine.loan_id == 1))
        url = str(uow.session.get_bind().url.render_as_string(hide_password=False))
    with api_client(url) as client:
        answer = client.post(
            f"/api/v1/loans/1/repayments/{payment}/reversal",
            json={"known_on": DAY.isoformat(), "reason": "posting_error"},
        )
    assert answer.status_code == 201
    assert (answer.json()["reason"], answer.json()["statement_line"]) == ("posting_error", line_id)
    with UnitOfWork(book) as uow:
        queued = [(line.id, line.amount, line.note) for line in suspense_lines(uow)]
        assert (line_id, D("8884.88"), "reversed from loan 1 as a posting error") in queued
        assert account_balances(uow.session)["receipts_suspense"] == -D("15118.88")
        charges = uow.session.scalars(select(LoanEvent).where(LoanEvent.kind == "charge")).all()
        assert charges == []
        match_by_hand(uow, line_id=line_id, loan_id=2, by="ops", posting_date=DAY)
        uow.commit()
    with UnitOfWork(book) as uow:
        assert account_balances(uow.session)["receipts_suspense"] == -D("6234.00")
        assert loan_state(uow, loan_id=2, as_of=DAY).installments[0].unpaid == 0
        assert loan_state(uow, loan_id=1, as_of=DAY).dpd == 32  # 26 Oct unpaid again
    sound(book)
