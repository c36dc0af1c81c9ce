"""UnitOfWork on every configured database: only an explicit commit makes changes durable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from money_probe import MoneyProbe
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from lms.platform.db import UnitOfWork, make_session_factory


@pytest.fixture
def sessions(probe_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(probe_engine)


def record_payment(uow: UnitOfWork, amount: Decimal) -> MoneyProbe:
    """A service in the intended style: it changes state and never commits."""
    probe = MoneyProbe(amount=amount)
    uow.session.add(probe)
    uow.session.flush()
    return probe


def _stored(sessions: sessionmaker[Session]) -> list[Decimal]:
    with UnitOfWork(sessions) as uow:
        return list(uow.session.scalars(select(MoneyProbe.amount).order_by(MoneyProbe.id)))


def test_committed_work_persists(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        record_payment(uow, Decimal("100.25"))
        uow.commit()
    assert _stored(sessions) == [Decimal("100.25")]


def test_work_not_committed_is_rolled_back(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        probe = record_payment(uow, Decimal("100.25"))
        assert isinstance(probe.id, int)
    assert _stored(sessions) == []


def test_an_exception_rolls_back_and_propagates(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(LookupError, match="boom"), UnitOfWork(sessions) as uow:
        record_payment(uow, Decimal("1"))
        raise LookupError("boom")
    assert _stored(sessions) == []


def test_only_work_up_to_the_last_commit_persists(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        record_payment(uow, Decimal("1"))
        uow.commit()
        record_payment(uow, Decimal("2"))
    assert _stored(sessions) == [Decimal("1")]


def test_explicit_rollback_discards_pending_work(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        record_payment(uow, Decimal("1"))
        uow.rollback()
        record_payment(uow, Decimal("2"))
        uow.commit()
    assert _stored(sessions) == [Decimal("2")]


def test_loaded_objects_stay_readable_after_the_block(sessions: sessionmaker[Session]) -> None:
    with UnitOfWork(sessions) as uow:
        probe = record_payment(uow, Decimal("7.0001"))
        uow.commit()
    assert probe.amount == Decimal("7.0001")


def test_session_is_unavailable_outside_the_block(sessions: sessionmaker[Session]) -> None:
    uow = UnitOfWork(sessions)
    with pytest.raises(RuntimeError, match="only available inside"):
        _ = uow.session
    with uow:
        pass
    with pytest.raises(RuntimeError, match="only available inside"):
        uow.commit()


def test_a_unit_of_work_is_not_reentrant(sessions: sessionmaker[Session]) -> None:
    uow = UnitOfWork(sessions)
    with uow, pytest.raises(RuntimeError, match="not re-entrant"), uow:
        pass


def test_a_unit_of_work_can_be_reused_sequentially(sessions: sessionmaker[Session]) -> None:
    uow = UnitOfWork(sessions)
    with uow:
        record_payment(uow, Decimal("1"))
        uow.commit()
    with uow:
        record_payment(uow, Decimal("2"))
    assert _stored(sessions) == [Decimal("1")]
