"""The kernel under random histories: every kind of servicing event, in any order, backdated or
not, with the daily close running between them.

After every operation the servicing layer checks the loan's ledger against its replayed state
(and raises under test: LMS_LEDGER_MISMATCH=raise), so a single difference after any step
fails the example. At the end: the stored installments and figures equal the replay, the book
proves (entries balance, reversals mirror, each loan's ledger = its replay), no entry is an
unnamed adjustment, no close step failed and no ledger alarm was recorded; and the loan can
still be foreclosed with the book sound. The same payments posted through the bulk path
leave the same book. Charges are added and waived (in part or in full), loans restructured
(arrears capitalised, kept or moved to the end; installments moved to a new due day) and given moratoria (their interest collected, capitalised,
deferred or waived) among the other events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.integration.book_setup import open_book

from lms.close.failures import open_failures
from lms.close.runner import close_until
from lms.core.events import FEES_COLLECTED, ReversalReason
from lms.core.replay import ReplayError
from lms.ledger.check import ledger_problems
from lms.ledger.models import JournalEntryRow
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine
from lms.platform.errors import ConflictError, InvalidError
from lms.servicing import moratoria, restructures
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.bulk_payments import post_payments
from lms.servicing.catalog import ProductRules
from lms.servicing.charges import add_charge, positions, waive_charge
from lms.servicing.foreclosure import foreclose_loan
from lms.servicing.models import LedgerAlarm, Loan, LoanInstallment
from lms.servicing.onboarding import LoanRequest, onboard_loan
from lms.servicing.rates import change_rate
from lms.servicing.repayments import PaymentRequest, record_payment, refund_excess, reverse_payment
from lms.servicing.service import disburse_loan, loan_state
from lms.servicing.tranches import disburse_tranche

DAY = date(2026, 1, 15)

pay = st.tuples(st.just("pay"), st.integers(0, 20), st.integers(100, 2_000_000), st.booleans())
prepay = st.tuples(
    st.just("prepay"), st.integers(0, 10), st.integers(100, 3_000_000),
    st.sampled_from(["reduce_emi", "reduce_tenure"]),
)  # fmt: skip
reverse = st.tuples(
    st.just("reverse"), st.integers(0, 5), st.sampled_from(list(ReversalReason)), st.just(0)
)
others = st.tuples(
    st.sampled_from(
        ["refund", "rate", "tranche", "close", "waive", "charge", "restructure", "moratorium"]
    ),
    st.integers(0, 10), st.integers(1, 40), st.just(0),
)  # fmt: skip
histories = st.lists(st.one_of(pay, pay, prepay, reverse, others), min_size=1, max_size=7)


class History:
    """One loan's book and a business date that moves forward."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions, self.today, self.payments = sessions, DAY, []
        with UnitOfWork(sessions) as uow:
            request = LoanRequest("APP-1", "PUN01", 1, "PL", D(100000), D(12), 12, DAY)
            loan = onboard_loan(uow, request=request)
            disburse_loan(uow, loan_id=loan.id, posting_date=DAY, amount=D(80000))
            calendar.set_business_date(uow, DAY)
            uow.commit()
        self.loan_id = loan.id

    def run(self, op: tuple[str, int, object, object], k: int, bulk: bool) -> None:
        kind, back, value, extra = op
        day = max(DAY, self.today - timedelta(days=back))
        actions: dict[str, Callable[[UnitOfWork], None]] = {
            "pay": lambda uow: self._pay(uow, k, day, value, bulk and back == 0),
            "prepay": lambda uow: self._prepay(uow, k, day, value, extra),
            "reverse": lambda uow: self._reverse(uow, back, value),
            "refund": lambda uow: self._refund(uow, k),
            "rate": lambda uow: self._rate(uow, k, day, value),
            "tranche": lambda uow: self._tranche(uow, k, day),
            "waive": lambda uow: self._waive(uow, back, value),
            "charge": lambda uow: self._charge(uow, k, value),
            "restructure": lambda uow: self._restructure(uow, k, day, value),
            "moratorium": lambda uow: self._moratorium(uow, k, day, value),
        }
        if kind == "close":
            last = self.today + timedelta(days=int(value) - 1)
            results = close_until(self.sessions, last, size=10)
            assert all(r.failures == 0 for r in results)
            self.today = last + timedelta(days=1)
            return
        with UnitOfWork(self.sessions) as uow:
            try:
                actions[kind](uow)
            except (ConflictError, InvalidError, ReplayError):
                return  # refused: nothing written (the unit of work rolls back)
            uow.commit()

    def _pay(self, uow: UnitOfWork, k: int, day: date, paise: object, bulk: bool) -> None:
        request = PaymentRequest(D(int(paise)) / 100, day, f"P{k}", "upi")  # type: ignore[call-overload]
        if bulk:
            (outcome,) = post_payments(uow, [(self.loan_id, request)], posting_date=self.today)
            if outcome.event_id is None:
                raise ConflictError(outcome.reason or "refused")
            self.payments.append(outcome.event_id)
            return
        event, _ = record_payment(
            uow, loan_id=self.loan_id, request=request, posting_date=self.today
        )
        self.payments.append(event.id)

    def _prepay(self, uow: UnitOfWork, k: int, day: date, paise: object, keep: object) -> None:
        amount = D(int(paise)) / 100  # type: ignore[call-overload]
        request = PaymentRequest(amount, day, f"PP{k}", "neft", reschedule=str(keep))
        event, _ = record_payment(
            uow, loan_id=self.loan_id, request=request, posting_date=self.today
        )
        self.payments.append(event.id)

    def _reverse(self, uow: UnitOfWork, index: int, reason: object) -> None:
        if not self.payments:
            return
        event_id = self.payments[index % len(self.payments)]
        reverse_payment(
            uow, loan_id=self.loan_id, event_id=event_id, known_on=self.today,
            posting_date=self.today, reason=ReversalReason(str(reason)), return_code="01",
        )  # fmt: skip

    def _refund(self, uow: UnitOfWork, k: int) -> None:
        loan = uow.session.get(Loan, self.loan_id)
        assert loan is not None
        if loan.excess > 0:
            refund_excess(
                uow, loan_id=self.loan_id, amount=loan.excess, value_date=self.today,
                reference=f"RF{k}", posting_date=self.today,
            )  # fmt: skip

    def _rate(self, uow: UnitOfWork, k: int, day: date, rate: object) -> None:
        change_rate(
            uow, loan_id=self.loan_id, day=day, annual_rate=D(int(rate)) / 2,  # type: ignore[call-overload]
            reschedule="reduce_emi", reference=f"RC{k}", posting_date=self.today,
        )  # fmt: skip

    def _tranche(self, uow: UnitOfWork, k: int, day: date) -> None:
        disburse_tranche(
            uow, loan_id=self.loan_id, amount=D(10000), value_date=day, reference=f"T{k}",
            posting_date=self.today,
        )  # fmt: skip

    def _waive(self, uow: UnitOfWork, index: int, fortieths: object) -> None:
        """Forgive a share of the unpaid part of one of the charges still owed."""
        waivable = (p for p in positions(uow, self.loan_id, self.today) if p.unpaid > 0)
        owed = [p for p in waivable if p.charge.reference != FEES_COLLECTED]
        if owed:
            position = owed[index % len(owed)]
            share = (position.unpaid * int(fortieths) / 40).quantize(D("0.01"))  # type: ignore[call-overload]
            waive_charge(
                uow, loan_id=self.loan_id, charge=position.charge.reference,
                amount=max(share, D("0.01")), reason="goodwill", posting_date=self.today,
            )  # fmt: skip

    def _restructure(self, uow: UnitOfWork, k: int, day: date, value: object) -> None:
        """By `value` (mod 4): over `value` installments with the arrears capitalised (0) or kept
        (1); the arrears moved to the end, nothing else changed (2); over `value` installments,
        the arrears capitalised, moved to a new due day (3), quarterly when `value` % 8 is 7."""
        count = int(value)  # type: ignore[call-overload]
        mode = count % 4
        ask = restructures.RestructureAsk(
            day, "financial_stress", f"RS{k}", installments=None if mode == 2 else count,
            capitalise=mode in (0, 3), due_day=1 + count % 28 if mode == 3 else None,
            to_end=mode == 2, frequency="quarterly" if count % 8 == 7 else None,
        )  # fmt: skip
        restructures.restructure(uow, loan_id=self.loan_id, ask=ask, today=self.today)

    def _moratorium(self, uow: UnitOfWork, k: int, day: date, value: object) -> None:
        """1 to 4 periods, each way of handling their interest in turn."""
        n = int(value)  # type: ignore[call-overload]
        interest = list(moratoria.INTEREST)[n % 4]
        ask = moratoria.MoratoriumAsk(day, 1 + n % 4, interest, f"MO{k}")
        moratoria.grant(uow, loan_id=self.loan_id, ask=ask, today=self.today)

    def _charge(self, uow: UnitOfWork, k: int, rupees: object) -> None:
        add_charge(
            uow, loan_id=self.loan_id, amount=D(int(rupees)) * 25, tax_rate=D(18),  # type: ignore[call-overload]
            reference=f"visit:{k}", posting_date=self.today,
        )  # fmt: skip


