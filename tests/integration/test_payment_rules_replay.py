"""The payment rules (lms.servicing.payment_rules) the exact and the bulk path share, against the
replay: `owed_on` gives, at every application of money in the replay of every loan of a 60-loan
demo book (payments, prepayments, unapplied funds meeting a due date; loans with charges, penal
charges, returned payments, refunds, tranches, rate changes, part-prepayments, foreclosures),
exactly what the replay's book splits that money over, under the loan's own waterfall and
under one that pays in advance; `oldest_unpaid_due` (by `first_unpaid_due`) gives the stored
`oldest_unpaid_due` of every loan (tests/unit/test_payment_rules.py has each rule on small
examples, with exact values).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lms.core.allocation import Bucket, Component, FutureRule, Owed, Waterfall
from lms.core.book import Book, InstallmentState
from lms.core.replay import replay
from lms.demo.builder import build_demo
from lms.platform.db import UnitOfWork, make_engine, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.servicing.models import Loan
from lms.servicing.payment_rules import owed_on
from lms.servicing.service import loan_history, loan_terms, loan_waterfall, replayed
from lms.servicing.stored_state import oldest_unpaid_due

DAY = date(2026, 11, 26)
AHEAD = Waterfall(
    tuple(
        (bucket, component)
        for bucket in Bucket
        for component in (Component.PENAL, Component.FEE, Component.INTEREST, Component.PRINCIPAL)
    ),
    FutureRule.LAST,
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("rules") / "book.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    build_demo(sessions, loans=60, as_of=DAY, seed=5)
    yield sessions
    engine.dispose()


def _spied(seen: list[tuple[date, list[Owed], list[Owed]]]) -> Any:
    """Book.apply, recording before each application what `owed_on` gives from the book's
    figures and what the book itself splits the money over (its private `_owed`)."""
    real = Book.apply

    def apply(self: Book, amount: D, day: date, waterfall: Waterfall, hold: bool = True) -> Any:
        installments = [
            InstallmentState(
                r.number,
                r.due_date,
                r.principal,
                r.interest,
                self.paid[r.number, Component.PRINCIPAL],
                self.paid[r.number, Component.INTEREST],
            )
            for r in self.rows
        ]
        charges = [(c, self.paid[-k, c.component]) for k, c in enumerate(self.charges, 1)]
        ahead = any(bucket is Bucket.IN_ADVANCE for bucket, _ in waterfall.order)
        seen.append((day, owed_on(installments, day, waterfall, charges), self._owed(day, ahead)))
        return real(self, amount, day, waterfall, hold)

    return apply


def test_owed_on_is_what_the_replay_splits_money_over(
    book: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[date, list[Owed], list[Owed]]] = []
    monkeypatch.setattr(Book, "apply", _spied(seen))
    with UnitOfWork(book) as uow:
        for loan in uow.session.scalars(select(Loan).order_by(Loan.id)):
            rows, events = loan_history(uow, loan)
            for waterfall in (loan_waterfall(uow, loan), AHEAD):
                replay(rows, events, DAY, waterfall, loan_terms(loan))
    assert [ours for _, ours, _ in seen] == [theirs for _, _, theirs in seen]
    charged = [day for day, ours, _ in seen if any(item.installment < 0 for item in ours)]
    ahead = [day for day, ours, _ in seen if any(item.due_date > day for item in ours)]
    # coverage, not results: 988 applications, 18 with charges owed, 482 paying in advance
    assert (len(seen), len(charged), len(ahead)) >= (900, 10, 450)


def test_first_unpaid_due_is_the_stored_oldest_unpaid_due(book: Any) -> None:
    with UnitOfWork(book) as uow:
        for loan in uow.session.scalars(select(Loan).order_by(Loan.id)):
            assert loan.last_event_on is not None
            state = replayed(uow, loan, loan.last_event_on)
            assert oldest_unpaid_due(state) == loan.oldest_unpaid_due
