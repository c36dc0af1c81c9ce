"""Group lending at a centre: four members of a joint liability group, each lent 20,800 at a
flat 12 % a year over 52 weekly installments (interest 20,800 x 12 % x 52/52 = 2,496: 23,296
repaid in installments of 448.00, 400 principal and 48 interest), paid out on Tuesday 29 Sep
2026; the centre meets on Tuesdays from 6 Oct. At the first meeting one member pays 300 and
the group covers her other 148; at the second she pays nothing and the group does not cover,
so the third meeting's sheet asks her for 896.

The household check, by hand: a household earning 1,20,000 a year has 10,000 a month and may
owe 5,000 a month (50 %). One loan's 448 a week is 448 x 52 / 12 = 1,941.333..., 1,941.34 a
month rounded up; with the 2,000.00 a month it owes other lenders that is 3,941.34; a second
such loan in the household would make it 5,882.68, above the cap. A flat 12 % over 52 weeks is
22.71 % a year on the reducing balance (pyxirr.irr of -20,800 and 52 x 448, times 52: 22.7069);
a flat 20 % (480 a week) would be 37.02 %, above the pricing ceiling of 24 %."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from integration.api_client import api_client, csrf, rows, staff_browser
from integration.book_setup import sound
from integration.group_setup import OCT6, OCT13, OCT20, SEP29, group_book, group_lent, lend
from lms.demo.builder import build_demo
from lms.interfaces.cli.main import app
from lms.microfinance.centres import CentreRequest, form_group, lend_through, open_centre
from lms.microfinance.models import Meeting, MeetingLine
from lms.microfinance.overview import centre_books
from lms.microfinance.sheets import Taken, collection_sheet, post_sheet
from lms.payments.models import Receipt
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.models import LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.service import disburse_loan


def test_the_household_cap_and_the_income_limit_refuse_a_loan(db_url: str, engine: Engine) -> None:
    sessions = group_book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        assert lend(uow, 1) == 1  # 3,941.34 of 5,000.00
        with pytest.raises(InvalidError) as refused:
            lend(uow, 5)  # the same household
        assert refused.value.problems == [("principal", "the household's monthly repayments "
            "would be 5882.68 (1941.34 of them this loan's), above the cap of 5000.00: 50 % of "
            "its monthly income of 10000.00")]  # fmt: skip
        with pytest.raises(InvalidError) as refused:
            lend(uow, 6)
        assert refused.value.problems == [("customer_id", "the household's income of 400000.00 "
                                           "a year is above the microfinance limit of 300000")]  # fmt: skip
        with pytest.raises(InvalidError) as refused:
            onboard_loan(uow, request=LoanRequest("X", "PUN01", 2, "JLG", D(20800), D(12), 52,
                                                  SEP29, fees=[{"name": "processing",
                                                                "percent": "1.5"}]))  # fmt: skip
        assert refused.value.problems == [("fees", "upfront fees of 312.00 are above the "
                                           "pricing policy's ceiling of 1 % of the loan")]  # fmt: skip
        flat_20 = LoanRequest("Y", "PUN01", 2, "JLG", D(20800), D(20), 52, SEP29)
        with pytest.raises(InvalidError) as refused:
            onboard_loan(uow, request=flat_20)
        assert refused.value.problems == [("annual_rate", "is 37.02 % a year on the reducing "
                                           "balance, above the pricing policy's ceiling of 24 %")]  # fmt: skip


def _meet(sessions: sessionmaker[Session], centre: int, day: date, taken: list[Taken]) -> int:
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, day)
        meeting = post_sheet(uow, centre, day, taken=taken, collector="fo-1", posted=day)
        uow.commit()
        return meeting.id


def test_a_meeting_with_one_member_short_covered_by_the_group(db_url: str, engine: Engine) -> None:
    sessions = group_book(db_url, engine)
    centre, (a, b, c, d) = group_lent(sessions)
    with UnitOfWork(sessions) as uow:
        sheet = collection_sheet(uow, centre, OCT6)
        assert [(r.member, r.group, r.installment, r.arrears, r.joint) for r in sheet.rows] == [
            (name, "Lotus", D("448.00"), D("0.00"), True)
            for name in ("Anita", "Bharati", "Chitra", "Devi")
        ]
    full = [Taken(loan, D(448)) for loan in (a, b, c)]
    first = _meet(sessions, centre, OCT6, [*full, Taken(d, D(300), cover=D(148))])
    with UnitOfWork(sessions) as uow:
        lines = {x.loan_id: x for x in uow.session.scalars(select(MeetingLine))}
        assert (lines[d].collected, lines[d].cover, lines[d].attended) == (D(300), D(148), True)
        assert lines[d].receipt == "PUN01-20261006-00004"
        assert lines[d].cover_receipt == "PUN01-20261006-00005"
        assert uow.session.scalar(select(func.sum(Receipt.amount))) == D("1792.00")
        paid = uow.session.execute(
            select(LoanInstallment.loan_id, LoanInstallment.principal_paid,
                   LoanInstallment.interest_paid).where(LoanInstallment.number == 1)
        ).all()  # fmt: skip
        assert sorted(paid) == [(loan, D("400.00"), D("48.00")) for loan in (a, b, c, d)]
    sound(sessions)
    # the same posting again is the same meeting; other figures are a conflict
    assert _meet(sessions, centre, OCT6, [*full, Taken(d, D(300), cover=D(148))]) == first
    with pytest.raises(ConflictError):
        _meet(sessions, centre, OCT6, [*full, Taken(d, D(448))])
    # the second meeting: Devi stays away and the group does not pay for her
    _meet(sessions, centre, OCT13, [*full, Taken(d, attended=False)])
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT20)
        uow.commit()
        rows = {r.loan_id: r for r in collection_sheet(uow, centre, OCT20).rows}
        assert (rows[d].installment, rows[d].arrears, rows[d].due) == (
            D("448.00"), D("448.00"), D("896.00"))  # fmt: skip
        assert rows[a].due == D("448.00")
    sound(sessions)


def test_bad_sheets_are_refused_whole(db_url: str, engine: Engine) -> None:
    sessions = group_book(db_url, engine)
    centre, (a, b, _, d) = group_lent(sessions)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT6)
        with pytest.raises(InvalidError) as refused:
            post_sheet(uow, centre, OCT6, collector="fo-1", posted=OCT6, taken=[
                Taken(a, D(448)), Taken(b, D("-1")), Taken(d, D(300), cover=D(160)),
                Taken(a, D(1)), Taken(999, D(1)),
            ])  # fmt: skip
        assert refused.value.problems == [
            ("lines[3].loan_id", "is not on the sheet, or is named twice"),
            ("lines[4].loan_id", "is not on the sheet, or is named twice"),
            ("lines[1].collected", "must be nought or more, in paise"),
            ("lines[2].cover", "is more than the member's shortfall of 148.00"),
        ]
        with pytest.raises(InvalidError) as refused:
            post_sheet(uow, centre, OCT13, collector=" ", posted=OCT6, taken=[])
        assert refused.value.problems == [
            ("on", "is after the business date 2026-10-06"), ("collector", "is required")]  # fmt: skip
        assert uow.session.scalar(select(func.count()).select_from(Receipt)) == 0


def test_a_group_and_its_loans_are_checked(db_url: str, engine: Engine) -> None:
    sessions = group_book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError) as refused:
            open_centre(
                uow, CentreRequest("C-1", "", "XX", "here", "8:30", "daily", OCT6, "nobody")
            )
        assert [f for f, _ in refused.value.problems] == [
            "name", "branch_code", "meeting_time", "frequency", "field_officer"]  # fmt: skip
        centre = open_centre(uow, CentreRequest("C-1", "Hadapsar", "PUN01", "Temple hall",
                                                "08:30", "weekly", OCT6, "fo-1"))  # fmt: skip
        with pytest.raises(InvalidError) as refused:
            form_group(uow, centre.id, "Lotus", [1, 2, 3], SEP29)
        assert refused.value.problems == [("members", "4 to 10 customers, each once")]
        group = form_group(uow, centre.id, "Lotus", [1, 2, 3, 4], SEP29)
        with pytest.raises(InvalidError) as refused:
            form_group(uow, centre.id, "Rose", [4, 5, 6, 99], SEP29)
        assert refused.value.problems == [
            ("members[0]", "is a member of another group"),
            ("members[3]", "customer 99 does not exist"),
        ]
        off_day = LoanRequest("JLG-2", "PUN01", 2, "JLG", D(20800), D(12), 52, SEP29,
                              first_due_date=date(2026, 10, 7))  # fmt: skip
        loan = onboard_loan(uow, request=off_day)
        with pytest.raises(InvalidError) as refused:
            lend_through(uow, group.id, loan.id)
        assert refused.value.problems == [("loan_id", "its first installment, on 2026-10-07, is "
                                           "not on a meeting day of the centre")]  # fmt: skip
        outsider = lend(uow, 3, "MF")  # microfinance, without joint liability
        linked = lend_through(uow, group.id, outsider)
        assert lend_through(uow, group.id, outsider) is linked  # again: nothing new


def test_the_microfinance_api(db_url: str, engine: Engine, tmp_path: Path) -> None:
    sessions = group_book(db_url, engine)
    officer = api_client(db_url, ("loan_officer",), ["PUN01"])
    body = {"members": [7], "annual_income": "90000", "other_obligations": "0", "source": "bureau"}
    made = officer.post("/api/v1/households", json=body)
    assert made.status_code == 201
    assert {k: made.json()[k] for k in ("members", "monthly_income", "cap", "headroom")} == {
        "members": [7], "monthly_income": "7500.00", "cap": "3750.00", "headroom": "3750.00"}  # fmt: skip
    again = officer.post("/api/v1/households", json=body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "members[0]"
    centre = officer.post("/api/v1/centres", json={
        "code": "C-1", "name": "Hadapsar", "branch_code": "PUN01", "place": "Temple hall",
        "meeting_time": "08:30", "frequency": "weekly", "first_meeting": str(OCT6),
        "field_officer": "fo-1"}).json()  # fmt: skip
    assert centre["next_meetings"][:3] == ["2026-10-06", "2026-10-13", "2026-10-20"]
    group = officer.post(f"/api/v1/centres/{centre['id']}/groups",
                         json={"name": "Lotus", "members": [1, 2, 3, 4]}).json()["groups"][0]  # fmt: skip
    loan = {"external_id": "JLG-1", "branch_code": "PUN01", "customer_id": 1,
            "product_code": "JLG", "principal": "20800", "annual_rate": "12", "installments": 52,
            "disbursement_date": str(SEP29), "first_due_date": str(OCT6)}  # fmt: skip
    assert officer.post("/api/v1/loans", json=loan).status_code == 201
    capped = officer.post("/api/v1/loans", json={**loan, "external_id": "JLG-5", "customer_id": 5})
    assert capped.status_code == 422
    assert capped.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in capped.json()["errors"]] == ["principal"]
    with UnitOfWork(sessions) as uow:
        loans = [1, *(lend(uow, customer) for customer in (2, 3, 4))]
        for loan_id in loans:
            disburse_loan(uow, loan_id=loan_id, posting_date=SEP29)
        uow.commit()
    for loan_id in loans:
        linked = officer.post(f"/api/v1/groups/{group['id']}/loans", json={"loan_id": loan_id})
        assert linked.status_code == 201
    assert linked.json()["groups"][0]["loans"] == loans
    sheet = officer.get(f"/api/v1/centres/{centre['id']}/sheet", params={"on": str(OCT6)}).json()
    assert [(x["member"], x["due"]) for x in sheet["lines"]] == [
        ("Anita", "448.00"), ("Bharati", "448.00"), ("Chitra", "448.00"), ("Devi", "448.00")]  # fmt: skip
    lines = [{"loan_id": n, "collected": "448"} for n in loans[:3]]
    lines.append({"loan_id": loans[3], "collected": "300", "cover": "148"})
    early = officer.post(f"/api/v1/centres/{centre['id']}/meetings",
                         json={"on": str(OCT6), "lines": lines})  # fmt: skip
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "on"
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT6)
        uow.commit()
    posted = officer.post(f"/api/v1/centres/{centre['id']}/meetings",
                          json={"on": str(OCT6), "lines": lines})  # fmt: skip
    assert posted.status_code == 201 and posted.json()["posted"]
    assert [(x["collected"], x["cover"]) for x in posted.json()["lines"]][3] == ("300.00", "148.00")
    listed = officer.get("/api/v1/centres").json()
    # 4 x 20,800 paid out, 4 x 400 of principal repaid
    assert [(c["code"], c["groups"], c["loans"], c["outstanding"], c["arrears"], c["par_30"])
            for c in listed] == [("C-1", 1, 4, "81600.00", "0.00", "0.00")]  # fmt: skip
    pdf = officer.get(f"/api/v1/centres/{centre['id']}/sheet.pdf", params={"on": str(OCT6)})
    assert pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Collection sheet: centre C-1 Hadapsar, 06 Oct 2026" in text
    assert re.search(r"Devi\s+4\s+448\.00\s+0\.00\s+448\.00\s+300\.00\s+148\.00\s+yes", text)
    assert re.search(
        r"Total\s+4 members\s+1,792\.00\s+0\.00\s+1,792\.00\s+1,644\.00\s+148\.00", text
    )
    kfs = officer.get(f"/api/v1/loans/{loans[0]}/kfs.pdf")
    (tmp_path / "kfs.pdf").write_bytes(kfs.content)
    said = " ".join(subprocess.run(["pdftotext", str(tmp_path / "kfs.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())  # fmt: skip
    assert ("Microfinance pricing policy interest at most 24% a year on the reducing balance "
            "(this loan: 22.71%) and upfront fees at most 1% of the loan (before tax); no charge "
            "for repaying early") in said  # fmt: skip
    elsewhere = api_client(db_url, ("loan_officer",), ["BLR01"])
    assert elsewhere.get(f"/api/v1/centres/{centre['id']}").status_code == 404
    assert elsewhere.get("/api/v1/centres").json() == []
    sound(sessions)


def test_the_sheet_filled_in_and_posted_from_the_staff_application(
    db_url: str, engine: Engine
) -> None:
    sessions = group_book(db_url, engine)
    centre, (a, b, c, d) = group_lent(sessions)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT6)
        uow.commit()
    officer = staff_browser(db_url, ("loan_officer",), ["PUN01"])
    listed = officer.get("/app/centres").text
    assert rows(listed, "centres-table") == [
        ["C-1 Hadapsar", "PUN01", "fo-1", "1", "4", "83,200.00", "0.00", "0.00 %"]
    ]
    assert rows(listed, "officers-table") == [["fo-1", "1", "4", "83,200.00", "0.00", "0.00 %"]]
    blank = officer.get(f"/app/centres/{centre}/sheet").text
    assert 'value="448.00"' in blank and "Due at this meeting: ₹1,792.00." in blank
    form = {"csrf": csrf(blank), "on": str(OCT6)}
    for loan in (a, b, c):
        form |= {f"collected-{loan}": "448", f"cover-{loan}": "0", f"attended-{loan}": "on"}
    form |= {f"collected-{d}": "300", f"cover-{d}": "160", f"attended-{d}": "on"}
    refused = officer.post(f"/app/centres/{centre}/sheet", data=form)
    assert refused.status_code == 422
    assert "Devi: cover: is more than the member&#39;s shortfall of 148.00" in refused.text
    assert 'value="160"' in refused.text  # the officer's figures are kept
    posted = officer.post(f"/app/centres/{centre}/sheet", data={**form, f"cover-{d}": "148"})
    assert posted.status_code == 303
    shown = officer.get(posted.headers["location"]).text
    assert rows(shown, "sheet-table") == [
        ["Anita", "Lotus", "448.00", "448.00", "0.00", "yes"],
        ["Bharati", "Lotus", "448.00", "448.00", "0.00", "yes"],
        ["Chitra", "Lotus", "448.00", "448.00", "0.00", "yes"],
        ["Devi", "Lotus", "448.00", "300.00", "148.00", "yes"],
    ]
    assert "₹1,792.00 taken by" in shown
    auditor = staff_browser(db_url, ("auditor",))
    assert auditor.post(f"/app/centres/{centre}/sheet", data=form).status_code == 403
    sound(sessions)


def test_the_centres_command(db_url: str, engine: Engine, tmp_path: Path) -> None:
    sessions = group_book(db_url, engine)
    centre, loans = group_lent(sessions)
    _meet(sessions, centre, OCT6, [Taken(n, D(448)) for n in loans[:3]])  # Devi pays nothing
    runner, url = CliRunner(), ["--database-url", db_url]
    listed = runner.invoke(app, ["centres", "list", *url])
    # Devi's 448.00 of 6 Oct unpaid: arrears; she is not yet 30 days past due
    assert listed.output == ("C-1 Hadapsar (PUN01, fo-1): 1 groups, 4 loans, outstanding "
                             "82000.00, arrears 0.00, PAR 30 0.00 %\n")  # fmt: skip
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT13)
        uow.commit()
    shown = runner.invoke(app, ["centres", "sheet", "C-1", "--pdf", str(tmp_path / "s.pdf"), *url])
    assert shown.exit_code == 0
    assert shown.output.splitlines()[3] == "Lotus / Devi (loan 4): due 896.00"
    assert shown.output.splitlines()[-1] == f"4 members, not posted; PDF: {tmp_path / 's.pdf'}"
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    posted = runner.invoke(app, ["centres", "sheet", "C-1", "--on", str(OCT6), *url])
    assert (
        posted.output.splitlines()[3] == "Lotus / Devi (loan 4): due 448.00, paid 0.00, group 0.00"
    )
    assert runner.invoke(app, ["centres", "list", *url]).output.endswith(
        "arrears 448.00, PAR 30 0.00 %\n")  # fmt: skip
    unknown = runner.invoke(app, ["centres", "sheet", "C-9", *url])
    assert unknown.exit_code == 2 and "no centre 'C-9'" in unknown.output


def test_the_demo_lends_through_a_centre_and_posts_its_meetings(
    db_url: str, engine: Engine
) -> None:
    """The demo's group lending on a small book without closes: one centre, two groups of
    five, 16 weekly meetings to the demo's date; one member stops paying at the tenth (six
    installments of 429.28 in arrears); reproducible to the paisa."""
    upgrade(db_url)
    sessions = make_session_factory(engine)
    build_demo(sessions, loans=8, as_of=date(2026, 11, 26), centres=1, close=False)
    with UnitOfWork(sessions) as uow:
        meetings = uow.session.scalars(select(Meeting.held_on).order_by(Meeting.held_on)).all()
        lines = uow.session.execute(
            select(MeetingLine.loan_id, MeetingLine.installment, MeetingLine.collected,
                   MeetingLine.cover)
        ).all()  # fmt: skip
        books = centre_books(uow, date(2026, 11, 26))
    assert (len(meetings), meetings[0], meetings[-1]) == (16, date(2026, 8, 11), date(2026, 11, 24))
    assert len(lines) == 160
    covered = [x for x in lines if x.cover]
    assert len(covered) == 24 and all(x.collected + x.cover == x.installment for x in covered)
    missed = {x.loan_id for x in lines if not x.collected and not x.cover}
    assert len(missed) == 1  # the member who stopped paying, her group not covering
    [book] = books
    assert (book.code, book.groups, book.loans, book.outstanding, book.arrears) == (
        "PUN01-C1", 2, 10, D("220359.16"), D("2575.68"))  # fmt: skip
    sound(sessions)
