"""`lms colending`: a co-lending arrangement's books for either lender, and the partner's daily
settlement recorded and its file written.

Guarantees: an unknown arrangement or a bad date is an error naming it (exit status 2); a day
settled before with other figures is a conflict (exit status 1) and nothing is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.interfaces.cli.payments import _business_date, refusals
from lms.platform.db import UnitOfWork

colending_app = typer.Typer(help="Co-lending: each lender's books and the partner's settlement.",
                            no_args_is_help=True)  # fmt: skip


def _day(text: str | None, uow: UnitOfWork) -> date:
    try:
        return date.fromisoformat(text) if text else _business_date(uow)
    except ValueError:
        typer.echo(f"error: day: {text!r} is not YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


@colending_app.command("books")
def books(
    code: Annotated[str, typer.Argument(help="The arrangement's code.")],
    lender: Annotated[str, typer.Option(help="partner or originator.")] = "partner",
    through: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today's).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """The lender's balance of each account of the arrangement's loans (debit less credit)."""
    from lms.colending.service import arrangement_by_code, lender_balances

    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        found = lender_balances(uow, arrangement_by_code(uow, code).id, lender, _day(through, uow))
    for account, balance in found.items():
        typer.echo(f"{account}: {balance:.2f}")


@colending_app.command("settle")
def settle_day(
    code: Annotated[str, typer.Argument(help="The arrangement's code.")],
    day: Annotated[str, typer.Option(help="The day settled, YYYY-MM-DD (a closed day).")],
    out: Annotated[Path, typer.Option(help="Where the settlement file is written.")],
    database_url: DatabaseOption = None,
) -> None:
    """Record the day's settlement with the partner and write its file."""
    from lms.colending.settlement import settle

    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        uow.actor = shell_actor()
        when = _day(day, uow)
        if when >= _business_date(uow):
            typer.echo(f"error: day: settle a day before the business date "
                       f"{_business_date(uow)}", err=True)  # fmt: skip
            raise typer.Exit(2)
        row, content = settle(uow, code, when)
        uow.commit()
    out.write_bytes(content)
    typer.echo(f"{code} {when}: {row.loans} loans, net {row.net:.2f} to the partner; file {out}")