def _book(
    tmp: pytest.TempPathFactory, **settings: object
) -> tuple[sessionmaker[Session], Callable[[], None]]:
    url = f"sqlite:///{tmp.mktemp('book') / 'book.sqlite3'}"
    engine = make_engine(url)
    rules = ProductRules(
        bounce_charge=(D(500), D(18)), foreclosure_charge=(D(2), D(18)),
        penal_charge=(D(24), D(18)), fee_collection="collect",
    )  # fmt: skip
    fees = {"fees": [{"name": "processing", "percent": "1", "tax": "18"}], **settings}
    sessions = open_book(
        url, engine, customers=({"name": "Asha Patil"},), rules=rules, settings=fees
    )
    return sessions, engine.dispose


def _assert_sound(history: History, closed: bool = False) -> list[tuple[object, ...]]:
    """The book proves; returns its journal (kind, source, value date, lines) to compare.
    `closed`: the stored state is compared with the replay to the last day closed (not only
    to the loan's last event): what changes without an event is the close's to store."""
    with UnitOfWork(history.sessions) as uow:
        loan = uow.session.get(Loan, history.loan_id)
        assert loan is not None and loan.last_event_on is not None
        as_of = max(loan.last_event_on, history.today - timedelta(days=1))
        state = loan_state(
            uow, loan_id=history.loan_id, as_of=as_of if closed else loan.last_event_on
        )
        stored = uow.session.execute(
            select(
                LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest,
                LoanInstallment.principal_paid, LoanInstallment.interest_paid,
            ).order_by(LoanInstallment.number)
        ).all()  # fmt: skip
        assert [tuple(r) for r in stored] == [
            (i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid)
            for i in state.installments
        ]
        assert loan.excess == state.excess
        assert loan.principal_outstanding == state.principal_outstanding
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        assert uow.session.scalars(select(LedgerAlarm)).all() == []
        assert open_failures(uow, history.today) == []
        kinds = set(uow.session.scalars(select(JournalEntryRow.event)))
        assert "replay_adjustment" not in kinds
        return [
            (row.event, row.source, row.value_date, row.reverses_id is not None)
            for row in uow.session.scalars(select(JournalEntryRow).order_by(JournalEntryRow.id))
        ]


