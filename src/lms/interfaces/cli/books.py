"""`lms ledger export | trial-balance | close-period`: the loan ledger for the lender's general
ledger: vouchers as Tally XML or CSV, a trial balance for a period, and closing a period.

Guarantees: a bad date or an empty period is a message naming it and exit status 2, nothing
written; a period closes only through a day before the business date, and only forward.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _day, _sessions, shell_actor
from lms.interfaces.cli.payments import refusals
from lms.platform.db import UnitOfWork


class Form(StrEnum):
    TALLY = "tally"
    CSV = "csv"


Since = Annotated[str | None, typer.Option(help="The period's first day (default: last month's).")]
Until = Annotated[str | None, typer.Option(help="The period's last day (default: last month's).")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="The file (default: print).")]


def _period(uow: UnitOfWork, since: str | None, until: str | None) -> tuple[date, date]:
    from lms.interfaces.cli.payments import _business_date
    from lms.ledger.export import month_of

    last_month = month_of(_business_date(uow).replace(day=1) - timedelta(days=1))
    first = _day(since, "--since") or last_month[0]
    last = _day(until, "--until") or last_month[1]
    if first > last:
        typer.echo("error: --since: after --until", err=True)
        raise typer.Exit(2)
    return first, last


def export(
    database_url: DatabaseOption = None, since: Since = None, until: Until = None,
    form: Annotated[Form, typer.Option("--format", "-f", help="tally or csv.")] = Form.TALLY,
    output: Output = None,
) -> None:  # fmt: skip
    """The period's postings as vouchers for the general ledger (a day's entries of a kind,
    summed by account)."""
    from lms.ledger.export import tally_xml, vouchers, vouchers_csv
    from lms.platform.settings import get_settings

    with UnitOfWork(_sessions(database_url)) as uow:
        first, last = _period(uow, since, until)
        found = vouchers(uow, first, last)
    if form is Form.TALLY:
        settings = get_settings()
        data = tally_xml(found, settings.gl_company or settings.lender_name)
    else:
        data = vouchers_csv(found).encode()
    _out(data, output)
    typer.echo(f"{len(found)} vouchers posted {first} to {last}", err=output is None)


def trial_balance(
    database_url: DatabaseOption = None, since: Since = None, until: Until = None,
    output: Output = None,
) -> None:  # fmt: skip
    """Each account's opening balance, the period's debits and credits, and its closing
    balance (CSV)."""
    from lms.ledger.export import trial_balance as balances
    from lms.ledger.export import trial_balance_csv

    with UnitOfWork(_sessions(database_url)) as uow:
        first, last = _period(uow, since, until)
        rows = balances(uow, first, last)
    _out(trial_balance_csv(rows, first, last).encode(), output)


def close_period(
    through: Annotated[str, typer.Option("--through", help="The period's last day.")],
    database_url: DatabaseOption = None,
) -> None:
    """Close the accounts through a day: nothing may be posted on or before it again."""
    from lms.interfaces.cli.payments import _business_date
    from lms.ledger.periods import close_period as close

    day = _day(through, "--through")
    assert day is not None
    with UnitOfWork(_sessions(database_url)) as uow:
        with refusals():
            close(uow, through=day, today=_business_date(uow), actor=shell_actor())
        uow.commit()
    typer.echo(f"the accounts are closed through {day}")


def _out(data: bytes, output: Path | None) -> None:
    if output is None:
        typer.echo(data.decode(), nl=False)
    else:
        output.write_bytes(data)
