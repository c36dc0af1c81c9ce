"""The loan statement: lines, splits and running balance, worked by hand."""

from datetime import date
from decimal import Decimal as D

from lms.core.replay import Payment, Reversal
from lms.core.schedule import generate_schedule
from lms.core.terms import LoanTerms
from lms.documents.statement import StatementLine, statement_csv, statement_lines

ROWS = generate_schedule(LoanTerms(D(100000), D(12), date(2026, 1, 15), 12)).installments


def test_payments_a_return_and_an_excess() -> None:
    events = [
        Payment(date(2026, 2, 15), D(10000), "UTR1"),
        Payment(date(2026, 3, 15), D("7769.76"), "NACH2"),
        Reversal(date(2026, 3, 18), "NACH2"),
    ]
    lines = statement_lines(ROWS, events, D("100000.00"), date(2026, 1, 15), date(2026, 3, 31))
    assert lines == [
        StatementLine(
            date(2026, 1, 15), "disbursement", "", D("-100000.00"), 0, 0, 0, D("100000.00")
        ),
        # 10,000: installment 1 (1,000 interest + 7,884.88 principal), 1,115.12 held
        StatementLine(
            date(2026, 2, 15),
            "payment",
            "UTR1",
            D(10000),
            D("7884.88"),
            D("1000.00"),
            D("1115.12"),
            D("92115.12"),
        ),
        # on 15 Mar the held 1,115.12 pays installment 2's interest 921.15 and 193.97 principal
        StatementLine(
            date(2026, 3, 15),
            "excess applied",
            "",
            0,
            D("193.97"),
            D("921.15"),
            D("-1115.12"),
            D("84151.39"),
        ),
        StatementLine(
            date(2026, 3, 15),
            "payment",
            "NACH2",
            D("7769.76"),
            D("7769.76"),
            D("0.00"),
            0,
            D("84151.39"),
        ),
        # the NACH debit returned on 18 Mar: installment 2's principal is owed again
        StatementLine(
            date(2026, 3, 18), "returned payment", "NACH2", D("-7769.76"), 0, 0, 0, D("91921.15")
        ),
    ]
    assert (
        statement_csv(lines).splitlines()[2]
        == "2026-02-15,payment,UTR1,10000,7884.88,1000.00,1115.12,92115.12"
    )


def test_a_payment_returned_the_day_it_was_made_shows_both_lines() -> None:
    """The 15 Feb NACH debit (8,884.88: installment 1's 1,000.00 interest and 7,884.88
    principal, leaving 92,115.12) is returned the same day: the statement shows it paid, then
    returned, and the principal back at 1,00,000."""
    events = [
        Payment(date(2026, 2, 15), D("8884.88"), "NACH1"),
        Reversal(date(2026, 2, 15), "NACH1"),
    ]
    lines = statement_lines(ROWS, events, D("100000.00"), date(2026, 1, 15), date(2026, 2, 28))
    feb15 = date(2026, 2, 15)
    assert lines[1:] == [
        StatementLine(
            feb15, "payment", "NACH1", D("8884.88"), D("7884.88"), D("1000.00"), 0, D("92115.12")
        ),
        StatementLine(feb15, "returned payment", "NACH1", D("-8884.88"), 0, 0, 0, D("100000.00")),
    ]


def test_a_reversal_reads_as_its_reason() -> None:
    """A bounce shows its return code; a payment posted to the wrong loan reads as a posting
    error (both put installment 1 back as owed: 1,00,000 outstanding)."""
    feb15, feb16 = date(2026, 2, 15), date(2026, 2, 16)
    for reason, kind in (
        ("returned:R01", "returned payment (R01)"),
        ("posting_error", "reversed: posting error"),
    ):
        events = [Payment(feb15, D("8884.88"), "U1"), Reversal(feb16, "U1", reason)]
        lines = statement_lines(ROWS, events, D("100000.00"), date(2026, 1, 15), feb16)
        assert lines[-1] == StatementLine(feb16, kind, "U1", D("-8884.88"), 0, 0, 0, D("100000.00"))
