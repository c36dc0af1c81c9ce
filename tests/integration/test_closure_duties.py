"""Closure duties of secured loans on every database: a closed loan of a secured product is on
the list from its closure, due back within 30 days (60 when the documents were lost); each
day past that costs Rs 5,000 until both the documents are returned and the charge removed;
dates are checked and recorded once; loans of unsecured products, and open loans, have no
duty; the staff page shows and records them, and the borrower sees theirs.

The book (book_setup.book_of_loans): loans PL-1 and PL-2 of 1,00,000 at 12 % for 12 months
of a secured product, paid out on 26 Sep 2026; PL-1 foreclosed on 26 Nov 2026, the business
date then moved to 10 Jan 2027 (45 days after the closure: 15 days late).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from email.message import EmailMessage

import pytest
from api_client import csrf, staff_browser
from book_setup import book_of_loans
from fastapi.testclient import TestClient
from portal_setup import sign_in
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.interfaces.api.app import create_app
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.catalog import ProductRules
from lms.servicing.closure_duties import record_release, release_of, releases
from lms.servicing.foreclosure import foreclose_loan

NOV26, JAN10 = date(2026, 11, 26), date(2027, 1, 10)


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    people = ({"name": "Asha Rao", "email": "asha@example.in"}, {"name": "Bharat Das"})
    sessions = book_of_loans(db_url, engine, people, rules=ProductRules(secured=True))
    with UnitOfWork(sessions) as uow:
        foreclose_loan(uow, loan_id=1, on=NOV26, reference="FC-1", channel="neft",
                       posting_date=NOV26)  # fmt: skip
        calendar.set_business_date(uow, JAN10)
        uow.commit()
    return sessions


def test_a_closed_secured_loan_owes_its_release_within_thirty_days_or_compensation(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        (duty,) = releases(uow, today=JAN10, branches=None)
        assert (duty.loan_number, duty.closed_on, duty.due_by) == (
            "PL-1",
            NOV26,
            date(2026, 12, 26),
        )
        assert (duty.days_late(JAN10), duty.compensation(JAN10)) == (15, D(75000))
        assert release_of(uow, 2) is None  # open: nothing owed yet
        assert releases(uow, today=JAN10, branches=frozenset({"BLR01"})) == []
        with pytest.raises(InvalidError, match="returned_on: must be from the closure"):
            record_release(uow, loan_id=1, today=JAN10, actor="t", returned_on=date(2026, 11, 25))
        with pytest.raises(InvalidError, match="returned_on: must be from the closure"):
            record_release(uow, loan_id=1, today=JAN10, actor="t", returned_on=date(2027, 1, 11))
        with pytest.raises(ConflictError, match="not a closed loan of a secured product"):
            record_release(uow, loan_id=2, today=JAN10, actor="t", returned_on=JAN10)
        done = record_release(
            uow, loan_id=1, today=JAN10, actor="t", returned_on=date(2026, 12, 20)
        )
        # returned in time, but the charge is still on the registry: still late, still counting
        assert (done.days_late(JAN10), done.done) == (15, False)
        done = record_release(uow, loan_id=1, today=JAN10, actor="t",
                              charge_removed_on=date(2027, 1, 5))  # fmt: skip
        assert (done.days_late(date(2027, 3, 1)), done.compensation(JAN10)) == (10, D(50000))
        assert releases(uow, today=JAN10, branches=None) == []  # both done
        with pytest.raises(InvalidError, match="returned_on: was recorded already"):
            record_release(uow, loan_id=1, today=JAN10, actor="t", returned_on=JAN10)


def test_lost_documents_give_thirty_more_days_once(book: sessionmaker[Session]) -> None:
    with UnitOfWork(book) as uow:
        with pytest.raises(InvalidError, match="extended_because: must say why"):
            record_release(uow, loan_id=1, today=JAN10, actor="t", extended_because="x")
        duty = record_release(uow, loan_id=1, today=JAN10, actor="t",
                              extended_because="title deed damaged in the branch")  # fmt: skip
        assert (duty.due_by, duty.days_late(JAN10)) == (date(2027, 1, 25), 0)
        with pytest.raises(InvalidError, match="extension is given once"):
            record_release(uow, loan_id=1, today=JAN10, actor="t", extended_because="again")


def test_staff_record_the_release_on_its_page(db_url: str, book: sessionmaker[Session]) -> None:
    staff = staff_browser(db_url, ("loan_officer",), ["PUN01"])
    listed = staff.get("/app/closures").text
    assert "PL-1" in listed and "26 Dec 2026" in listed and "75,000.00" in listed
    token = csrf(listed)
    bad = staff.post("/app/closures/1", data={"csrf": token, "returned_on": "2027-13-01"})
    assert bad.status_code == 422 and "returned_on: is not a date" in bad.text
    assert (
        staff.post("/app/closures/2", data={"csrf": token, "returned_on": "2027-01-10"}).status_code
        == 404
    )
    both = {"csrf": token, "returned_on": "2027-01-08", "charge_removed_on": "2027-01-09"}
    assert staff.post("/app/closures/1", data=both).status_code == 303
    assert "Nothing to do." in staff.get("/app/closures").text
    everything = staff.get("/app/closures?done=true").text
    assert '<td class="num negative">14</td>' in everything  # 26 Dec to 9 Jan
    assert "70,000.00" in everything
    elsewhere = staff_browser(db_url, ("loan_officer",), ["BLR01"])
    assert "PL-1" not in elsewhere.get("/app/closures?done=true").text


def test_the_borrower_sees_when_their_documents_are_due_and_what_the_delay_owes(
    db_url: str,
    book: sessionmaker[Session],
    smtp: tuple[list[EmailMessage], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received, port = smtp
    monkeypatch.setenv("LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LMS_SMTP_PORT", str(port))
    client = TestClient(create_app(db_url), follow_redirects=False)
    sign_in(client, "PL-1", "asha@example.in", received)
    page = client.get("/my/loans/1").text
    assert "Due back to you by</dt><dd>26 Dec 2026" in page
    assert "Compensation owed to you for the delay</dt><dd>₹75,000.00" in page
