"""`lms centres`: the microfinance centres with their book, arrears and portfolio at risk, and
a centre meeting's collection sheet printed to the terminal or written as a PDF.

Guarantees: read-only; an unknown centre code is an error naming it (exit status 2).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from lms.interfaces.cli.close import DatabaseOption, _sessions
from lms.interfaces.cli.payments import _business_date
from lms.platform.db import UnitOfWork

centres_app = typer.Typer(help="Microfinance centres and their collection sheets.",
                          no_args_is_help=True)  # fmt: skip


@centres_app.command("list")
def listed(database_url: DatabaseOption = None) -> None:
    """Each centre: groups, loans, principal outstanding, arrears and PAR 30."""
    from lms.microfinance.overview import centre_books

    with UnitOfWork(_sessions(database_url)) as uow:
        books = centre_books(uow, _business_date(uow))
    for b in books:
        typer.echo(f"{b.code} {b.name} ({b.branch_code}, {b.field_officer}): {b.groups} groups, "
                   f"{b.loans} loans, outstanding {b.outstanding}, arrears {b.arrears}, "
                   f"PAR 30 {b.par} %")  # fmt: skip
    if not books:
        typer.echo("no centres")


@centres_app.command("sheet")
def sheet(
    code: Annotated[str, typer.Argument(help="The centre's code.")],
    on: Annotated[str | None, typer.Option(help="The meeting's date (default: today's).")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the sheet as a PDF here.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """A meeting's collection sheet: each member's due (and, once posted, what was taken)."""
    from lms.microfinance.models import Centre
    from lms.microfinance.overview import sheet_pdf
    from lms.microfinance.sheets import collection_sheet

    with UnitOfWork(_sessions(database_url)) as uow:
        centre_id = uow.session.scalar(select(Centre.id).where(Centre.code == code))
        if centre_id is None:
            typer.echo(f"error: code: no centre {code!r}", err=True)
            raise typer.Exit(2)
        try:
            day = date.fromisoformat(on) if on else _business_date(uow)
        except ValueError:
            typer.echo(f"error: on: {on!r} is not YYYY-MM-DD", err=True)
            raise typer.Exit(2) from None
        found = collection_sheet(uow, centre_id, day)
        if pdf is not None:
            pdf.write_bytes(sheet_pdf(found))
    for r in found.rows:
        taken = "" if r.collected is None else f", paid {r.collected}, group {r.cover}"
        typer.echo(f"{r.group} / {r.member} (loan {r.loan_id}): due {r.due}{taken}")
    state = "posted" if found.meeting else "not posted"
    typer.echo(f"{len(found.rows)} members, {state}" + (f"; PDF: {pdf}" if pdf else ""))
