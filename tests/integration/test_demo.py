"""The demo book: its history built through paths proven equal to the single services, its last
weeks closed by the daily close, reproducible to the count, its ledger sound and every loan's
stored state equal to its replay; `lms demo` builds it once a day and reuses it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import pytest
from cic_checker import read_commercial
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from tudf_checker import read
from typer.testing import CliRunner

from lms.bureau.service import bureau_file
from lms.bureau.tudf import Member
from lms.close.failures import open_failures
from lms.close.models import LoanSnapshot
from lms.collateral.models import CollateralItem, LtvCheck, MarginCall
from lms.collections.models import CaseEvent, CollectionCase
from lms.demo.builder import DemoSummary, build_demo, closed_from
from lms.interfaces.api.app import create_app
from lms.interfaces.cli.main import app
from lms.ledger.check import ledger_problems
from lms.ledger.models import JournalEntryRow
from lms.payments.models import Mandate
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.risk.models import LoanMonth, LoanScore, RiskModel
from lms.servicing.balances import loan_ledger_problems
from lms.servicing.models import LedgerAlarm, Loan, LoanEvent, LoanInstallment, Product
from lms.servicing.service import loan_state
from lms.servicing.stored_state import oldest_unpaid_due

AS_OF = date(2026, 11, 26)
ONE = timedelta(days=1)


def _replay_differences(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Each loan whose stored installments, unapplied funds, oldest unpaid due date, principal
    outstanding or status differ from its replay on its last event's date, with what differs."""
    found = []
    for loan in uow.session.scalars(select(Loan).order_by(Loan.id)):
        assert loan.last_event_on is not None
        state = loan_state(uow, loan_id=loan.id, as_of=loan.last_event_on)
        stored = uow.session.execute(
            select(
                LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest,
                LoanInstallment.principal_paid, LoanInstallment.interest_paid,
            ).where(LoanInstallment.loan_id == loan.id).order_by(LoanInstallment.number)
        ).all()  # fmt: skip
        replayed = [
            (i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid)
            for i in state.installments
        ]
        checks = {
            "installments": [tuple(r) for r in stored] == replayed,
            "excess": loan.excess == state.excess,
            "oldest unpaid due": loan.oldest_unpaid_due == oldest_unpaid_due(state),
            "principal outstanding": loan.principal_outstanding == state.principal_outstanding,
            "status": (loan.status == "closed") == (state.closed_on is not None),
        }
        found += [(loan.id, what) for what, same in checks.items() if not same]
    return found


def _snapshot_differences(uow: UnitOfWork, days: list[date]) -> list[tuple[int, date]]:
    """Each (loan, day) of `days` whose snapshot's principal outstanding, principal and interest
    due or unapplied funds differ from its replay to that day; every loan the close saw that day
    is compared (a month end, an ordinary day, the last day closed)."""
    found = []
    for day in days:
        for snapshot in uow.session.scalars(select(LoanSnapshot).where(LoanSnapshot.day == day)):
            state = loan_state(uow, loan_id=snapshot.loan_id, as_of=day)
            seen = (snapshot.principal_outstanding, snapshot.principal_due, snapshot.interest_due,
                    snapshot.excess)  # fmt: skip
            wanted = (state.principal_outstanding, state.principal_due, state.interest_due,
                      state.excess)  # fmt: skip
            if seen != wanted:
                found.append((snapshot.loan_id, day))
    return found


def test_the_demo_closes_the_last_weeks_through_a_month_end() -> None:
    assert closed_from(date(2026, 11, 26)) == date(2026, 10, 25)  # the last week of October
    assert closed_from(date(2026, 12, 3)) == date(2026, 11, 19)  # two weeks
    assert closed_from(date(2026, 12, 1)) == date(2026, 11, 17)
    assert closed_from(date(2026, 12, 31)) == date(2026, 11, 24)


