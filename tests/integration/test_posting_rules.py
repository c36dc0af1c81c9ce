"""Each kind of loan event, applied through the services, writes its own journal entries by its
posting rule: exact lines, the source it posts, the loan event it names and the event that
caused it. A backdated payment restates the entries it changes (reversed and posted again,
both naming it), never an unnamed adjustment.

The loan: 1,00,000 at 12 % for 12 months paid out on 26 Sep 2026 (EMI 8,884.88; installment 1
due 26 Oct 2026 is 1,000.00 interest, a month at 1 % of 1,00,000, and 7,884.88 principal).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.integration.book_setup import SEP26, book_of_loans, open_book, sound

from lms.close.runner import close_until
from lms.core.events import ReversalReason
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.errors import ConflictError, InvalidError, NotFoundError
from lms.servicing.catalog import ProductRules
from lms.servicing.charges import add_charge, positions, waive_charge
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import LoanEvent
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.service import disburse_loan
from lms.servicing.tranches import disburse_tranche

OCT26, OCT27, OCT28, OCT30 = (date(2026, 10, d) for d in (26, 27, 28, 30))
NOV26 = date(2026, 11, 26)
Row = tuple[str, str | None, list[tuple[str, str, str]]]


def _book(db_url: str, engine: Engine, **product: object) -> sessionmaker[Session]:
    return book_of_loans(db_url, engine, [{"name": "A"}], **product)


def _last_id(sessions: sessionmaker[Session]) -> int:
    with UnitOfWork(sessions) as uow:
        return (
            uow.session.scalar(select(JournalEntryRow.id).order_by(JournalEntryRow.id.desc())) or 0
        )


def _entries_after(sessions: sessionmaker[Session], after: int) -> list[tuple[object, ...]]:
    """(kind, source, event kind, cause kind, reverses?, lines) of each entry after `after`."""
    with UnitOfWork(sessions) as uow:
        kinds: dict[int, str] = {}
        for event_id, kind in uow.session.execute(select(LoanEvent.id, LoanEvent.kind)):
            kinds[event_id] = kind
        found = []
        for row in uow.session.scalars(
            select(JournalEntryRow).where(JournalEntryRow.id > after).order_by(JournalEntryRow.id)
        ):
            lines = sorted(
                (line.account, f"{line.debit:.2f}", f"{line.credit:.2f}")
                for line in uow.session.scalars(
                    select(JournalLineRow).where(JournalLineRow.entry_id == row.id)
                )
            )
            found.append(
                (
                    row.event,
                    row.source,
                    kinds.get(row.event_id) if row.event_id else None,
                    kinds.get(row.cause_event_id) if row.cause_event_id else None,
                    row.reverses_id is not None,
                    row.origin,
                    lines,
                )
            )
        return found


def _pay(
    sessions: sessionmaker[Session], amount: str, day: date, ref: str, on: date = NOV26
) -> int:
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D(amount), day, ref, "upi")
        event, _ = record_payment(uow, loan_id=1, request=request, posting_date=on)
        uow.commit()
        return event.id


def test_disbursement_names_its_event(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    assert _entries_after(sessions, 0) == [
        ("disbursement", "disbursement", "disbursement", "disbursement", False, "api",
         [("disbursement_bank", "0.00", "100000.00"), ("loan_principal", "100000.00", "0.00")]),
    ]  # fmt: skip


def test_payment_raises_its_due_and_posts_its_own_entry(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    start = _last_id(sessions)
    _pay(sessions, "8884.88", OCT26, "UTR1")
    assert _entries_after(sessions, start) == [
        ("interest_due", "due:2026-10-26", None, "payment", False, "api",
         [("interest_income", "0.00", "1000.00"), ("interest_receivable", "1000.00", "0.00")]),
        ("repayment", "repayment:UTR1", "payment", "payment", False, "api",
         [("collection_bank", "8884.88", "0.00"), ("interest_receivable", "0.00", "1000.00"),
          ("loan_principal", "0.00", "7884.88")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_returned_payment_is_reversed_and_charged(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine, bounce_charge=(D(500), D(18)))
    payment = _pay(sessions, "8884.88", OCT26, "UTR1")
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        reversal = reverse_payment(
            uow, loan_id=1, event_id=payment, known_on=OCT28, posting_date=NOV26,
            reason=ReversalReason.RETURNED, return_code="01",
        )  # fmt: skip
        uow.commit()
        assert reversal.reason == "returned:01"
    assert _entries_after(sessions, start) == [
        ("charge", "charge:bounce:UTR1", "charge", "reversal", False, "api",
         [("fee_income", "0.00", "500.00"), ("fee_receivable", "590.00", "0.00"),
          ("tax_payable", "0.00", "90.00")]),
        ("reversal", "repayment:UTR1", "payment", "reversal", True, "api",
         [("collection_bank", "0.00", "8884.88"), ("interest_receivable", "1000.00", "0.00"),
          ("loan_principal", "7884.88", "0.00")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_posting_error_is_reversed_without_charge_into_suspense(
    db_url: str, engine: Engine
) -> None:
    sessions = _book(db_url, engine, bounce_charge=(D(500), D(18)))
    payment = _pay(sessions, "8884.88", OCT26, "UTR1")
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        reverse_payment(
            uow, loan_id=1, event_id=payment, known_on=OCT28, posting_date=NOV26,
            reason=ReversalReason.POSTING_ERROR,
        )  # fmt: skip
        uow.commit()
        charges = uow.session.scalars(select(LoanEvent).where(LoanEvent.kind == "charge")).all()
        assert charges == []
    assert _entries_after(sessions, start) == [
        ("reversal", "repayment:UTR1", "payment", "reversal", True, "api",
         [("collection_bank", "0.00", "8884.88"), ("interest_receivable", "1000.00", "0.00"),
          ("loan_principal", "7884.88", "0.00")]),
        ("receipt_to_suspense", None, None, "reversal", False, "api",
         [("collection_bank", "8884.88", "0.00"), ("receipts_suspense", "0.00", "8884.88")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_backdated_payment_restates_the_later_one(db_url: str, engine: Engine) -> None:
    """3,000 on 30 Oct pays installment 1's interest and 2,000 of principal; 5,000 dated 27 Oct
    and booked after it pays the interest and 4,000 first, so the 30 Oct payment is restated
    to 3,000 of principal: its entry reversed and posted again, both naming the backdated
    payment as their cause."""
    sessions = _book(db_url, engine)
    _pay(sessions, "3000", OCT30, "UTR-A")
    start = _last_id(sessions)
    _pay(sessions, "5000", OCT27, "UTR-B")
    assert _entries_after(sessions, start) == [
        ("repayment", "repayment:UTR-B", "payment", "payment", False, "api",
         [("collection_bank", "5000.00", "0.00"), ("interest_receivable", "0.00", "1000.00"),
          ("loan_principal", "0.00", "4000.00")]),
        ("reversal", "repayment:UTR-A", "payment", "payment", True, "api",
         [("collection_bank", "0.00", "3000.00"), ("interest_receivable", "1000.00", "0.00"),
          ("loan_principal", "2000.00", "0.00")]),
        ("repayment", "repayment:UTR-A", "payment", "payment", False, "api",
         [("collection_bank", "3000.00", "0.00"), ("loan_principal", "0.00", "3000.00")]),
    ]  # fmt: skip
    with UnitOfWork(sessions) as uow:  # the restatement names the backdated payment
        causes = uow.session.scalars(
            select(JournalEntryRow.cause_event_id).where(JournalEntryRow.id > start)
        ).all()
        utr_b = uow.session.scalar(select(LoanEvent.id).where(LoanEvent.reference == "UTR-B"))
        assert causes == [utr_b, utr_b, utr_b]
        adjustments = uow.session.scalars(
            select(JournalEntryRow.id).where(JournalEntryRow.event == "replay_adjustment")
        ).all()
        assert adjustments == []
    sound(sessions)


def test_refund_and_a_recovery_after_the_refunded_payment_returns(
    db_url: str, engine: Engine
) -> None:
    """10,000 on 26 Oct pays installment 1 and holds 1,115.12; 1,115.12 is refunded; then the
    payment is returned: the refund was paid out of money that never arrived, so the borrower
    owes 1,115.12 back (a recovery, a receivable and not income)."""
    sessions = _book(db_url, engine)
    payment = _pay(sessions, "10000", OCT26, "UTR1")
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        refund_excess(
            uow, loan_id=1, amount=D("1115.12"), value_date=OCT27, reference="RF1",
            posting_date=NOV26,
        )  # fmt: skip
        uow.commit()
    assert _entries_after(sessions, start) == [
        ("refund", "refund:RF1", "refund", "refund", False, "api",
         [("collection_bank", "0.00", "1115.12"), ("unapplied_funds", "1115.12", "0.00")]),
    ]  # fmt: skip
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        reverse_payment(uow, loan_id=1, event_id=payment, known_on=OCT28, posting_date=NOV26)
        uow.commit()
    assert _entries_after(sessions, start) == [
        ("recovery", "recovery:RF1", "refund", "reversal", False, "api",
         [("fee_receivable", "1115.12", "0.00"), ("unapplied_funds", "0.00", "1115.12")]),
        ("reversal", "repayment:UTR1", "payment", "reversal", True, "api",
         [("collection_bank", "0.00", "10000.00"), ("interest_receivable", "1000.00", "0.00"),
          ("loan_principal", "7884.88", "0.00"), ("unapplied_funds", "1115.12", "0.00")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_prepayment_and_a_tranche_post_their_own_kinds(db_url: str, engine: Engine) -> None:
    sessions = _book(db_url, engine)
    _pay(sessions, "8884.88", OCT26, "UTR1")
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        request = PaymentRequest(D("20000"), OCT30, "PP1", "neft", reschedule="reduce_emi")
        record_payment(uow, loan_id=1, request=request, posting_date=NOV26)
        uow.commit()
    assert _entries_after(sessions, start) == [
        ("prepayment", "prepayment:PP1", "prepayment", "prepayment", False, "api",
         [("collection_bank", "20000.00", "0.00"), ("loan_principal", "0.00", "20000.00")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_tranche_posts_its_own_kind(db_url: str, engine: Engine) -> None:
    sessions = open_book(db_url, engine)
    with UnitOfWork(sessions) as uow:
        request = LoanRequest("PL-1", "PUN01", 1, "PL", D(100000), D(12), 12, SEP26)
        loan = onboard_loan(uow, request=request)
        disburse_loan(uow, loan_id=loan.id, posting_date=SEP26, amount=D(50000))
        calendar.set_business_date(uow, NOV26)
        uow.commit()
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        disburse_tranche(
            uow, loan_id=1, amount=D(50000), value_date=OCT27, reference="T2", posting_date=NOV26
        )
        uow.commit()
    assert _entries_after(sessions, start)[0] == (
        "tranche", "tranche:T2", "tranche", "tranche", False, "api",
        [("disbursement_bank", "0.00", "50000.00"), ("loan_principal", "50000.00", "0.00")],
    )  # fmt: skip
    sound(sessions)


def test_unapplied_funds_meeting_a_due_post_their_own_kind(db_url: str, engine: Engine) -> None:
    """10,000 on 26 Oct holds 1,115.12; at the 26 Nov close it pays installment 2's interest
    921.15 and 193.97 of its principal (92,115.12 at 1 % a month is 921.15)."""
    sessions = _book(db_url, engine)
    _pay(sessions, "10000", OCT26, "UTR1")
    start = _last_id(sessions)
    close_until(sessions, NOV26, size=10)
    found = [e for e in _entries_after(sessions, start) if e[0] != "accrual"]
    assert found == [
        ("interest_due", "due:2026-11-26", None, None, False, "close",
         [("interest_income", "0.00", "921.15"), ("interest_receivable", "921.15", "0.00")]),
        ("excess_applied", "excess:2026-11-26", None, None, False, "close",
         [("interest_receivable", "0.00", "921.15"), ("loan_principal", "0.00", "193.97"),
          ("unapplied_funds", "1115.12", "0.00")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_foreclosure_charge_is_its_own_entry(db_url: str, engine: Engine) -> None:
    """Foreclosed on 26 Nov after installment 1 was paid: 2 % of the 92,115.12 principal
    foreclosed is 1,842.30, with 18 % GST 331.61 (both rounded to the paisa)."""
    rules = ProductRules(foreclosure_charge=(D(2), D(18)))
    sessions = _book(db_url, engine, rules=rules)
    _pay(sessions, "8884.88", OCT26, "UTR1")
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        quote = foreclose_loan(
            uow, loan_id=1, on=NOV26, reference="FC1", channel="neft", posting_date=NOV26
        )
        uow.commit()
    assert (quote.foreclosure_charge, quote.foreclosure_tax) == (D("1842.30"), D("331.61"))
    found = {e[1]: e for e in _entries_after(sessions, start)}
    assert found["charge:foreclosure:FC1"] == (
        "charge", "charge:foreclosure:FC1", "charge", "payment", False, "api",
        [("fee_income", "0.00", "1842.30"), ("fee_receivable", "2173.91", "0.00"),
         ("tax_payable", "0.00", "331.61")],
    )  # fmt: skip
    repayment = found["repayment:FC1"]
    assert repayment[6][0] == ("collection_bank", f"{quote.payable:.2f}", "0.00")
    sound(sessions)


def test_a_penal_charge_and_its_reversal_after_a_backdated_payment(
    db_url: str, engine: Engine
) -> None:
    """Installment 1 (8,884.88, due 26 Oct) unpaid at the October close: the penal charge is
    24 % a year on the overdue amount of each day-end from 26 to 31 Oct: 6 x 8,884.88 x 0.24 /
    365 = 35.05, with 18 % GST 6.31. A payment dated 26 Oct booked on 1 Nov makes October
    overdue-free: the next close voids the charge (a charge reversal) and reverses its entry,
    naming that charge reversal as the cause."""
    rules = ProductRules(penal_charge=(D(24), D(18)))
    sessions = book_of_loans(db_url, engine, [{"name": "A"}], business_date=OCT26, rules=rules)
    start = _last_id(sessions)
    close_until(sessions, date(2026, 10, 31), size=10)
    penal = [e for e in _entries_after(sessions, start) if e[0] == "penal_charge"]
    assert penal == [
        ("penal_charge", "penal:penal:2026-10", "penal", "penal", False, "close",
         [("penal_income", "0.00", "35.05"), ("penal_receivable", "41.36", "0.00"),
          ("tax_payable", "0.00", "6.31")]),
    ]  # fmt: skip
    _pay(sessions, "8884.88", OCT26, "UTR1", on=date(2026, 11, 1))
    start = _last_id(sessions)
    close_until(sessions, date(2026, 11, 1), size=10)
    reversed_ = [e for e in _entries_after(sessions, start) if e[1] == "penal:penal:2026-10"]
    assert reversed_ == [
        ("reversal", "penal:penal:2026-10", "penal", "charge_reversal", True, "close",
         [("penal_income", "35.05", "0.00"), ("penal_receivable", "0.00", "41.36"),
          ("tax_payable", "6.31", "0.00")]),
    ]  # fmt: skip
    sound(sessions)


def test_a_waiver_forgives_part_of_a_bounce_charge_by_its_own_rule(
    db_url: str, engine: Engine
) -> None:
    """The 500 + 90 GST bounce charge of a returned payment; 290 of it waived on 26 Nov (GST
    share 44.24, see tests/unit/test_posting_table.py): the waiver's own entry names it; a
    second waiver may forgive the 300 left and no more; the ledger stays on its rules."""
    sessions = _book(db_url, engine, bounce_charge=(D(500), D(18)))
    payment = _pay(sessions, "8884.88", OCT26, "UTR1")
    with UnitOfWork(sessions) as uow:
        reverse_payment(
            uow, loan_id=1, event_id=payment, known_on=OCT28, posting_date=NOV26,
            reason=ReversalReason.RETURNED, return_code="01",
        )  # fmt: skip
        uow.commit()
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        waive_charge(uow, loan_id=1, charge="bounce:UTR1", amount=D("290"), reason="goodwill",
                     posting_date=NOV26)  # fmt: skip
        uow.commit()
    assert [e for e in _entries_after(sessions, start) if e[0] == "charge_waiver"] == [
        ("charge_waiver", "waiver:waiver-1", "charge_waiver", "charge_waiver", False, "api",
         [("fee_income", "245.76", "0.00"), ("fee_receivable", "0.00", "290.00"),
          ("tax_payable", "44.24", "0.00")]),
    ]  # fmt: skip
    with UnitOfWork(sessions) as uow:
        with pytest.raises(InvalidError, match=r"at most the 300\.00 unpaid"):
            waive_charge(uow, loan_id=1, charge="bounce:UTR1", amount=D("300.01"),
                         reason="goodwill", posting_date=NOV26)  # fmt: skip
        with pytest.raises(InvalidError, match="reason"):
            waive_charge(uow, loan_id=1, charge="bounce:UTR1", amount=D("1"), reason="because",
                         posting_date=NOV26)  # fmt: skip
        with pytest.raises(NotFoundError):
            waive_charge(uow, loan_id=1, charge="bounce:NONE", amount=D("1"), reason="goodwill",
                         posting_date=NOV26)  # fmt: skip
    with UnitOfWork(sessions) as uow:
        waive_charge(uow, loan_id=1, charge="bounce:UTR1", amount=D("300"), reason="hardship",
                     posting_date=NOV26)  # fmt: skip
        uow.commit()
        (position,) = positions(uow, 1, NOV26)
        assert (position.paid, position.waived, position.unpaid) == (D(0), D("590"), D(0))
    sound(sessions)


def test_a_charge_added_by_hand_posts_as_a_charge(db_url: str, engine: Engine) -> None:
    """A 1,000 legal charge with 18 % GST (180.00), owed from the business date."""
    sessions = _book(db_url, engine)
    start = _last_id(sessions)
    with UnitOfWork(sessions) as uow:
        add_charge(uow, loan_id=1, amount=D("1000"), tax_rate=D(18), reference="legal:notice",
                   posting_date=NOV26)  # fmt: skip
        uow.commit()
    found = [e for e in _entries_after(sessions, start) if e[0] == "charge"]
    assert found == [
        ("charge", "charge:legal:notice", "charge", "charge", False, "api",
         [("fee_income", "0.00", "1000.00"), ("fee_receivable", "1180.00", "0.00"),
          ("tax_payable", "0.00", "180.00")]),
    ]  # fmt: skip
    with UnitOfWork(sessions) as uow:
        with pytest.raises(ConflictError):
            add_charge(uow, loan_id=1, amount=D("1"), tax_rate=D(18), reference="legal:notice",
                       posting_date=NOV26)  # fmt: skip
        with pytest.raises(InvalidError) as refused:
            add_charge(uow, loan_id=1, amount=D("-1"), tax_rate=D(40), reference="penal:x",
                       posting_date=NOV26)  # fmt: skip
        assert [f for f, _ in refused.value.problems] == ["amount", "tax_rate", "reference"]
    sound(sessions)


def test_a_restated_penal_charge_keeps_what_was_waived_of_it(db_url: str, engine: Engine) -> None:
    """October's penal charge (35.05 + 6.31 GST, as above) has 20.00 waived on 1 Nov; then a
    payment dated 28 Oct leaves only 26 and 27 Oct overdue: 2 x 8,884.88 x 0.24 / 365 = 11.68,
    with GST 2.10. The 1 Nov close voids the old charge, levies the right one and makes the
    waiver again for it, which forgives all of its 13.78 (no more than is unpaid)."""
    rules = ProductRules(penal_charge=(D(24), D(18)))
    sessions = book_of_loans(db_url, engine, [{"name": "A"}], business_date=OCT26, rules=rules)
    close_until(sessions, date(2026, 10, 31), size=10)
    nov1 = date(2026, 11, 1)
    with UnitOfWork(sessions) as uow:
        waive_charge(uow, loan_id=1, charge="penal:2026-10", amount=D("20"), reason="goodwill",
                     posting_date=nov1)  # fmt: skip
        uow.commit()
    _pay(sessions, "8884.88", OCT28, "UTR1", on=nov1)
    close_until(sessions, nov1, size=10)
    with UnitOfWork(sessions) as uow:
        found = [
            (p.charge.reference, p.charge.amount, p.charge.tax, p.waived, p.unpaid)
            for p in positions(uow, 1, nov1)
        ]
    assert found == [("penal:2026-10:2", D("11.68"), D("2.10"), D("13.78"), D("0.00"))]
    sound(sessions)
