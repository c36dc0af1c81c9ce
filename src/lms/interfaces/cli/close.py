"""`lms eod`: run the daily close, catch up several dates, show its progress, park failures.

Guarantee: bad input prints `error: <field>: <reason>` and exits 2, writing nothing; a close
that leaves open failures exits 1 naming them (the business date does not advance). With no
`--date` or `--until`, `lms eod run` closes the business date only once it has come (on or
after that calendar date in the lender's time zone, $LMS_TIMEZONE, default Asia/Kolkata): run
again the same day, it refuses with exit 2 instead of closing tomorrow. This module is the
only one of the close that reads the clock (`today`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from lms.close.runner import DayResult, Dispatch

eod_app = typer.Typer(help="The daily close (end of day).", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: $LMS_DATABASE_URL, else SQLite)."),
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="A date, YYYY-MM-DD (default: the business date).")
]


def today() -> date:
    """Today's calendar date in the lender's time zone ($LMS_TIMEZONE, default Asia/Kolkata)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def shell_actor() -> str:
    """Who acts from the server's shell: `cli:<login name>` (recorded as the actor)."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _sessions(database_url: str | None):  # type: ignore[no-untyped-def]
    """The book's sessions, migrated to the latest schema; a missing book is refused."""
    from lms.platform.db import (
        DatabaseMissingError,
        existing_database_url,
        make_engine,
        make_session_factory,
    )
    from lms.platform.db.migrate import upgrade

    try:
        url = existing_database_url(database_url)
    except DatabaseMissingError as exc:
        typer.echo(f"error: --database-url: {exc}", err=True)
        raise typer.Exit(2) from None
    upgrade(url)
    return make_session_factory(make_engine(url))


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {field}: {text!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@eod_app.command("run")
def run(
    database_url: DatabaseOption = None,
    day: Annotated[
        str | None, typer.Option("--date", help="The date to close (YYYY-MM-DD).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Close every date through this one.")] = None,
    partition_size: Annotated[
        int, typer.Option(min=1, help="Ids per partition (one transaction per step each).")
    ] = 50_000,
    queue: Annotated[
        bool, typer.Option("--queue", help="Run the partitions on `lms worker` processes.")
    ] = False,
) -> None:
    """Close the business date (or --date, which must be it), or every date --until; with
    neither, only if the business date is not after today."""
    from lms.close.runner import CloseError
    from lms.platform import business_date as calendar
    from lms.platform.db import existing_database_url

    first, last = _day(day, "--date"), _day(until, "--until")
    sessions = _sessions(database_url)
    dispatch = None
    if queue:
        from lms.close.worker import queue_dispatch

        dispatch = queue_dispatch(existing_database_url(database_url))
    with UnitOfWork(sessions) as uow:
        current = calendar.business_date(uow)
        if current is None:  # the first close of this book starts at the given date
            if first is None:
                typer.echo("error: --date: the book has no business date yet; give one", err=True)
                raise typer.Exit(2)
            calendar.set_business_date(uow, first)
            uow.commit()
            current = first
    try:
        results = _close(sessions, first or current, last, partition_size, dispatch, first is None)
    except CloseError as exc:
        typer.echo(f"error: --date: {exc}", err=True)
        raise typer.Exit(2) from None
    for result in results:
        steps = ", ".join(f"{name} {n}" for name, n in result.loans.items())
        typer.echo(f"{result.day}: {steps or 'nothing left to do'}")
        if result.failures:
            typer.echo(
                f"{result.day}: {result.failures} loan failures; the date does not advance"
                " (lms eod status; fix and run again, or lms eod park)",
                err=True,
            )
            raise typer.Exit(1)


def _close(
    sessions: sessionmaker[Session],
    day: date,
    last: date | None,
    size: int,
    dispatch: Dispatch | None,
    by_default: bool,
) -> Sequence[DayResult]:
    """Close `day`, or every date through `last`; a default date only once it has come."""
    from lms.close.runner import close_day, close_until

    if last is not None:
        return close_until(sessions, last, size=size, dispatch=dispatch)
    return [close_day(sessions, day, size=size, dispatch=dispatch,
                      today=today() if by_default else None)]  # fmt: skip


@eod_app.command("status")
def show_status(database_url: DatabaseOption = None, day: DateOption = None) -> None:
    """Progress of a date's close per step (default: the business date) and its failures."""
    from lms.close.failures import open_failures
    from lms.close.runner import status
    from lms.platform import business_date as calendar

    sessions = _sessions(database_url)
    with UnitOfWork(sessions) as uow:
        current = calendar.business_date(uow)
        target = _day(day, "--date") or current
        if target is None:
            typer.echo("no business date yet: no close has run")
            return
        failures = open_failures(uow, target)
    typer.echo(f"business date {current}; close of {target}:")
    for step, partitions, loans in status(sessions, target):
        typer.echo(f"  {step:10} {partitions} partitions done, {loans} loans")
    for failure in failures:
        typer.echo(f"  failure: loan {failure.loan_id} in {failure.step}: {failure.error}")


@eod_app.command("park")
def park_failure(
    loan: Annotated[int, typer.Argument(help="The loan whose failures to park.")],
    database_url: DatabaseOption = None,
    day: DateOption = None,
) -> None:
    """Park a loan's open failures of a date so the close can advance without it."""
    from lms.close.failures import park
    from lms.platform import business_date as calendar

    sessions = _sessions(database_url)
    with UnitOfWork(sessions) as uow:
        target = _day(day, "--date") or calendar.business_date(uow)
        if target is None:
            typer.echo("error: --date: no business date yet", err=True)
            raise typer.Exit(2)
        uow.actor = shell_actor()
        parked = park(uow, day=target, loan_id=loan, by=uow.actor)
        uow.commit()
    typer.echo(f"parked {parked} failures of loan {loan} on {target}")


@eod_app.command("retain")
def retain_snapshots(
    months: Annotated[
        int,
        typer.Option(
            min=0,
            help="Whole months before the business date's month whose daily"
            " snapshots are kept; earlier months keep their last day only.",
        ),
    ] = 13,
    database_url: DatabaseOption = None,
) -> None:
    """Thin the daily snapshots of months past the retention to each month's last day."""
    from lms.close.retention import thin_snapshots

    sessions = _sessions(database_url)
    thinned = 0
    while True:  # a month a transaction: the snapshots' table locked a moment each
        with UnitOfWork(sessions) as uow:
            uow.actor = shell_actor()
            now = datetime.now(ZoneInfo("UTC"))
            done = thin_snapshots(uow, months=months, now=now, at_most=1)
            uow.commit()
        if not done:
            break
        thinned += 1
        month = done[0]
        typer.echo(f"{month.month:%Y-%m}: kept {month.kept_day}, removed {month.removed} snapshots")
    if not thinned:
        typer.echo(f"nothing to thin: daily snapshots kept for {months} months")


worker_help = "Run daily-close partitions from the queue (Dramatiq on Redis, $LMS_BROKER_URL)."


def worker(
    processes: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(min=1, help="Threads per process.")] = 1,
) -> None:
    """Run daily-close partitions sent by `lms eod run --queue` (until stopped)."""
    import sys

    from lms.close.worker import QUEUE

    arguments = [sys.executable, "-m", "dramatiq", "lms.close.worker", "--processes",
                 str(processes), "--threads", str(threads), "--queues", QUEUE]  # fmt: skip
    os.execv(sys.executable, arguments)