# a bounce charge and a month's penal charges, waived in part and in full around a backdated payment
WAIVED = [
    ("pay", 0, 888488, False), ("close", 0, 35, 0), ("reverse", 0, "returned", 0),
    ("close", 0, 30, 0), ("waive", 0, 20, 0), ("charge", 0, 4, 0), ("waive", 1, 10, 0),
    ("pay", 3, 500000, False), ("waive", 2, 40, 0), ("close", 0, 12, 0), ("waive", 1, 40, 0),
]  # fmt: skip


# a loan in arrears restructured (capitalised), then a capitalising moratorium run through the
# close, a backdated payment before the restructure, and a rate change refused inside the relief
RELIEVED = [
    ("close", 0, 40, 0), ("pay", 0, 500000, False), ("close", 0, 30, 0),
    ("restructure", 0, 24, 0), ("moratorium", 0, 5, 0), ("close", 0, 40, 0),
    ("pay", 30, 300000, False), ("rate", 0, 30, 0), ("close", 0, 35, 0),
]  # fmt: skip


# a loan in arrears re-aged by moving them to the end, paid, then restructured onto the 20th
REAGED = [
    ("close", 0, 70, 0), ("restructure", 0, 10, 0), ("close", 0, 20, 0),
    ("pay", 0, 900000, False), ("restructure", 0, 19, 0), ("close", 0, 45, 0),
    ("restructure", 0, 7, 0), ("close", 0, 40, 0),
]  # fmt: skip


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=histories)
@example(ops=WAIVED)
@example(ops=RELIEVED)
@example(ops=REAGED)
def test_random_histories_keep_state_ledger_and_replay_equal(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, object, object]]
) -> None:
    journals = []
    for bulk in (False, True):
        sessions, dispose = _book(tmp_path_factory)
        history = History(sessions)
        for k, op in enumerate(ops):
            history.run(op, k, bulk)
        journals.append(_assert_sound(history, closed=True))
        with UnitOfWork(sessions) as uow:
            loan = uow.session.get(Loan, history.loan_id)
            assert loan is not None
            if loan.status == "active":
                foreclose_loan(
                    uow, loan_id=loan.id, on=history.today, reference="FC", channel="neft",
                    posting_date=history.today,
                )  # fmt: skip
                uow.commit()
        _assert_sound(history)
        dispose()
    assert journals[0] == journals[1]  # the bulk path leaves the same book


