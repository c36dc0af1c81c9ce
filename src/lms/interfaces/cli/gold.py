"""`lms gold`: the daily closing prices of 22-carat gold read from a file, and a loan's gold
with its latest loan-to-value ratio and margin calls.

Guarantees: a file with a bad line is refused whole (every bad line named, exit status 2) and
nothing is written; a price kept before is kept again only if it is the same (else exit 1).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.interfaces.cli.payments import _business_date, refusals
from lms.platform.db import UnitOfWork

gold_app = typer.Typer(help="Gold prices and gold loans.", no_args_is_help=True)


@gold_app.command("prices")
def prices(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: day,price.")],
    source: Annotated[str, typer.Option(help="Who published the prices.")] = "IBJA",
    database_url: DatabaseOption = None,
) -> None:
    """Keep the closing prices of a gram of 22-carat gold, one `YYYY-MM-DD,price` a line (a
    header line is skipped)."""
    from lms.collateral.service import record_price

    rows = _read(file)
    with UnitOfWork(_sessions(database_url)) as uow:
        uow.actor = shell_actor()
        today = _business_date(uow)
        if rows and rows[-1][0] > today:
            typer.echo(f"error: {file.name}: {rows[-1][0]} is after the business date {today}",
                       err=True)  # fmt: skip
            raise typer.Exit(2)
        with refusals():
            for day, price in rows:
                record_price(uow, day, price, source)
        uow.commit()
    typer.echo(f"{len(rows)} prices kept ({rows[0][0]} to {rows[-1][0]})" if rows else "no prices")


def _read(file: Path) -> list[tuple[date, Decimal]]:
    found, problems = [], []
    with file.open(newline="", encoding="utf-8") as handle:
        for n, line in enumerate(csv.reader(handle), start=1):
            if not line or (n == 1 and line[0].strip().lower() in ("day", "date")):
                continue
            try:
                day, price = date.fromisoformat(line[0].strip()), Decimal(line[1].strip())
                if price <= 0 or not price.is_finite():
                    raise ValueError
                found.append((day, price))
            except (ValueError, IndexError, InvalidOperation):
                problems.append(f"line {n}: {','.join(line)!r} is not YYYY-MM-DD,price")
    for problem in problems:
        typer.echo(f"error: {file.name}: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    return sorted(found)


@gold_app.command("loan")
def loan(loan_id: int, database_url: DatabaseOption = None) -> None:
    """A loan's gold, its latest loan-to-value ratio and its margin calls."""
    from lms.collateral.watch import holding

    with UnitOfWork(_sessions(database_url)) as uow, refusals():  # read while it is open
        held = holding(uow, loan_id)
        for i in held.items:
            typer.echo(f"{i.description} ({i.kind}): {i.pieces} pieces, {i.gross_grams.normalize():f} g "
                       f"gross, {i.net_grams.normalize():f} g net, {i.carats.normalize():f} carats, "
                       f"{i.status}")  # fmt: skip
        c = held.check
        if c is not None:
            typer.echo(f"{c.day}: loan to value {c.ltv} % (ceiling {c.ceiling} %): {c.owed:.2f} "
                       f"owed, gold worth {c.value:.2f} at {c.price:.2f} a gram")  # fmt: skip
        for m in held.calls:
            state = f"closed {m.closed_on} ({m.outcome})" if m.closed_on else "open"
            typer.echo(f"margin call {m.raised_on}: {m.ltv} %: pay {m.pay_down:.2f} or pledge "
                       f"{m.more_value:.2f} more; {state}")  # fmt: skip
