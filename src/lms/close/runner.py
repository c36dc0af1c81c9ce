"""Running the daily close: each step over every partition, in order, then the business date
moves on.

Guarantees:
- Idempotent: a step's partition is done in one transaction with its marker (close_steps); a
  marked partition is never run again, so closing a date twice changes nothing.
- Resumable: killed at any moment, the close restarts where it stopped; what was not committed
  is redone, what was committed is not.
- Durable when the date moves on: partitions commit without waiting for the disk on
  PostgreSQL (see ASYNCHRONOUS COMMIT), the move of the business date waits, and with it every
  earlier commit; a crash before it loses at most the last partitions, redone on restart.
- A date is never closed ahead of the calendar when the caller gives today's date (the CLI
  does for the business date it closes by default; this module never reads the clock).
- A loan's failure (close_failures) does not stop the others; an open failure keeps the date
  from advancing until it is fixed and the step run again, or parked.
- Partitions are id ranges (loans, or customers for borrower-level steps) of `size` ids (or one
  partition for a step on the whole book, such as booking the provisions); they
  run in this process one after another, or on `lms worker` processes (lms.close.worker).
- Once a date is closed, the reports scheduled for it are e-mailed (lms.close.schedules); a
  mail that fails is recorded on its schedule, never undoing or stopping the close.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import ModuleType

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from lms.close.failures import open_failures
from lms.close.models import CloseStep
from lms.close.schedules import send_due
from lms.close.steps import (
    accrue,
    allocate,
    behaviour,
    charges,
    classify,
    collect,
    dpd,
    dues,
    excess,
    ltv,
    penal,
    present,
    provision,
    provision_entry,
    remind,
    restate,
    score,
    settle,
    signals,
    small_balances,
    snapshot,
)
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork
from lms.platform.db.partitions import make_ahead
from lms.servicing.models import Customer, Loan

STEPS: tuple[ModuleType, ...] = (
    restate,
    excess,
    small_balances,
    dues,
    present,
    accrue,
    dpd,
    classify,
    charges,
    snapshot,
    penal,
    provision,
    provision_entry,
    settle,
    remind,
    collect,
    allocate,
    behaviour,
    score,
    signals,
    ltv,
)
PARTITION_SIZE = 50_000


class CloseError(RuntimeError):
    """The close cannot go on (a date out of turn, open failures)."""


@dataclass(frozen=True)
class DayResult:
    day: date
    loans: dict[str, int]  # loans touched per step (this run)
    failures: int  # open failures: the date did not advance if any


Dispatch = Callable[[sessionmaker[Session], str, date, range, int], None]


def close_day(
    sessions: sessionmaker[Session],
    day: date,
    *,
    size: int = PARTITION_SIZE,
    progress: Callable[[str, int], None] | None = None,
    dispatch: Dispatch | None = None,
    today: date | None = None,
) -> DayResult:
    """Close `day` (the business date), step by step and partition by partition: here, or
    through `dispatch` (lms.close.worker: on worker processes), which returns when all of a
    step's partitions are done. Given `today` (the calendar date, read by the caller), a `day`
    after it is refused: a date is closed on or after the day itself, never ahead of it."""
    if today is not None and day > today:
        raise CloseError(f"{day} has not come yet (today is {today}): close it on or after it")
    with UnitOfWork(sessions) as uow:
        current = calendar.business_date(uow)
        if current is not None and day != current:
            raise CloseError(f"the business date is {current}: close it first, not {day}")
        started = uow.session.scalar(
            select(CloseStep.size).where(CloseStep.day == day, CloseStep.size != size).limit(1)
        )
        if started is not None:  # the same partition numbers would mean other loans
            raise CloseError(
                f"the close of {day} was started with partitions of {started}: resume with those"
            )
    make_ahead(sessions)  # the day's new rows find their table partitions made (ADR 45)
    touched: dict[str, int] = {}
    for step in STEPS:
        parts = partitions(sessions, step.KEY, size)
        if dispatch is not None:
            dispatch(sessions, step.NAME, day, parts, size)
            touched[step.NAME] = _touched(sessions, step.NAME, day)
            continue
        for partition in parts:
            done = run_partition(sessions, step, day, partition, size)
            if done is not None:
                touched[step.NAME] = touched.get(step.NAME, 0) + done
        if progress is not None:
            progress(step.NAME, touched.get(step.NAME, 0))
    with UnitOfWork(sessions) as uow:
        failures = len(open_failures(uow, day))
        if not failures:
            calendar.set_business_date(uow, day + timedelta(days=1))
            uow.commit()
    if not failures:  # the date is closed: the reports scheduled for it go out
        send_due(sessions, day)
    return DayResult(day, touched, failures)


def _touched(sessions: sessionmaker[Session], step: str, day: date) -> int:
    with UnitOfWork(sessions) as uow:
        total = uow.session.scalar(
            select(func.sum(CloseStep.loans)).where(CloseStep.day == day, CloseStep.step == step)
        )
    return int(total or 0)


def partitions(sessions: sessionmaker[Session], key: str, size: int) -> range:
    """Partition numbers covering every loan (or customer) id."""
    with UnitOfWork(sessions) as uow:
        if key == "book":  # one partition: the whole book
            return range(1)
        column = Customer.id if key == "customer" else Loan.id
        top = uow.session.scalar(select(func.max(column))) or 0
    return range(top // size + 1)


# ASYNCHRONOUS COMMIT (PostgreSQL): a partition's transaction does not wait for its write-ahead
# log to reach the disk (a month end's or a due date's partition writes tens of megabytes;
# waiting for each flush cost 8 s of a 61 s close of a million loans). A crash can lose only the
# last fraction of a second of such commits, and each takes its partition's marker with it, so
# the close redoes exactly those partitions, to the same figures; any later ordinary commit
# (a payment, the next partition) makes them durable first. A step whose partition leads to
# something outside the database (NACH presentations, sent to the bank) sets SYNCHRONOUS.

# memory a partition's sorts and hash tables may use on PostgreSQL (the server's default, 4 MB,
# makes the snapshot's sums of 50,000 loans' installments spill to disk); per transaction only
CLOSE_WORK_MEM = "256MB"


def run_partition(
    sessions: sessionmaker[Session], step: ModuleType, day: date, partition: int, size: int
) -> int | None:
    """Run one step on one partition unless done already; returns loans touched (or None)."""
    with UnitOfWork(sessions, origin="close") as uow:
        if uow.session.get(CloseStep, (day, step.NAME, partition)) is not None:
            return None
        if uow.session.get_bind().dialect.name == "postgresql":  # a partition's sums and joins
            uow.session.execute(text(f"SET LOCAL work_mem = '{CLOSE_WORK_MEM}'"))  # in memory
            if not getattr(step, "SYNCHRONOUS", False):  # see ASYNCHRONOUS COMMIT above
                uow.session.execute(text("SET LOCAL synchronous_commit = off"))
        low, high = partition * size, partition * size + size - 1
        count = int(step.run(uow, day, low, high))
        if getattr(step, "RETRY", False) and open_failures(uow, day, step.NAME, (low, high)):
            uow.commit()  # done for the loans that went well; run again for the others
            return count
        uow.session.add(
            CloseStep(
                day=day,
                step=step.NAME,
                partition=partition,
                size=size,
                loans=count,
                finished_at=datetime.now(UTC),
            )
        )
        uow.commit()
        return count


def status(sessions: sessionmaker[Session], day: date) -> list[tuple[str, int, int]]:
    """(step, partitions done, loans touched) for `day`, in step order."""
    with UnitOfWork(sessions) as uow:
        return steps_done(uow, day)


def steps_done(uow: UnitOfWork, day: date) -> list[tuple[str, int, int]]:
    """`status` read in the unit of work `uow`."""
    rows = uow.session.execute(
        select(CloseStep.step, func.count(), func.sum(CloseStep.loans))
        .where(CloseStep.day == day)
        .group_by(CloseStep.step)
    ).all()
    done = {step: (int(n), int(loans or 0)) for step, n, loans in rows}
    return [(s.NAME, *done.get(s.NAME, (0, 0))) for s in STEPS]


def close_until(
    sessions: sessionmaker[Session],
    last: date,
    *,
    size: int = PARTITION_SIZE,
    dispatch: Dispatch | None = None,
) -> Sequence[DayResult]:
    """Close every date from the business date through `last` (catching up)."""
    results: list[DayResult] = []
    while True:
        with UnitOfWork(sessions) as uow:
            current = calendar.business_date(uow)
        if current is None or current > last:
            return results
        result = close_day(sessions, current, size=size, dispatch=dispatch)
        results.append(result)
        if result.failures:
            return results