def test_a_small_demo_book_is_sound_closed_and_exact(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    summary = build_demo(sessions, loans=60, as_of=AS_OF)
    assert summary == DemoSummary(60, 620, 7, (date(2026, 10, 25), date(2026, 11, 25)))
    with UnitOfWork(sessions) as uow:
        session = uow.session
        assert ledger_problems(session) == []
        assert loan_ledger_problems(uow) == []
        assert _replay_differences(uow) == []
        assert (
            _snapshot_differences(uow, [date(2026, 10, 31), date(2026, 11, 10), AS_OF - ONE]) == []
        )
        assert session.scalars(select(LedgerAlarm)).all() == []
        assert calendar.business_date(uow) == AS_OF
        assert open_failures(uow, AS_OF) == []
        assert session.scalar(select(func.count()).select_from(Product)) == 5
        statuses = Counter(session.scalars(select(Loan.status)))
        classes = Counter(session.scalars(select(Loan.asset_class)))
        overdue = session.scalar(select(func.count()).select_from(Loan).where(Loan.dpd > 0))
        kinds = Counter(session.scalars(select(LoanEvent.kind)))
        entries = set(session.scalars(select(JournalEntryRow.event)))
        days = session.execute(select(func.min(LoanSnapshot.day), func.max(LoanSnapshot.day))).one()
        mandates = session.scalar(select(func.count()).select_from(Mandate))
        agents = Counter(session.scalars(
            select(CollectionCase.agent).where(CollectionCase.closed_on.is_(None))
        ))  # fmt: skip
        actions = Counter(session.scalars(select(CaseEvent.kind)))
        months = Counter(session.scalars(select(LoanMonth.source)))
        cards = {m.target: m.card for m in session.scalars(select(RiskModel))}
        scored = Counter(session.scalars(select(LoanScore.month)))
        gold = Counter(session.scalars(select(CollateralItem.status)))
        calls = [(c.loan_id, c.raised_on, c.ltv, c.closed_on) for c in session.scalars(
            select(MarginCall).order_by(MarginCall.loan_id))]  # fmt: skip
        checked = session.scalar(select(func.count()).select_from(LtvCheck))
    # the overdue borrowers' cases, all with the demo's agent; the strategy's notices, calls
    # and visits done on their days
    assert agents == {"demo-agent": 9}  # the nine loans overdue, each of its own borrower
    assert actions == {"opened": 9, "allocated": 9, "task_set": 6, "message_queued": 5,
                       "escalated": 2}  # fmt: skip
    assert statuses == {"active": 46, "closed": 14}
    assert classes == {"STD": 51, "SMA-0": 2, "SMA-1": 1, "SMA-2": 1, "NPA": 5}
    assert overdue == 9
    assert tuple(days) == summary.closed
    assert mandates == 30
    # every kind of history the demo makes: bounced debits with their charge, part-prepayment,
    # tranche, repo moves, foreclosures, and the month end's penal charges
    assert kinds == {
        "disbursement": 60, "payment": 619, "reversal": 7, "charge": 8, "prepayment": 1,
        "tranche": 2, "rate_change": 7, "foreclosure": 2, "penal": 7,
    }  # fmt: skip
    assert kinds["payment"] + kinds["prepayment"] == summary.payments
    # the close's month end: accrual, penal charges, provisions; NPA income held in suspense
    assert {"accrual", "penal_charge", "provision", "npa_income_reversal"} <= entries
    # the risk models: two years of months of behaviour from the replays, both models trained
    # and measured on the three month ends whose outcomes are the latest known, the last four
    # month ends scored
    assert months == {"replay": 688}
    assert sorted(cards) == ["dpd30", "dpd90"]
    assert cards["dpd30"]["months"]["held_out"] == ["2026-05-31", "2026-06-30", "2026-07-31"]
    assert sorted(scored) == [date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30),
                              date(2026, 10, 31)]  # fmt: skip
    # gold pledged on the eight gold loans the day each was paid out, given back on the day the
    # three closed ones closed; those active checked at each of the 32 closes (192 checks), and
    # the price's fall (6,150 a gram from 21 Nov, valued from the 22nd) calls for margin on three
    assert gold == {"pledged": 10, "released": 5}
    assert checked == 192
    # (the ratios count the interest accrued to the day: the demo's gold loans pay interest
    # monthly on the 10th, so twelve days of it by 22 Nov)
    assert calls == [(38, date(2026, 11, 22), D("89.93"), None),
                     (55, date(2026, 11, 22), D("82.63"), None),
                     (57, date(2026, 11, 22), D("89.13"), None)]  # fmt: skip
    _bureau_file_reads_back(sessions)


