"""`lms bureau`: the credit bureau data file as of a reporting date, a bureau's rejection
report read back, and the corrections it queued.

Guarantees: a bad date, an unknown bureau or a missing member code is a message naming it
and exit status 2, a date whose close has not run exit status 1, with nothing written; the data file and the list of
loans left out are written together, after the book recorded the file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _day, _sessions, shell_actor
from lms.interfaces.cli.payments import refusals
from lms.platform.db import UnitOfWork

bureau_app = typer.Typer(help="Credit bureau (CIC) reporting.", no_args_is_help=True)
_SUFFIXES = {"consumer": "tudf", "microfinance": "mfi", "commercial": "ccr"}
Bureau = Annotated[str, typer.Option("--bureau", help="CIBIL, EXPERIAN, EQUIFAX or CRIF.")]


@bureau_app.command("file")
def file(
    database_url: DatabaseOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The reporting date (default: the last 15th or month end)."),
    ] = None,
    bureau: Bureau = "CIBIL",
    kind: Annotated[
        str, typer.Option("--format", help="consumer, microfinance or commercial.")
    ] = "consumer",
    member_code: Annotated[
        str | None, typer.Option(help="The member code (default: from $LMS_BUREAU_MEMBERS).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The file (default: in this folder).")
    ] = None,
) -> None:
    """Write a data file of the book as of a reporting date (consumer: TUDF; microfinance;
    commercial), and beside it the loans left out with the reasons."""
    from lms.bureau.service import bureau_file, latest_reporting_date, left_out_csv
    from lms.bureau.tudf import Member, ddmmyyyy
    from lms.interfaces.cli.payments import _business_date
    from lms.platform.settings import get_settings

    settings = get_settings()
    key = bureau.upper() if kind.lower() == "consumer" else f"{bureau.upper()}-{kind.upper()}"
    code = member_code or settings.bureau_members.get(key, "")
    member = Member(code, settings.bureau_short_name or settings.lender_name)
    with UnitOfWork(_sessions(database_url)) as uow:
        uow.actor = shell_actor()
        day = _day(as_of, "--as-of") or latest_reporting_date(
            _business_date(uow) - timedelta(days=1)
        )
        with refusals():
            made = bureau_file(uow, as_of=day, bureau=bureau.upper(), member=member,
                               actor=uow.actor, kind=kind.lower())  # fmt: skip
        uow.commit()
    path = output or Path(f"{code}_{ddmmyyyy(day)}.{_SUFFIXES[kind.lower()]}")
    path.write_text(made.text, encoding="ascii", errors="replace")
    left = path.with_suffix(".left-out.csv")
    left.write_text(left_out_csv(made.left_out), encoding="utf-8")
    typer.echo(
        f"{path}: {made.accounts} accounts as of {day} (closed since {made.since} once); "
        f"{len(made.left_out)} left out, listed in {left}; "
        f"{made.told} borrowers told today their default will be reported"
    )


@bureau_app.command("due")
def due(database_url: DatabaseOption = None) -> None:
    """The reporting dates of the last two months for each bureau and format with a member
    code, each file made or not and its deadline; exit status 1 when one is past its deadline
    unmade."""
    from lms.bureau.service import member_files, reporting_status
    from lms.interfaces.cli.payments import _business_date
    from lms.platform.settings import get_settings

    files = member_files(get_settings().bureau_members) or [("CIBIL", "consumer")]
    with UnitOfWork(_sessions(database_url)) as uow:
        today = _business_date(uow)
        rows = reporting_status(uow, today, files)
    for row in rows:
        state = f"made {row.made_on}" if row.made_on else ("LATE" if row.late(today) else "due")
        typer.echo(f"{row.as_of}\t{row.bureau}\t{row.kind}\tby {row.deadline}\t{state}")
    if any(row.late(today) for row in rows):
        raise typer.Exit(1)


@bureau_app.command("rejections")
def rejections(
    report: Annotated[Path, typer.Argument(help="The bureau's rejection report (CSV).")],
    database_url: DatabaseOption = None,
    bureau: Bureau = "CIBIL",
) -> None:
    """Read a bureau's rejection report: each error queued for correction."""
    from lms.bureau.service import read_rejections
    from lms.interfaces.cli.payments import _business_date

    if not report.is_file():
        typer.echo(f"error: REPORT: no file {report}", err=True)
        raise typer.Exit(2)
    with UnitOfWork(_sessions(database_url)) as uow:
        uow.actor = shell_actor()
        with refusals():
            queued = read_rejections(uow, bureau=bureau.upper(), text=report.read_text("utf-8"),
                                     received_on=_business_date(uow))  # fmt: skip
        uow.commit()
    typer.echo(f"{queued} errors queued for correction")


@bureau_app.command("corrections")
def corrections(
    database_url: DatabaseOption = None,
    done: Annotated[int | None, typer.Option("--done", help="Mark this correction made.")] = None,
) -> None:
    """The bureaus' errors waiting for correction (or mark one made)."""
    from lms.bureau.service import mark_corrected, open_corrections
    from lms.interfaces.cli.payments import _business_date

    with UnitOfWork(_sessions(database_url)) as uow:
        uow.actor = shell_actor()
        if done is not None:
            with refusals():
                mark_corrected(uow, correction_id=done, day=_business_date(uow), actor=uow.actor)
            uow.commit()
        for row in open_corrections(uow):
            typer.echo(
                f"{row.id}\t{row.bureau}\t{row.account_number}\t{row.segment}"
                f"{'/' + row.field if row.field else ''}\t{row.code}\t{row.message}"
            )
