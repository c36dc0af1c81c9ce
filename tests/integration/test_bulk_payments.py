"""Many payments at once (lms.servicing.bulk_payments) leave the book exactly as taking them one by
one with `record_payment` does: the same events, installments, loan figures, journal (each
entry's source, origin, loan event and cause with its lines) and restatement marks, on two
copies of a 60-loan demo book (all kinds of history) closed daily from 26 Nov to 15 Dec (so
its dues are raised).

The payments, posted on 16 Dec, one per loan and a few more: what each loan owes at the
day-end of 16 Dec, half of it, or that plus 100 (held: the full path), one dated 15 Dec
(before the posting date), every fifth with an idempotency key, a second payment for one loan
and one reference used on two borrowers' loans (both the full path). The fast path is checked
to take many of them, for loans whose histories hold every kind of event it allows but the
part-prepayment (proven below on its own).

Bulk decides refusals and retries by the same rule functions as `record_payment`
(lms.servicing.payment_rules), with the same reasons; it takes a loan only if every event of it
is of an allowed kind, so a kind it does not know (a waiver) goes one by one.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from book_setup import book_of_loans, open_book, sound, table_contents
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.close.runner import close_until
from lms.demo.builder import build_demo
from lms.ledger.check import account_balances
from lms.payments.models import Mandate
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.platform.errors import DomainError
from lms.servicing import bulk_payments
from lms.servicing.bulk_payments import FAST_KINDS, post_payments
from lms.servicing.models import Loan, LoanEvent, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.service import disburse_loan, loan_state

DAY, CLOSED, LATE = date(2026, 11, 26), date(2026, 12, 15), date(2026, 12, 16)
QUERIES = {
    "events": "SELECT loan_id, kind, value_date, amount, reference, channel, idempotency_key"
    " FROM loan_events",
    # each entry with its source, origin, whether it reverses one, the loan event it posts and
    # the event that caused it (by kind and reference: ids differ between the two books)
    "journal": "SELECT e.loan_id, e.event, e.source, e.origin, e.reverses_id IS NOT NULL,"
    " v.kind, v.reference, c.kind, c.reference, e.value_date, e.posting_date, l.account,"
    " l.debit, l.credit FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id"
    " LEFT JOIN loan_events v ON v.id = e.event_id"
    " LEFT JOIN loan_events c ON c.id = e.cause_event_id",
    "loans": "SELECT id, status, excess, last_event_on, oldest_unpaid_due,"
    " interest_posted_through, closed_on, principal_outstanding FROM loans",
    "installments": "SELECT * FROM loan_installments",
    "restatements": "SELECT loan_id, from_date FROM loan_restatements",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "book.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    build_demo(sessions, loans=60, as_of=DAY, seed=5)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, DAY)
        # no NACH debits: the dues of 26 Nov-16 Dec stay owed, for the payments to pay
        for mandate in uow.session.scalars(select(Mandate)):
            mandate.status, mandate.reason = "cancelled", "the test pays by NEFT"
        uow.commit()
    close_until(sessions, CLOSED)
    engine.dispose()
    return path


def _payments(url: str) -> list[tuple[int, PaymentRequest]]:
    sessions = make_session_factory(make_engine(url))
    payments = []
    with UnitOfWork(sessions) as uow:
        loans = uow.session.scalars(
            select(Loan.id).where(Loan.status == "active").order_by(Loan.id)
        ).all()
        for k, loan_id in enumerate(loans):
            state = loan_state(uow, loan_id=loan_id, as_of=LATE)
            owed = sum((i.unpaid for i in state.installments if i.due_date <= LATE), D(0))
            amount = [owed, (owed / 2).quantize(D("0.01")), owed + 100][k % 3]
            if amount <= 0:
                amount = D("500.00")
            day = CLOSED if k == 4 else LATE
            key = f"K-{loan_id}" if k % 5 == 1 else None
            request = PaymentRequest(amount, day, f"UTR-{loan_id}", "neft", key)
            payments.append((loan_id, request))
    first = payments[0][0]
    payments.append((first, PaymentRequest(D("100.00"), LATE, "UTR-again", "neft")))
    payments.append((loans[1], PaymentRequest(D("100.00"), LATE, "UTR-twice", "imps")))
    payments.append((loans[2], PaymentRequest(D("100.00"), LATE, "UTR-twice", "imps")))
    return payments


def _contents(url: str) -> dict[str, list[str]]:
    return table_contents(url, QUERIES)


def _one_by_one(url: str, payments: list[tuple[int, PaymentRequest]]) -> list[tuple[int, str]]:
    """Take `payments` in order with `record_payment`, each in its own transaction; the
    refused ones' (loan, reason)."""
    refused = []
    sessions = make_session_factory(make_engine(url))
    for loan_id, request in payments:
        with UnitOfWork(sessions) as uow:
            try:
                record_payment(uow, loan_id=loan_id, request=request, posting_date=LATE)
                uow.commit()
            except DomainError as exc:  # the same refusals are expected from the bulk path
                refused.append((loan_id, str(exc)))
    return refused