def _bureau_file_reads_back(sessions: sessionmaker[Session]) -> None:
    """The demo book's credit bureau files as of 15 Nov, read field by field by the tests' own
    readers: every record accepted, each account's balance the snapshot's principal
    outstanding plus interest due in whole rupees, and every loan the close saw that day in
    the consumer file or the commercial file (the firms' loans), or left out for the reason the
    demo means (no address on file)."""
    day = date(2026, 11, 15)
    with UnitOfWork(sessions) as uow:
        made = bureau_file(uow, as_of=day, bureau="CIBIL", member=Member("NB12340001", "Demo"),
                           actor=None)  # fmt: skip
        firms = bureau_file(uow, as_of=day, bureau="CIBIL", member=Member("CM12340001", "Demo"),
                            actor=None, kind="commercial")  # fmt: skip
        snapshots = {
            loan_id: (number, owed)
            for loan_id, number, owed in uow.session.execute(
                select(LoanSnapshot.loan_id, Loan.external_id,
                       LoanSnapshot.principal_outstanding + LoanSnapshot.interest_due)
                .join(Loan, Loan.id == LoanSnapshot.loan_id)
                .where(LoanSnapshot.day == day, LoanSnapshot.status == "active")
            )
        }  # fmt: skip
        closed = uow.session.scalar(
            select(func.count()).select_from(Loan)
            .where(Loan.closed_on > date(2026, 10, 31), Loan.closed_on <= day)
        )  # fmt: skip
    _, records = read(made.text)
    _, facilities = read_commercial(firms.text)
    assert len(records) == made.accounts and made.accounts > 40
    assert len(facilities) == firms.accounts and firms.accounts > 0
    left = made.left_out + firms.left_out
    assert made.accounts + firms.accounts + len(left) == len(snapshots) + closed
    reasons = {r for row in left for r in row.reasons}
    assert reasons == {"address: none on file"}
    owed = {
        number: f"{amount.quantize(D(1), ROUND_HALF_UP)}" for number, amount in snapshots.values()
    }
    balances = {r["TL"][0]["03"]: r["TL"][0]["13"] for r in records if "10" not in r["TL"][0]}
    assert balances == {n: owed[n] for n in balances} and len(balances) > 30
    firm_balances = {
        f["CR"]["account number"]: f["CR"]["current balance"]
        for f in facilities
        if not f["CR"]["date closed"]
    }
    assert firm_balances == {n: owed[n] for n in firm_balances}


def test_lms_demo_builds_once_a_day_and_reuses_the_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--loans", "3", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "3 loans," in first.output and "ledger sound" in first.output
    again = runner.invoke(app, ["demo", "--loans", "3", "--no-serve"])
    assert again.exit_code == 0 and "reusing today's demo book of 3 loans" in again.output
    other = runner.invoke(app, ["demo", "--loans", "4", "--no-serve"])
    assert other.exit_code == 0 and "building 4 demo loans" in other.output
    fresh = runner.invoke(app, ["demo", "--loans", "4", "--no-serve", "--fresh"])
    assert fresh.exit_code == 0 and "building 4 demo loans" in fresh.output
    assert (tmp_path / "lms" / "demo.sqlite3").exists()
    header = fresh.output.split("Authorization: ", 1)[1].split()  # the token printed works
    with TestClient(
        create_app(f"sqlite:///{tmp_path / 'lms' / 'demo.sqlite3'}"),
        headers={"Authorization": " ".join(header[:2])},
    ) as client:
        assert client.get("/api/v1/me").json()["actor"] == "user:demo-admin"
        assert client.get("/api/v1/loans").json()["total"] == 4
