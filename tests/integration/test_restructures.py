"""Restructures through the API and the daily close: previewed, asked for, approved by a
second person, applied from the value date, posted by their rule and classified by the RBI's
rule for restructured accounts.

The book: Asha's loan 1 and Ravi's loan 2, 1,00,000 at 12 % for 12 months from 26 Sep 2026
(EMI 8,884.88 on the 26th), neither paying October's or November's installment: 17,769.76
overdue on 10 Dec, of which interest 1,000.00 + 921.15 = 1,921.15 and principal 7,884.88 +
7,963.73 = 15,848.61; 84,151.39 not yet due. Restructured on 10 Dec with the arrears
capitalised, the new principal is 84,151.39 + 17,769.76 = 1,01,921.15. Worked by hand: the
running installment (26 Dec) keeps its 841.51 (84,151.39 x 1 %) and adds 1 % a month on
17,769.76 for 16 of the period's 30 days (94.77): 936.29; over 24 installments the EMI is the
annuity 1,01,921.15 x 0.01 / (1 - 1.01^-24) = 4,797.78 (computed below with fractions).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction

from api_client import api_client, approved, csrf, rows, staff_browser
from book_setup import book_of_loans, entry_totals, sound
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.models import LoanSnapshot
from lms.close.runner import close_until
from lms.platform.db import UnitOfWork
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment
from lms.servicing.service import loan_state

PEOPLE = [{"name": "Asha Patil", "email": "asha@example.in"},
          {"name": "Ravi Kumar", "email": "ravi@example.in"}]  # fmt: skip
DEC10 = date(2026, 12, 10)
ASK = {"day": "2026-12-10", "reason": "financial_stress", "reference": "RS-1", "installments": 24}


def annuity(principal: D, count: int) -> D:
    rate = Fraction(1, 100)
    exact = Fraction(principal) * rate / (1 - (1 + rate) ** -count)
    return (D(exact.numerator) / D(exact.denominator)).quantize(D("0.01"), ROUND_HALF_UP)


def interest_of(balance: D, count: int) -> D:
    """The interest of the new rows, worked row by row: 936.29 for the running installment,
    then 1 % of the balance; each row's principal the EMI less a whole period's interest, the
    last row all that is left."""
    emi, total, left = annuity(balance, count), D("936.29"), balance
    for k in range(count):
        regular = (left / 100).quantize(D("0.01"), ROUND_HALF_UP)
        total += regular if k else 0
        left -= left if k == count - 1 else emi - regular
    return total


def _stamp(sessions: sessionmaker[Session], loan_id: int) -> tuple[object, ...]:
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, loan_id)
        assert loan is not None
        return loan.dpd, loan.asset_class, loan.npa_since, loan.asset_category


def test_a_restructure_for_stress_capitalises_the_arrears_and_holds_the_loan_npa(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    assert _stamp(sessions, 1) == (45, "SMA-1", None, "standard")
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        seen = manager.post("/api/v1/loans/1/restructure-preview", json=ASK)
        assert seen.status_code == 200, seen.text
        preview = seen.json()
        asked = manager.post("/api/v1/loans/1/restructures", json=ASK)
        assert asked.status_code == 202, asked.text
        refused = manager.post(f"/api/v1/approvals/{asked.json()['id']}/approval", json={})
        assert refused.status_code == 403  # a branch manager asks; risk or finance decides
    before, after = preview["before"], preview["after"]
    assert (before["principal"], before["overdue"], before["tenure"], before["emi"]) == (
        "100000.00", "17769.76", 10, "8884.88")  # fmt: skip
    assert (after["principal"], after["overdue"], after["tenure"]) == ("101921.15", "0.00", 24)
    assert before["apr"] == after["apr"] == "12.00"  # the same rate on what is owed, both ways
    assert after["emi"] == str(annuity(D("101921.15"), 24))
    first = after["installments"][0]
    assert (first["due_date"], first["interest"]) == ("2026-12-26", "936.29")
    # its principal: the EMI less a whole period's interest (1,019.21 on 1,01,921.15)
    assert D(first["total"]) == D(after["emi"]) - D("1019.21") + D("936.29")
    assert after["last_due"] == "2028-11-26"
    assert (preview["capitalised"], preview["downgraded"]) == ("17769.76", True)
    assert preview["specified_until"] == preview["npa_held_until"] == "2027-12-26"
    approved(db_url, asked.json())
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None
        assert (loan.restructured_on, loan.restructure_reason, loan.npa_held_until) == (
            DEC10, "financial_stress", date(2027, 12, 26))  # fmt: skip
        assert (loan.oldest_unpaid_due, loan.capitalised_interest) == (
            date(2026, 12, 26),
            D("1921.15"),
        )
    assert entry_totals(sessions, "capitalisation") == {
        "loan_principal": D("1921.15"), "interest_receivable": D("-1921.15")}  # fmt: skip
    books = sound(sessions, 1)
    assert books["loan_principal"] == D("101921.15")
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        lines = manager.get("/api/v1/loans/1/statement").json()
    assert [line for line in lines if line["kind"] == "restructure"] == [
        {"date": "2026-12-10", "kind": "restructure", "reference": "RS-1", "amount": "0.00",
         "principal": "15848.61", "interest": "1921.15", "held": "0.00",
         "balance": "101921.15"},
    ]  # fmt: skip
    close_until(sessions, DEC10, size=10)  # nothing overdue, yet NPA: downgraded for stress
    assert _stamp(sessions, 1) == (0, "NPA", DEC10, "substandard")
    assert sound(sessions, 1)["interest_suspense"] == D("-1921.15")  # unrealised, held
    with UnitOfWork(sessions) as uow:  # December's new installment paid on time
        paid = PaymentRequest(D(first["total"]), date(2026, 12, 26), "UTR-DEC", "upi")
        record_payment(uow, loan_id=1, request=paid, posting_date=date(2026, 12, 26))
        uow.commit()
    close_until(sessions, date(2026, 12, 27), size=10)
    assert _stamp(sessions, 1) == (0, "NPA", DEC10, "substandard")  # held through the period
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:  # no way out of it
        asked = {**ASK, "day": "2026-12-28", "reference": "RS-3", "reason": "borrower_request"}
        refused = manager.post("/api/v1/loans/1/restructure-preview", json=asked)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    sound(sessions)


def test_a_relief_scheme_keeps_a_standard_loan_standard_with_the_higher_provision(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    with staff_browser(db_url, ("branch_manager",), ["PUN01"]) as manager:  # from its page
        page = manager.get("/app/loans/2")
        asked = {"csrf": csrf(page.text), "day": "2026-12-10", "reason": "relief_scheme",
                 "reference": "RS-2", "plan": "installments", "value": "10",
                 "capitalise": "yes"}  # fmt: skip
        preview = manager.post("/app/loans/2/restructures", data=asked)
        assert preview.status_code == 200, preview.text
        emi = annuity(D("101921.15"), 10)
        assert rows(preview.text, "restructure-plans") == [
            ["Principal outstanding", "1,00,000.00", "1,01,921.15"],
            ["Overdue", "17,769.76", "0.00"],
            ["Installments left", "10", "10"],
            ["EMI", "8,884.88", f"{emi:,.2f}"],
            ["Last due", "26 Sep 2027", "26 Sep 2027"],
            # 6,618.53 in all (the last installment 8,884.85) less October's and November's
            ["Interest still to pay", "4,697.38", f"{interest_of(D('101921.15'), 10):,.2f}"],
            ["APR (%)", "12.00", "12.00"],
        ]
        assert "stays NPA" not in preview.text and "specified period runs to 26 Dec 2027" in (
            preview.text)  # fmt: skip
        done = manager.post("/app/loans/2/restructures", data={**asked, "confirm": "yes"})
        assert done.status_code == 303
    with staff_browser(db_url, ("risk",)) as risk:
        queue = risk.get("/app/approvals")
        (request_id,) = re.findall(r'action="/app/approvals/(\d+)/approval"', queue.text)
        decided = risk.post(f"/app/approvals/{request_id}/approval",
                            data={"csrf": csrf(queue.text), "note": ""})  # fmt: skip
        assert decided.status_code == 303
        assert "Restructured on 10 Dec 2026 (relief scheme)" in risk.get("/app/loans/2").text
    close_until(sessions, date(2026, 12, 31), size=10)  # 26 Dec's installment left unpaid
    dpd, asset_class, since, category = _stamp(sessions, 2)
    assert (dpd, asset_class, since, category) == (6, "SMA-0", None, "standard")
    with UnitOfWork(sessions) as uow:
        snapshot = uow.session.get(LoanSnapshot, (date(2026, 12, 31), 2))
        assert snapshot is not None
        # 10 % of 1,01,921.15 (0.40 % for a standard loan not restructured: 407.68)
        assert snapshot.provision == D("10192.12")
    sound(sessions)


def test_a_restructure_asked_wrongly_is_refused_and_writes_nothing(
    db_url: str, engine: Engine
) -> None:
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        for change, field in [
            ({"emi": "5000.00"}, "emi"),  # both a tenure and an EMI
            ({"reason": "borrower_request"}, "reason"),  # arrears: that is stress
            ({"reason": "whim"}, "reason"),
            ({"day": "2026-12-11"}, "day"),  # after the business date
            ({"installments": None, "emi": "500.00"}, "plan"),  # below the interest
        ]:
            answer = manager.post("/api/v1/loans/2/restructures", json={**ASK, **change})
            assert answer.status_code == 422, (change, answer.text)
            assert answer.json()["errors"][0]["field"] == field, answer.text
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        assert agent.post("/api/v1/loans/2/restructure-preview", json=ASK).status_code == 403
    with api_client(db_url) as admin:
        assert admin.get("/api/v1/approvals").json() == []
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 2)
        assert loan is not None and loan.restructured_on is None


def test_a_capitalising_moratorium_defers_three_installments_through_the_close(
    db_url: str, engine: Engine
) -> None:
    """Loan 1 from 20 Oct: October's, November's and December's installments deferred, their
    interest capitalised on each due date by the close: 1,000.00 (1 % of 1,00,000), 1,010.00
    (of 1,01,000.00) and 1,020.10 (of 1,02,010.00): 1,03,030.10 repaid over the 12
    installments that were left, 26 Jan to 26 Dec 2027; never overdue meanwhile."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    ask = {"day": "2026-10-20", "periods": 3, "interest": "capitalised", "reference": "COVID-1"}
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        seen = manager.post("/api/v1/loans/1/moratorium-preview", json=ask)
        assert seen.status_code == 200, seen.text
        wrong = manager.post("/api/v1/loans/1/moratoria", json={**ask, "interest": "forgiven"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "interest"
        pending = manager.post("/api/v1/loans/1/moratoria", json=ask).json()
    preview = seen.json()
    assert preview["deferred_until"] == "2026-12-26"
    assert (preview["before"]["tenure"], preview["after"]["tenure"]) == (12, 15)
    assert [(i["principal"], i["interest"]) for i in preview["after"]["installments"][:3]] == [
        ("0.00", "1000.00"), ("0.00", "1010.00"), ("0.00", "1020.10")]  # fmt: skip
    approved(db_url, pending)
    close_until(sessions, date(2026, 12, 27), size=10)
    assert _stamp(sessions, 1) == (0, "STD", None, "standard")
    assert _stamp(sessions, 2)[:2] == (63, "SMA-2")  # Ravi's loan, no relief: since 26 Oct
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None and loan.capitalised_interest == D("3030.10")
    assert entry_totals(sessions, "capitalisation") == {
        "loan_principal": D("3030.10"), "interest_receivable": D("-3030.10")}  # fmt: skip
    assert sound(sessions, 1)["loan_principal"] == D("103030.10")
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        plan = manager.get("/api/v1/loans/1/schedule").json()
        prepay = manager.post("/api/v1/loans/1/moratorium-preview",
                              json={**ask, "day": "2026-12-27", "reference": "COVID-2"})  # fmt: skip
    rows = plan["installments"] if isinstance(plan, dict) else plan
    future = [r for r in rows if r["due_date"] > "2026-12-26"]
    emi = annuity(D("103030.10"), 12)
    assert (len(future), future[-1]["due_date"]) == (12, "2027-12-26")
    assert D(future[1]["principal"]) + D(future[1]["interest"]) == emi
    assert prepay.status_code == 200  # a second relief once the first has run its course
    with api_client(db_url) as admin:
        lines = admin.get("/api/v1/loans/1/statement").json()
    assert [(x["date"], x["interest"], x["balance"]) for x in lines
            if x["kind"] == "interest capitalised"] == [
        ("2026-10-26", "1000.00", "101000.00"), ("2026-11-26", "1010.00", "102010.00"),
        ("2026-12-26", "1020.10", "103030.10"),
    ]  # fmt: skip
    sound(sessions)


def test_a_moratorium_from_the_loan_page_is_previewed_then_asked_for(
    db_url: str, engine: Engine
) -> None:
    """Loan 2 from 20 Oct, two installments deferred, their interest waived: 12 installments
    left become 14, the EMI unchanged (the same principal over the same count after them), the
    last due 26 Nov 2027 (two months later), and the interest still to pay the same 6,618.53:
    the two deferred months' interest (1,000.00 each, on 1,00,000) is waived."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    with staff_browser(db_url, ("branch_manager",), ["PUN01"]) as manager:
        page = manager.get("/app/loans/2")
        asked = {"csrf": csrf(page.text), "day": "2026-10-20", "periods": "2",
                 "interest": "waived", "reference": "RELIEF-2"}  # fmt: skip
        preview = manager.post("/app/loans/2/moratoria", data=asked)
        assert preview.status_code == 200, preview.text
        assert rows(preview.text, "moratorium-plans") == [
            ["Installments left", "12", "14"],
            ["EMI", "8,884.88", "8,884.88"],
            ["Last due", "26 Sep 2027", "26 Nov 2027"],
            ["Interest still to pay", "6,618.53", "6,618.53"],
        ]
        wrong = manager.post("/app/loans/2/moratoria", data={**asked, "periods": "40"})
        assert wrong.status_code == 422 and "periods" in wrong.text
        done = manager.post("/app/loans/2/moratoria", data={**asked, "confirm": "yes"})
        assert done.status_code == 303
    with api_client(db_url) as admin:
        (pending,) = admin.get("/api/v1/approvals").json()
    assert approved(db_url, pending)["reference"] == "RELIEF-2"
    sound(sessions)


def test_a_backdated_restructure_for_stress_restates_the_days_since_as_npa(
    db_url: str, engine: Engine
) -> None:
    """Restructured on 10 Dec with effect from 8 Dec: the close of 10 Dec restates 8 and 9 Dec,
    NPA from 8 Dec (downgraded on the restructure's day), with the provision of that class."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        pending = manager.post("/api/v1/loans/1/restructures",
                               json={**ASK, "day": "2026-12-08"}).json()  # fmt: skip
    approved(db_url, pending)
    close_until(sessions, DEC10, size=10)
    with UnitOfWork(sessions) as uow:
        found = uow.session.scalars(
            select(LoanSnapshot)
            .where(LoanSnapshot.loan_id == 1, LoanSnapshot.day >= date(2026, 12, 7))
            .order_by(LoanSnapshot.day)
        ).all()
        stamps = [(s.day.day, s.dpd, s.asset_class, s.npa_since) for s in found]
    assert stamps == [
        (7, 43, "SMA-1", None),
        (8, 0, "NPA", date(2026, 12, 8)),
        (9, 0, "NPA", date(2026, 12, 8)),
        (10, 0, "NPA", date(2026, 12, 8)),
    ]
    sound(sessions)


def test_a_restructure_moves_the_installments_to_the_tenth(db_url: str, engine: Engine) -> None:
    """Asha's arrears capitalised on 10 Dec over 24 installments, which move from the 26th to
    the 10th: the installment running (due 26 Dec) falls on 10 Jan 2027, its period 26 Nov-10
    Jan charged by days (84,151.39 x 12 % x 14 / 365 before the day, 1,01,921.15 x 12 % x
    31 / 365 after); she pays it on 10 Jan and is current."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    asked = {**ASK, "due_day": 10}
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        seen = manager.post("/api/v1/loans/1/restructure-preview", json=asked)
        assert seen.status_code == 200, seen.text
        first = seen.json()["after"]["installments"][0]
        pending = manager.post("/api/v1/loans/1/restructures", json=asked).json()
        bad = manager.post("/api/v1/loans/1/restructure-preview", json={**ASK, "due_day": 32})
        assert bad.status_code == 422 and "due_day" in bad.text
    approved(db_url, pending)
    exact = (Fraction(D("84151.39")) * Fraction(12, 100) * Fraction(14, 365)
             + Fraction(D("101921.15")) * Fraction(12, 100) * Fraction(31, 365))  # fmt: skip
    charged = (D(exact.numerator) / D(exact.denominator)).quantize(D("0.01"), ROUND_HALF_UP)
    emi = annuity(D("101921.15"), 24)
    assert (first["due_date"], first["interest"]) == ("2027-01-10", f"{charged:.2f}")
    assert first["principal"] == f"{emi - D('1019.21'):.2f}"  # the EMI less a month's interest
    with UnitOfWork(sessions) as uow:
        loan = uow.session.get(Loan, 1)
        assert loan is not None
        dates = [i.due_date for i in loan_state(uow, loan_id=1, as_of=DEC10).installments]
    assert dates[2:5] == [date(2027, 1, 10), date(2027, 2, 10), date(2027, 3, 10)]
    assert len(dates) == 2 + 24 and dates[-1] == date(2028, 12, 10)
    close_until(sessions, date(2027, 1, 9), size=10)
    with UnitOfWork(sessions) as uow:
        total = D(first["principal"]) + D(first["interest"])
        paid = PaymentRequest(total, date(2027, 1, 10), "UTR-J10", "upi")
        record_payment(uow, loan_id=1, request=paid, posting_date=date(2027, 1, 10))
        uow.commit()
    close_until(sessions, date(2027, 1, 12), size=10)
    assert _stamp(sessions, 1)[0] == 0
    sound(sessions)


def test_arrears_moved_to_the_end_re_age_the_loan_without_capitalising(
    db_url: str, engine: Engine
) -> None:
    """Ravi's October and November installments (7,884.88 + 1,000.00 and 7,963.73 + 921.15)
    move on 10 Dec to the end: two installments of their own on 26 Oct and 26 Nov 2027, the
    same principal and interest; the twelve in between unchanged; nothing overdue. The interest
    raised for October and November (1,921.15) is no longer receivable: it is raised again on
    its new due dates (the due entries restated by their rule, naming the restructure)."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    assert sound(sessions, 2)["interest_receivable"] == D("1921.15")
    asked = {**ASK, "reference": "RS-END", "installments": None, "capitalise": False,
             "to_end": True}  # fmt: skip
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        both = {**asked, "capitalise": True}
        refused = manager.post("/api/v1/loans/2/restructure-preview", json=both)
        assert refused.status_code == 422 and "to_end" in refused.text
        pending = manager.post("/api/v1/loans/2/restructures", json=asked).json()
    approved(db_url, pending)
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=2, as_of=DEC10)
    moved = [(i.due_date, i.principal, i.interest) for i in state.installments[-2:]]
    assert moved == [(date(2027, 10, 26), D("7884.88"), D("1000.00")),
                     (date(2027, 11, 26), D("7963.73"), D("921.15"))]  # fmt: skip
    assert [(i.principal, i.interest) for i in state.installments[:2]] == [(D(0), D(0))] * 2
    assert len(state.installments) == 14 and state.installments[2].principal == D("8043.37")
    assert (state.dpd, state.principal_outstanding) == (0, D("100000.00"))
    close_until(sessions, date(2026, 12, 11), size=10)
    assert _stamp(sessions, 2)[0] == 0
    books = sound(sessions, 2)
    assert books["interest_receivable"] == D("0.00")
    assert books["loan_principal"] == D("100000.00")


def test_a_down_payment_is_counted_in_the_preview_and_needed_before_approval(
    db_url: str, engine: Engine
) -> None:
    """Asha's restructure asks a down payment of 5,000 on 10 Dec: the preview counts it (it
    pays November's 1,000.00 and 921.15 of interest, then 3,078.85 of October's principal, by
    the waterfall), so 17,769.76 - 5,000 = 12,769.76 is capitalised. Approved before the money
    is in, it is refused and the request stays pending; once the payment is posted with that
    value date, the approval applies it."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    asked = {**ASK, "down_payment": "5000"}
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        answer = manager.post("/api/v1/loans/1/restructure-preview", json=asked)
        assert answer.status_code == 200, answer.text
        seen = answer.json()
        assert seen["capitalised"] == "12769.76"
        assert seen["after"]["principal"] == "96921.15"  # 84,151.39 + 12,769.76
        pending = manager.post("/api/v1/loans/1/restructures", json=asked).json()
        bad = manager.post("/api/v1/loans/1/restructure-preview", json={**ASK, "down_payment": "0"})
        assert bad.status_code == 422
    with api_client(db_url) as checker:
        early = checker.post(f"/api/v1/approvals/{pending['id']}/approval", json={})
        assert early.status_code == 409 and "down payment of 5000" in early.text
        waiting = [a["id"] for a in checker.get("/api/v1/approvals").json()]
        assert pending["id"] in waiting
    with UnitOfWork(sessions) as uow:
        paid = PaymentRequest(D(5000), DEC10, "UTR-DP", "neft")
        record_payment(uow, loan_id=1, request=paid, posting_date=DEC10)
        uow.commit()
    approved(db_url, pending)
    # the 12,769.76 capitalised is all principal (the down payment paid the interest first):
    # no interest moves from receivable to principal, so no capitalisation entry
    assert entry_totals(sessions, "capitalisation") == {}
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=1, as_of=DEC10)
    assert (state.dpd, state.principal_outstanding) == (0, D("96921.15"))
    sound(sessions)


def test_a_restructure_makes_the_installments_quarterly_through_the_close(
    db_url: str, engine: Engine
) -> None:
    """Ravi's arrears capitalised on 10 Dec over 8 quarterly installments: the running one
    stays on 26 Dec, the next on 26 Mar 2027, then every three months at 3 % a quarter; the
    close raises the quarter's interest on 26 Mar and nothing in January or February."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    asked = {**ASK, "reference": "RS-Q", "installments": 8, "frequency": "quarterly"}
    with api_client(db_url, ("branch_manager",), ["PUN01"]) as manager:
        pending = manager.post("/api/v1/loans/2/restructures", json=asked).json()
        bad = manager.post("/api/v1/loans/2/restructure-preview",
                           json={**asked, "frequency": "weekly"})  # fmt: skip
        assert bad.status_code == 422 and "frequency" in bad.text
    approved(db_url, pending)
    with UnitOfWork(sessions) as uow:
        state = loan_state(uow, loan_id=2, as_of=DEC10)
    future = [i for i in state.installments if i.due_date > DEC10]
    assert [i.due_date for i in future[:3]] == [
        date(2026, 12, 26), date(2027, 3, 26), date(2027, 6, 26)]  # fmt: skip
    assert len(future) == 8 and future[-1].due_date == date(2028, 9, 26)
    balance = sum(i.principal for i in future)
    assert balance == D("101921.15")
    left = balance - future[0].principal
    quarter = (left * 3 / 100).quantize(D("0.01"), ROUND_HALF_UP)
    assert future[1].interest == quarter
    close_until(sessions, date(2026, 12, 25), size=10)
    with UnitOfWork(sessions) as uow:
        paid = PaymentRequest(future[0].principal + future[0].interest, date(2026, 12, 26),
                              "UTR-Q1", "neft")  # fmt: skip
        record_payment(uow, loan_id=2, request=paid, posting_date=date(2026, 12, 26))
        uow.commit()
    close_until(sessions, date(2027, 3, 25), size=10)
    assert _stamp(sessions, 2)[0] == 0  # nothing due in January or February
    close_until(sessions, date(2027, 3, 27), size=10)
    assert _stamp(sessions, 2)[0] == 2  # the quarter's installment, unpaid since 26 Mar
    sound(sessions)


def test_the_loan_page_previews_arrears_moved_to_the_end(db_url: str, engine: Engine) -> None:
    """From Ravi's page: the arrears moved to the end (no capitalisation), then quarterly from
    the 10th: the preview shows nothing overdue, two more installments' worth at the end and
    the new dates; nothing is written by the preview."""
    sessions = book_of_loans(db_url, engine, PEOPLE, business_date=date(2026, 10, 20))
    close_until(sessions, date(2026, 12, 9), size=10)
    with staff_browser(db_url, ("branch_manager",), ["PUN01"]) as manager:
        page = manager.get("/app/loans/2")
        asked = {"csrf": csrf(page.text), "day": "2026-12-10", "reason": "relief_scheme",
                 "reference": "RS-E", "plan": "installments", "value": "",
                 "capitalise": "end"}  # fmt: skip
        preview = manager.post("/app/loans/2/restructures", data=asked)
        assert preview.status_code == 200, preview.text
        plans = {row[0]: row[1:] for row in rows(preview.text, "restructure-plans")}
        assert plans["Overdue"] == ["17,769.76", "0.00"]
        assert plans["Installments left"] == ["10", "12"]
        assert plans["Last due"] == ["26 Sep 2027", "26 Nov 2027"]
        quarterly = {**asked, "value": "4", "capitalise": "yes", "frequency": "quarterly",
                     "due_day": "10"}  # fmt: skip
        again = manager.post("/app/loans/2/restructures", data=quarterly)
        assert again.status_code == 200, again.text
        plans = {row[0]: row[1:] for row in rows(again.text, "restructure-plans")}
        assert plans["Installments left"] == ["10", "4"]
        assert plans["Last due"] == ["26 Sep 2027", "10 Oct 2027"]  # 10 Jan, Apr, Jul, Oct
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(Loan.restructured_on)).all() == [None, None]