def _kinds(url: str, loans: list[int]) -> set[str]:
    """The kinds of event in the histories of `loans`."""
    with make_engine(url).connect() as connection:
        found = connection.execute(select(LoanEvent.kind).where(LoanEvent.loan_id.in_(loans)))
        return set(found.scalars())


def test_many_payments_at_once_equal_one_by_one(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, single = tmp_path / "bulk.sqlite3", tmp_path / "single.sqlite3"
    shutil.copy(demo, bulk)
    shutil.copy(demo, single)
    payments = _payments(f"sqlite:///{single}")
    refused = _one_by_one(f"sqlite:///{single}", payments)
    slow = []
    real = bulk_payments.try_payment

    def counted(*args: object, **kwargs: object) -> object:
        slow.append(kwargs["loan_id"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk_payments, "try_payment", counted)
    sessions = make_session_factory(make_engine(f"sqlite:///{bulk}"))
    with UnitOfWork(sessions) as uow:
        outcomes = post_payments(uow, payments, posting_date=LATE)
        uow.commit()
    fast = [o.loan_id for o in outcomes if o.error is None and o.loan_id not in slow]
    assert _contents(f"sqlite:///{bulk}") == _contents(f"sqlite:///{single}")
    assert [(o.loan_id, o.error) for o in outcomes if o.error] == refused
    assert len(fast) >= 10  # the fast path did real work (14 of 47 here, 4 with a key)
    assert any(payments[k][1].idempotency_key for k, o in enumerate(outcomes) if o.loan_id in fast)
    # loans with every kind of history the fast path allows went fast (but a part-prepayment,
    # which the demo's 60 loans give only to one that is not: proven on its own below)
    assert _kinds(f"sqlite:///{bulk}", fast) == set(FAST_KINDS) - {"prepayment"}
    assert len(refused) == 1  # the reference used on another borrower's loan
    sound(sessions)


def test_a_payment_that_repays_the_loan_closes_it_as_one_by_one(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical loans of 10,000 at 12 % for 2 months from 1 Sep 2026, both dues raised
    by the close; each repaid in full on 2 Nov, one through the bulk path (fast: no replay)
    and one by `record_payment`: both close on 2 Nov with the same ledger."""
    sessions = open_book(db_url, engine, customers=({"name": "A"}, {"name": "B"}))
    start = date(2026, 9, 1)
    with UnitOfWork(sessions) as uow:
        for k in (1, 2):
            request = LoanRequest(f"L{k}", "PUN01", k, "PL", D(10000), D(12), 2, start)
            disburse_loan(uow, loan_id=onboard_loan(uow, request=request).id, posting_date=start)
        calendar.set_business_date(uow, start)
        uow.commit()
    close_until(sessions, date(2026, 11, 1))
    day = date(2026, 11, 2)
    with UnitOfWork(sessions) as uow:
        owed = sum((i.unpaid for i in loan_state(uow, loan_id=1, as_of=day).installments), D(0))
    monkeypatch.setattr(bulk_payments, "try_payment", None)  # the fast path only
    with UnitOfWork(sessions) as uow:
        [outcome] = post_payments(
            uow, [(1, PaymentRequest(owed, day, "ALL-1", "neft"))], posting_date=day
        )
        uow.commit()
    monkeypatch.undo()
    with UnitOfWork(sessions) as uow:
        record_payment(
            uow, loan_id=2, request=PaymentRequest(owed, day, "ALL-2", "neft"), posting_date=day
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        loans = [uow.session.get(Loan, k) for k in (1, 2)]
        figures = [
            (x.status, x.closed_on, x.oldest_unpaid_due, x.last_event_on) for x in loans if x
        ]
        ledgers = [account_balances(uow.session, str(k)) for k in (1, 2)]
    assert outcome.error is None and owed == D("10150.25")  # interest 100.00 + 50.25
    assert figures == [("closed", day, None, day)] * 2
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def _paid_both_ways(
    sessions: sessionmaker[Session], amount: D, day: date
) -> tuple[list[tuple[object, ...]], list[dict[str, D]]]:
    """Loans 1 and 2 have the same history: pay loan 1 through the bulk path, loan 2 with
    `record_payment`; their figures (installments paid, excess, dates, status) and ledgers."""
    with UnitOfWork(sessions) as uow:
        post_payments(uow, [(1, PaymentRequest(amount, day, "B-1", "neft"))], posting_date=day)
        record_payment(
            uow, loan_id=2, request=PaymentRequest(amount, day, "B-2", "neft"), posting_date=day
        )
        uow.commit()
    with UnitOfWork(sessions) as uow:
        figures = []
        for k in (1, 2):
            loan = uow.session.get(Loan, k)
            assert loan is not None
            paid = uow.session.execute(
                select(LoanInstallment.principal_paid, LoanInstallment.interest_paid)
                .where(LoanInstallment.loan_id == k).order_by(LoanInstallment.number)
            ).all()  # fmt: skip
            figures.append(
                (loan.status, loan.excess, loan.last_event_on, loan.oldest_unpaid_due, paid)
            )
        ledgers = [account_balances(uow.session, str(k)) for k in (1, 2)]
    return figures, ledgers


def test_a_waterfall_that_leaves_money_unplaced_holds_it_as_one_by_one(
    db_url: str, engine: Engine
) -> None:
    """A product whose waterfall has no past-due principal: 8,000 on 27 Oct against October's
    EMI (due 26 Oct) pays its interest, 1,000.00; the 7,000 it cannot place is held (found by
    review: the bulk path once dropped it)."""
    waterfall = [("past_due", "interest"), ("due", "interest"), ("due", "principal")]
    sessions = book_of_loans(db_url, engine, ({"name": "A"}, {"name": "B"}),
                             business_date=date(2026, 10, 26), waterfall=waterfall)  # fmt: skip
    close_until(sessions, date(2026, 10, 26))
    figures, ledgers = _paid_both_ways(sessions, D("8000.00"), date(2026, 10, 27))
    assert figures[0] == figures[1] and figures[0][1] == D(7000)
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def test_a_recovery_after_a_refund_and_a_return_is_paid_as_one_by_one(
    db_url: str, engine: Engine
) -> None:
    """10,000 on 26 Oct (1,115.12 held and refunded), the payment returned on 27 Oct: the
    refunded 1,115.12 is owed back; 8,884.88 on 28 Oct pays it first (found by review)."""
    sessions = book_of_loans(
        db_url, engine, ({"name": "A"}, {"name": "B"}), business_date=date(2026, 10, 26)
    )
    day = date(2026, 10, 26)
    for k in (1, 2):
        with UnitOfWork(sessions) as uow:
            event, _ = record_payment(
                uow,
                loan_id=k,
                request=PaymentRequest(D(10000), day, f"R{k}", "neft"),
                posting_date=day,
            )
            refund_excess(
                uow,
                loan_id=k,
                amount=D("1115.12"),
                value_date=day,
                reference=f"F{k}",
                posting_date=day,
            )
            reverse_payment(
                uow,
                loan_id=k,
                event_id=event.id,
                known_on=date(2026, 10, 27),
                posting_date=date(2026, 10, 27),
            )
            uow.commit()
    figures, ledgers = _paid_both_ways(sessions, D("8884.88"), date(2026, 10, 28))
    assert figures[0] == figures[1] and figures[0][3] == date(2026, 10, 26)  # still overdue
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def test_bulk_refuses_what_record_payment_refuses_for_the_same_reasons(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On two copies of the demo book (loan 4 closed, loans 1, 3, 6, 7, 9 and 12 active, each of
    its own borrower), after 100.00 taken on loans 9 and 12 with keys K-9 and K-12: one batch on
    16 Dec of a payment on closed loan 4, one with a reference of loan 4's (another borrower's),
    of 0, of 100.005, dated 17 Dec, a retry on loan 9 (its earlier payment, nothing new) and key K-12
    reused for another payment. Bulk decides each by the payment rules itself (`try_payment`
    is not called) with `record_payment`'s reason."""
    bulk, single = tmp_path / "bulk.sqlite3", tmp_path / "single.sqlite3"
    taken = {}
    for path in (bulk, single):
        shutil.copy(demo, path)
        sessions = make_session_factory(make_engine(f"sqlite:///{path}"))
        with UnitOfWork(sessions) as uow:
            for k in (9, 12):
                request = PaymentRequest(D("100.00"), LATE, f"R-{k}", "upi", f"K-{k}")
                event, _ = record_payment(uow, loan_id=k, request=request, posting_date=LATE)
                taken[path, k] = event.id
            uow.commit()
    payments = [
        (4, PaymentRequest(D("100.00"), LATE, "X-4", "neft")),
        (1, PaymentRequest(D("100.00"), LATE, "NACH-4-1", "nach")),
        (7, PaymentRequest(D("0"), LATE, "X-7", "neft")),
        (3, PaymentRequest(D("100.005"), LATE, "X-3", "neft")),
        (6, PaymentRequest(D("100.00"), date(2026, 12, 17), "X-6", "neft")),
        (9, PaymentRequest(D("100.00"), LATE, "R-9", "upi", "K-9")),
        (12, PaymentRequest(D("200.00"), LATE, "R-12b", "upi", "K-12")),
    ]
    refused = _one_by_one(f"sqlite:///{single}", payments)

    def not_called(*args: object, **kwargs: object) -> None:
        raise AssertionError("decided one by one")

    monkeypatch.setattr(bulk_payments, "try_payment", not_called)
    sessions = make_session_factory(make_engine(f"sqlite:///{bulk}"))
    with UnitOfWork(sessions) as uow:
        outcomes = post_payments(uow, payments, posting_date=LATE)
        uow.commit()
    assert refused == [
        (4, "loan 4 is closed; payments need an active loan"),
        (1, "reference 'NACH-4-1' already paid loan 4 of another borrower"),
        (7, "amount: must be greater than zero"),
        (3, "amount: must be a multiple of the loan's precision 0.01"),
        (6, "value_date: is after the posting date 2026-12-16: money not yet received"),
        (12, "idempotency key 'K-12' was used for another payment"),
    ]
    assert [(o.loan_id, o.error) for o in outcomes if o.error] == refused
    retry = outcomes[5]
    assert (retry.event_id, retry.new, retry.error) == (taken[bulk, 9], False, None)
    assert _contents(f"sqlite:///{bulk}") == _contents(f"sqlite:///{single}")


def test_a_loan_with_an_event_of_a_kind_not_allowed_goes_one_by_one(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical loans, October's EMI (8,884.88, due 26 Oct) raised by the close; loan 1
    also has an event of a made-up kind, "waiver" (outside FAST_KINDS; the replay ignores it).
    One batch pays each 8,884.88 on 27 Oct: loan 2's payment is taken by the fast path, loan
    1's by `record_payment`; both end the same."""
    sessions = book_of_loans(
        db_url, engine, ({"name": "A"}, {"name": "B"}), business_date=date(2026, 10, 26)
    )
    close_until(sessions, date(2026, 10, 26))
    with UnitOfWork(sessions) as uow:
        waiver = LoanEvent(
            loan_id=1,
            kind="waiver",
            value_date=date(2026, 10, 1),
            amount=D("100.00"),
            reference="W-1",
            created_at=datetime.now(UTC),
        )
        uow.session.add(waiver)
        uow.commit()
    slow = []
    real = bulk_payments.try_payment

    def counted(*args: object, **kwargs: object) -> object:
        slow.append(kwargs["loan_id"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk_payments, "try_payment", counted)
    day = date(2026, 10, 27)
    payments = [(k, PaymentRequest(D("8884.88"), day, f"P-{k}", "neft")) for k in (1, 2)]
    with UnitOfWork(sessions) as uow:
        outcomes = post_payments(uow, payments, posting_date=day)
        uow.commit()
    assert slow == [1]
    assert [(o.loan_id, o.new, o.error) for o in outcomes] == [(1, True, None), (2, True, None)]
    with UnitOfWork(sessions) as uow:
        loans = [uow.session.get(Loan, k) for k in (1, 2)]
        figures = [(x.status, x.excess, x.oldest_unpaid_due) for x in loans if x]
        ledgers = [account_balances(uow.session, str(k)) for k in (1, 2)]
    assert figures == [("active", D(0), date(2026, 11, 26))] * 2
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def test_a_part_prepaid_loan_is_paid_by_the_fast_path_as_one_by_one(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical loans, each part-prepaid on 26 Oct: October's EMI of 8,884.88 and 20,000
    more, the EMI reduced (principal left 72,115.12); November's EMI raised by the close. Then
    5,000.00 on 27 Nov: loan 1 through the bulk path (fast: never one by one), loan 2 by
    `record_payment`. Both pay November's interest, 721.15 (1 % of 72,115.12), and 4,278.85
    of its principal, and stay overdue from 26 Nov, with the same ledger."""
    sessions = book_of_loans(db_url, engine, ({"name": "A"}, {"name": "B"}))
    prepaid = D("28884.88")
    with UnitOfWork(sessions) as uow:
        for k in (1, 2):
            request = PaymentRequest(
                prepaid, date(2026, 10, 26), f"PP-{k}", "neft", None, "reduce_emi"
            )
            record_payment(uow, loan_id=k, request=request, posting_date=date(2026, 11, 26))
        uow.commit()
    close_until(sessions, date(2026, 11, 26))

    def not_called(*args: object, **kwargs: object) -> None:
        raise AssertionError("taken one by one")

    monkeypatch.setattr(bulk_payments, "try_payment", not_called)
    figures, ledgers = _paid_both_ways(sessions, D("5000.00"), date(2026, 11, 27))
    assert figures[0] == figures[1]
    status, excess, last, oldest, paid = figures[0]
    assert (status, excess, last, oldest) == (
        "active",
        D(0),
        date(2026, 11, 27),
        date(2026, 11, 26),
    )
    assert paid[:3] == [(D("7884.88"), D(1000)), (D("4278.85"), D("721.15")), (0, 0)]
    assert ledgers[0] == ledgers[1]
    sound(sessions)


def test_same_day_payments_in_batches_equal_one_by_one(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three batches on one day (as the API's grouped commits give them): 100.00 from twenty
    loans (references S1-), then 50.00 from the same loans (S2-: after S1- in the replay's
    same-day order, so the fast path applies them to the stored state), then 25.00 from five
    of them with references the replay takes first (A0-: one by one, restated). The book
    equals taking all of them one by one."""
    bulk, single = tmp_path / "bulk.sqlite3", tmp_path / "single.sqlite3"
    shutil.copy(demo, bulk)
    shutil.copy(demo, single)
    with make_engine(f"sqlite:///{single}").connect() as connection:
        loans = connection.execute(
            select(Loan.id).where(Loan.status == "active").order_by(Loan.id).limit(20)
        ).scalars().all()  # fmt: skip
    batches = [
        [(k, PaymentRequest(D("100.00"), LATE, f"S1-{k}", "upi")) for k in loans],
        [(k, PaymentRequest(D("50.00"), LATE, f"S2-{k}", "upi")) for k in loans],
        [(k, PaymentRequest(D("25.00"), LATE, f"A0-{k}", "upi")) for k in loans[:5]],
    ]
    assert _one_by_one(f"sqlite:///{single}", [p for b in batches for p in b]) == []
    slow: list[list[int]] = [[], [], []]
    real = bulk_payments.try_payment
    sessions = make_session_factory(make_engine(f"sqlite:///{bulk}"))
    for n, batch in enumerate(batches):

        def counted(*args: object, n: int = n, **kwargs: object) -> object:
            slow[n].append(kwargs["loan_id"])  # type: ignore[arg-type]
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(bulk_payments, "try_payment", counted)
        with UnitOfWork(sessions) as uow:
            assert all(o.error is None for o in post_payments(uow, batch, posting_date=LATE))
            uow.commit()
    assert _contents(f"sqlite:///{bulk}") == _contents(f"sqlite:///{single}")
    assert len(loans) - len(slow[0]) >= 5  # the fast path took many (9 of 20 here); the same
    assert sorted(slow[1]) == sorted(slow[0])  # ones again on the same day, later references
    assert sorted(slow[2]) == sorted(loans[:5])  # taken before S1-, S2-: replayed
    sound(sessions)
