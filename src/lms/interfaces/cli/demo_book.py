"""The demo book behind `lms demo`: built once a day into the data folder (reused while its
size, date, version and schema are the same), its ledger checked, and its staff and a
borrower named on the console.

Guarantee: a book whose ledger is not sound is reported and the command exits with 1; a
stale default book and its stamp are removed before a new one is built.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from lms.interfaces.cli.render import shown_url
from lms.platform.db import UnitOfWork


def sign_in_demo_staff(url: str, port: int) -> None:
    from lms.demo.staff import AGENT, AGENT_PASSWORD, OFFICER, OFFICER_PASSWORD, demo_staff
    from lms.platform.db import make_engine, make_session_factory

    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        staff = demo_staff(uow)
        uow.commit()
    engine.dispose()
    typer.echo(
        f"staff application: http://127.0.0.1:{port}/app — sign in as {OFFICER} with the"
        f" password {OFFICER_PASSWORD} (a loan officer of every branch), or as {AGENT} with"
        f" {AGENT_PASSWORD} (a collections agent)\n"
        f"API: signed in as {staff.username} (password {staff.password}, second factor "
        f"{staff.totp_secret}); call it with the header\n"
        f"  Authorization: Bearer {staff.token}"
    )
    if staff.borrower:  # the one-time code shows below, in the demo's mailbox
        typer.echo(f"borrower portal: http://127.0.0.1:{port}/my — loan {staff.borrower[0]},"
                   f" e-mail {staff.borrower[1]}")  # fmt: skip


def build_demo_book(url: str, loans: int, today: date) -> None:
    from lms.demo.builder import build_demo
    from lms.ledger.check import ledger_problems
    from lms.platform.db import make_engine, make_session_factory
    from lms.platform.db.migrate import upgrade
    from lms.servicing.balances import loan_ledger_problems

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    typer.echo(f"building {loans} demo loans in {shown_url(url)} ...")

    def progress(done: int) -> None:
        if done % 250 == 0 and done < loans:
            typer.echo(f"  {done} loans ...")

    summary = build_demo(sessions, loans=loans, as_of=today, progress=progress)
    with UnitOfWork(sessions) as uow:
        problems = ledger_problems(uow.session) + loan_ledger_problems(uow)
    engine.dispose()
    typer.echo(
        f"{summary.loans} loans, {summary.payments} payments, {summary.reversals} returned debits; "
        f"ledger {'sound' if not problems else f'has {len(problems)} problems'}"
    )
    if problems:
        raise typer.Exit(1)


def demo_book(loans: int, today: date, fresh: bool) -> tuple[str, bool]:
    """The default demo database's URL, and whether today's book of `loans` loans is there."""
    from sqlalchemy.engine import make_url

    from lms.platform.db import default_sqlite_url

    path = Path(make_url(default_sqlite_url()).database or "lms.sqlite3").with_name("demo.sqlite3")
    stamp = demo_stamp()
    same = stamp.exists() and stamp.read_text() == demo_stamp_text(loans, today)
    if not fresh and path.exists() and same:
        return f"sqlite:///{path}", True
    for stale in (
        path,
        stamp,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}", False


def demo_stamp() -> Path:
    """Beside the default demo database: what it was built from."""
    from sqlalchemy.engine import make_url

    from lms.platform.db import default_sqlite_url

    return Path(make_url(default_sqlite_url()).database or "lms.sqlite3").with_name("demo.json")


def demo_stamp_text(loans: int, today: date) -> str:
    """What the default demo book was built from: reused only if all of it is the same."""
    from lms import __version__
    from lms.platform.db.migrate import head_revision

    return json.dumps(
        {
            "loans": loans,
            "as_of": today.isoformat(),
            "version": __version__,
            "schema": head_revision(),
        }
    )