# Asha's second installment paid late, then the loan left in arrears through two due dates,
# a backdated payment and a rate change: interest on the actual balance settled by the close
LATE = [
    ("close", 0, 40, 0), ("pay", 0, 1800000, False), ("close", 0, 25, 0),
    ("pay", 0, 700000, False), ("close", 0, 40, 0), ("pay", 12, 400000, False),
    ("rate", 0, 30, 0), ("close", 0, 31, 0),
]  # fmt: skip


# past maturity with principal unpaid, then part of it paid: the last installment takes the
# interest since its due date on the day of the payment
MATURED = [("close", 0, 40, 0)] * 10 + [("pay", 0, 5000000, False), ("close", 0, 10, 0)]


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=histories)
@example(ops=LATE)
@example(ops=MATURED)
def test_random_histories_on_the_actual_balance_keep_state_ledger_and_replay_equal(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, object, object]]
) -> None:
    """The same histories on a product with interest on the actual balance: the stored state
    equals the replay to the last day closed, so the close settled every due date."""
    sessions, dispose = _book(
        tmp_path_factory, interest_basis="actual_days", interest_on_actual_balance=True
    )
    history = History(sessions)
    for k, op in enumerate(ops):
        history.run(op, k, bulk=False)
    _assert_sound(history, closed=True)
    dispose()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=histories, mode=st.sampled_from(["pre_emi", "full_emi"]))
@example(ops=[("tranche", 0, 1, 0), ("close", 0, 40, 0), ("pay", 0, 700000, False)], mode="pre_emi")
def test_random_histories_of_construction_linked_loans_keep_state_ledger_and_replay_equal(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, object, object]], mode: str
) -> None:
    """The same histories on a loan paid out 80,000 of 1,00,000 whose product repays pre-EMI
    (interest only until the last tranche) or the sanctioned EMI from the start."""
    sessions, dispose = _book(tmp_path_factory, tranche_repayment=mode)
    history = History(sessions)
    for k, op in enumerate(ops):
        history.run(op, k, bulk=False)
    _assert_sound(history, closed=True)
    dispose()
