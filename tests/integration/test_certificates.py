"""The borrower's repayment schedule, interest certificate and no-dues certificate, on every
database, in English and Hindi.

The book (book_setup.book_of_loans): loans 1 (Ravi Kumar) and 2 (Sunita Devi), each 1,00,000
at 12 % for 12 months paid out on 26 Sep 2026, EMI 8,884.88 on the 26th; the product's bounce
charge 500 + 18 % GST (590.00) on a returned payment; business date 15 Jan 2027.

Hand figures: the schedule's interest is periodic (the product sets no other basis): each
installment's interest is the balance before it times 12 % / 12, rounded half up to the paisa,
and its principal is the EMI less that interest (EMI = P r / (1 - (1 + r)^-n) with r = 0.01,
n = 12: 8,884.8788... = 8,884.88). So the first installment, 26 Oct 2026, is 1,000.00 interest
on 1,00,000 (a whole month, 26 Sep to 26 Oct, as every period) and 7,884.88 principal; the
second 921.15 (1 % of 92,115.12) and 7,963.73; the third 841.51 (1 % of 84,151.39) and
8,043.37; the fourth 761.08 (1 % of 76,108.02) and 8,123.80. `_by_hand` works them out so.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from book_setup import EMI, book_of_loans
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.certificates import (
    interest_certificate,
    interest_paid,
    loan_schedule_document,
    no_dues_certificate,
    plan_lines,
)
from lms.documents.service import loan_statement
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import Loan
from lms.servicing.repayments import PaymentRequest, record_payment, reverse_payment
from lms.servicing.service import loan_state

TODAY = date(2027, 1, 15)


def _by_hand(count: int) -> list[tuple[D, D, D]]:
    """(interest, principal, balance after) of the first `count` installments, worked as the
    module's docstring says."""
    balance, rows = D(100000), []
    for _ in range(count):
        interest = (balance / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        balance -= EMI - interest
        rows.append((interest, EMI - interest, balance))
    return rows


@pytest.fixture
def book(db_url: str, engine: Engine) -> sessionmaker[Session]:
    people = ({"name": "Ravi Kumar"}, {"name": "Sunita Devi"})
    return book_of_loans(db_url, engine, people, business_date=TODAY,
                         bounce_charge=(D(500), D(18)))  # fmt: skip


def _pay(uow: UnitOfWork, loan_id: int, amount: D, day: date, reference: str) -> int:
    request = PaymentRequest(amount, day, reference, "nach")
    return record_payment(uow, loan_id=loan_id, request=request, posting_date=day)[0].id


def _return(uow: UnitOfWork, loan_id: int, event_id: int, day: date) -> None:
    reverse_payment(uow, loan_id=loan_id, event_id=event_id, known_on=day, posting_date=day,
                    return_code="01")  # fmt: skip


def _text(pdf: bytes) -> str:
    """The PDF's text on one line (lines wrap where the page decides)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _three_emis_one_returned(uow: UnitOfWork) -> None:
    """Loan 1: the EMIs of 26 Oct and 26 Nov paid; that of 26 Dec returned on 29 Dec (a
    bounce charge of 590.00 levied); on 10 Jan 2027 the third EMI and the charge paid
    (9,474.88: the charge first, then the third installment's interest and principal)."""
    _pay(uow, 1, EMI, date(2026, 10, 26), "N1")
    _pay(uow, 1, EMI, date(2026, 11, 26), "N2")
    returned = _pay(uow, 1, EMI, date(2026, 12, 26), "N3")
    _return(uow, 1, returned, date(2026, 12, 29))
    _pay(uow, 1, EMI + D("590.00"), date(2027, 1, 10), "N4")


def test_interest_certificate_counts_what_was_applied_and_not_what_came_back(
    book: sessionmaker[Session],
) -> None:
    """FY 2026-27 on 15 Jan 2027: three installments' principal and interest and the bounce
    charge; the returned EMI not at all. A payment of 26 Mar 2027 counts in the year while it
    stands, and no more once it is returned on 2 Apr 2027 (after the year). That payment
    finds the January and February installments past due: the standard waterfall takes the
    interest of both (761.08 and 679.84) before any principal (8,884.88 - 1,440.92)."""
    (i1, p1, _), (i2, p2, _), (i3, p3, left), (i4, _, _), (i5, _, _) = _by_hand(5)
    assert (i1, i2, i3, i4, i5) == tuple(D(x) for x in ("1000.00", "921.15", "841.51", "761.08",
                                                         "679.84"))  # fmt: skip
    with UnitOfWork(book) as uow:
        _three_emis_one_returned(uow)
        paid = interest_paid(uow, 1, 2026, TODAY)
        pdf = interest_certificate(uow, loan_id=1, fy_start_year=2026, as_of=TODAY)
        hindi = interest_certificate(uow, loan_id=1, fy_start_year=2026, as_of=TODAY, lang="hi")
        uow.commit()
    assert paid == (p1 + p2 + p3, i1 + i2 + i3, D("590.00"))
    assert paid == (D("23891.98"), D("2762.66"), D("590.00"))
    assert left == D("76108.02")  # 1,00,000 less the three installments' principal
    text = _text(pdf)
    for said in ("Interest certificate · financial year 2026-27",
                 "Financial year 2026-27: 1 Apr 2026 to 31 Mar 2027.",
                 "The year is not over: the figures are those up to 15 Jan 2027.",
                 "Ravi Kumar", "Loan PL-1 (loan 1)", "Sanctioned loan amount ₹1,00,000.00",
                 "Disbursed on 26 Sep 2026", "Interest rate 12 % a year",
                 "Paid from 1 Apr 2026 to 15 Jan 2027", "Principal repaid ₹23,891.98",
                 "Interest paid ₹2,762.66", "Charges paid (with their GST) ₹590.00",
                 "Total ₹27,244.64", "Principal outstanding on 15 Jan 2027 ₹76,108.02",
                 "for the borrower's income tax return", "Issued on 15 Jan 2027."):  # fmt: skip
        assert said in text, said
    fonts = {str(font.get_object()["/BaseFont"]) for page in PdfReader(io.BytesIO(hindi)).pages
             for font in page["/Resources"]["/Font"].values()}  # fmt: skip
    assert any("NotoSansDevanagari" in name for name in fonts)
    for said in ("ऋणदाता", "2026-27", "15 जनवरी 2027 को बकाया मूलधन ₹76,108.02", "₹2,762.66",
                 "₹23,891.98", "₹590.00"):  # fmt: skip
        assert said in _text(hindi), said
    with UnitOfWork(book) as uow:
        late = _pay(uow, 1, EMI, date(2027, 3, 26), "N5")
        standing = interest_paid(uow, 1, 2026, date(2027, 3, 31))
        _return(uow, 1, late, date(2027, 4, 2))
        after = interest_paid(uow, 1, 2026, date(2027, 4, 15))
        text = _text(interest_certificate(uow, loan_id=1, fy_start_year=2026,
                                          as_of=date(2027, 4, 15)))  # fmt: skip
        uow.commit()
    assert standing == (paid.principal + EMI - i4 - i5, paid.interest + i4 + i5, D("590.00"))
    assert standing == (D("31335.94"), D("4203.58"), D("590.00"))
    assert after == paid
    assert "not over" not in text and "Principal outstanding on 31 Mar 2027 ₹76,108.02" in text


def test_a_returned_payment_counts_later_ones_as_the_loan_applied_them(
    book: sessionmaker[Session],
) -> None:
    """Loan 2: the October EMI (S1) is returned on 30 Nov, after the November one (S2) was
    paid. The statement keeps S2's line as it stood on 26 Nov (the second installment's
    split); the loan, replayed without S1, applied S2 to the first installment, and so does
    the certificate: 1,000.00 interest and 7,884.88 principal, the unpaid bounce charge none."""
    with UnitOfWork(book) as uow:
        first = _pay(uow, 2, EMI, date(2026, 10, 26), "S1")
        _pay(uow, 2, EMI, date(2026, 11, 26), "S2")
        _return(uow, 2, first, date(2026, 11, 30))
        paid = interest_paid(uow, 2, 2026, TODAY)
        _, lines = loan_statement(uow, loan_id=2, as_of=TODAY)
        state = loan_state(uow, loan_id=2, as_of=TODAY)
        uow.commit()
    assert paid == (D("7884.88"), D("1000.00"), D(0))
    assert [(x.principal, x.interest) for x in lines if x.reference == "S2"] == [
        (D("7963.73"), D("921.15"))
    ]
    assert state.principal_outstanding == D(100000) - paid.principal


def test_interest_certificate_refuses_a_year_not_begun_or_over_before_the_loan(
    book: sessionmaker[Session],
) -> None:
    with UnitOfWork(book) as uow:
        for year in (2027, 2025):  # starts 1 Apr 2027; ends 31 Mar 2026, before 26 Sep 2026
            with pytest.raises(InvalidError) as refused:
                interest_paid(uow, 1, year, TODAY)
            assert [field for field, _ in refused.value.problems] == ["fy"]
            with pytest.raises(InvalidError, match="fy: the financial year"):
                interest_certificate(uow, loan_id=1, fy_start_year=year, as_of=TODAY)


def test_the_repayment_schedule_shows_each_installment_paid_overdue_or_not_due(
    book: sessionmaker[Session],
) -> None:
    """On 15 Jan 2027 after the story of `_three_emis_one_returned` less its last payment:
    October and November paid, December overdue, the rest not due; totals of the whole plan:
    principal 1,00,000.00, interest 6,618.53 (eleven EMIs of 8,884.88 and a last of 8,884.85
    make 1,06,618.53), paid 17,769.76."""
    (i1, p1, b1), (i2, p2, b2), (i3, p3, b3) = _by_hand(3)
    with UnitOfWork(book) as uow:
        _pay(uow, 1, EMI, date(2026, 10, 26), "N1")
        _pay(uow, 1, EMI, date(2026, 11, 26), "N2")
        lines = plan_lines(loan_state(uow, loan_id=1, as_of=TODAY))
        english = _text(loan_schedule_document(uow, loan_id=1, as_of=TODAY))
        hindi = _text(loan_schedule_document(uow, loan_id=1, as_of=TODAY, lang="hi"))
        uow.commit()
    assert [(x.number, x.principal, x.interest, x.paid, x.status, x.balance) for x in lines[:3]] == [
        (1, p1, i1, EMI, "paid", b1), (2, p2, i2, EMI, "paid", b2), (3, p3, i3, 0, "overdue", b3),
    ]  # fmt: skip
    assert {x.status for x in lines[3:]} == {"not_due"} and lines[-1].balance == 0
    for said in ("Repayment schedule · PL-1 (loan 1)", "Ravi Kumar",
                 "1 26 Oct 2026 7,884.88 1,000.00 8,884.88 8,884.88 92,115.12 paid",
                 "2 26 Nov 2026 7,963.73 921.15 8,884.88 8,884.88 84,151.39 paid",
                 "3 26 Dec 2026 8,043.37 841.51 8,884.88 0.00 76,108.02 overdue",
                 "4 26 Jan 2027 8,123.80 761.08 8,884.88 0.00 67,984.22 not due",
                 "12 26 Sep 2027 8,796.88 87.97 8,884.85 0.00 0.00 not due",
                 "Total 1,00,000.00 6,618.53 1,06,618.53 17,769.76",
                 "Principal outstanding ₹84,151.39",
                 "Overdue ₹8,884.88 (of which charges ₹0.00)"):  # fmt: skip
        assert said in english, said
    # Hindi: words whose letters copy back out of the PDF one for one (a shaped conjunct or a
    # vowel sign drawn before its consonant does not, as ADR 24 says; what is printed is right)
    for said in ("ऋणदाता", "चुकाया गया", "26 जनवरी 2027", "बकाया मूलधन ₹84,151.39", "Ravi Kumar"):
        assert said in hindi, said


def test_no_dues_only_for_a_closed_loan_and_given_after_foreclosure(
    book: sessionmaker[Session],
) -> None:
    """Loan 1 is refused while active, and certified once foreclosed on 10 Dec 2026; a
    settled loan (as lms.collections.settlements leaves it) is refused, saying why."""
    with UnitOfWork(book) as uow:
        _pay(uow, 1, EMI, date(2026, 10, 26), "N1")
        with pytest.raises(ConflictError, match="loan 1 is active, not closed"):
            no_dues_certificate(uow, loan_id=1)
        foreclose_loan(uow, loan_id=1, on=date(2026, 12, 10), reference="F1", channel="neft",
                       posting_date=date(2026, 12, 10))  # fmt: skip
        english = _text(no_dues_certificate(uow, loan_id=1))
        hindi = _text(no_dues_certificate(uow, loan_id=1, lang="hi"))
        settled = uow.session.get(Loan, 2)
        assert settled is not None
        settled.status, settled.closed_on = "settled", date(2026, 12, 20)
        with pytest.raises(ConflictError, match=r"settled on 2026-12-20.*no no-dues certificate"):
            no_dues_certificate(uow, loan_id=2)
        uow.commit()
    for said in ("No-dues certificate · PL-1 (loan 1)", "Ravi Kumar", "Closed on 10 Dec 2026",
                 "How it closed foreclosed (repaid in full before its term)",
                 "This is to certify that loan PL-1 (loan 1) of Ravi Kumar was foreclosed (repaid"
                 " in full before its term) and closed on 10 Dec 2026. Nothing is owed on it",
                 "Issued on 15 Jan 2027."):  # fmt: skip
        assert said in english, said
    for said in ("ऋणदाता", "बंद हो गया", "बकाया", "15 जनवरी 2027", "PL-1 (ऋण 1)", "Ravi Kumar"):
        assert said in hindi, said
