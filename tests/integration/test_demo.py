"""The demo book: built through the real services, reproducible, and its ledger sound."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from lms.db import UnitOfWork, make_session_factory
from lms.db.migrate import upgrade
from lms.ledger.check import ledger_problems
from lms.loans.balances import loan_ledger_problems
from lms.loans.demo import build_demo
from lms.loans.models import Loan, LoanEvent, Product


def test_a_small_demo_book_is_sound_and_reproducible(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    summary = build_demo(sessions, loans=15, as_of=date(2026, 11, 26), seed=11)
    with UnitOfWork(sessions) as uow:
        assert ledger_problems(uow.session) == []
        assert loan_ledger_problems(uow) == []
        assert uow.session.scalar(select(func.count()).select_from(Product)) == 5
        assert uow.session.scalar(select(func.count()).select_from(Loan)) == 15
        payments = uow.session.scalar(
            select(func.count()).select_from(LoanEvent).where(LoanEvent.kind == "payment")
        )
        statuses = set(uow.session.scalars(select(Loan.status)))
    assert payments == summary.payments > 0
    assert statuses <= {"active", "closed"}
