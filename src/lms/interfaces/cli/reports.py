"""`lms reports`: a report (lms.close.reports) written to a file or e-mailed as an attachment
over SMTP, so that a scheduler (cron, a systemd timer) sends the daily and monthly returns.

Guarantees: the same tables as the API and the staff application; a bad date, a date not
closed or an unknown report is a message naming it and exit status 2; a mail server that
cannot be reached is a message and exit status 1, nothing half sent.
"""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _day, _sessions
from lms.platform.db import UnitOfWork

reports_app = typer.Typer(help="Reports: to a file, or by e-mail.", no_args_is_help=True)
TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}  # fmt: skip


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


Name = Annotated[
    str, typer.Argument(help="iracp, sma, disbursements, collections or trial_balance.")
]
AsOf = Annotated[str | None, typer.Option("--as-of", help="The date (default: the last closed).")]
Since = Annotated[str | None, typer.Option(help="A period's first day (default: the month's).")]
Until = Annotated[
    str | None, typer.Option(help="A period's last day (default: the business date).")
]
Form = Annotated[Format, typer.Option("--format", "-f", help="File format.")]


def _made(
    database_url: str | None, name: str, as_of: str | None, since: str | None, until: str | None,
    form: Format,
) -> tuple[str, bytes]:  # fmt: skip
    """(the report's title, the file's bytes)."""
    from lms.close.dashboards import Scope
    from lms.close.portfolio import last_closed
    from lms.close.reports import NAMES, report
    from lms.documents.tables import table_csv, table_pdf, table_xlsx
    from lms.interfaces.cli.payments import _business_date
    from lms.platform.errors import InvalidError

    if name not in NAMES:
        typer.echo(f"error: NAME: must be one of {', '.join(NAMES)}", err=True)
        raise typer.Exit(2)
    with UnitOfWork(_sessions(database_url)) as uow:
        day: date = _business_date(uow)
        try:
            table = report(
                uow, name, Scope(), as_of=_day(as_of, "--as-of") or last_closed(day),
                since=_day(since, "--since") or day.replace(day=1), until=_day(until, "--until") or day,
            )  # fmt: skip
        except InvalidError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    if form is Format.CSV:
        return table.title, table_csv(table.columns, table.rows).encode()
    if form is Format.XLSX:
        return table.title, table_xlsx(table.title, table.columns, table.rows)
    note = f"Made by lms reports on {date.today().isoformat()}."  # noqa: DTZ011 (a label only)
    return table.title, table_pdf(table.title, note, table.columns, table.rows)


@reports_app.command("save")
def save(
    name: Name, output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    database_url: DatabaseOption = None, as_of: AsOf = None, since: Since = None,
    until: Until = None, form: Form = Format.XLSX,
) -> None:  # fmt: skip
    """Write a report to a file."""
    title, content = _made(database_url, name, as_of, since, until, form)
    output.write_bytes(content)
    typer.echo(f"{title}: {output} ({len(content)} bytes)")


@reports_app.command("email")
def email(
    name: Name,
    to: Annotated[list[str], typer.Option("--to", help="A recipient (repeat for more).")],
    database_url: DatabaseOption = None, as_of: AsOf = None, since: Since = None,
    until: Until = None, form: Form = Format.XLSX,
) -> None:  # fmt: skip
    """E-mail a report as an attachment ($LMS_SMTP_HOST, $LMS_SMTP_PORT, $LMS_MAIL_FROM ...)."""
    from lms.notices.service import send_messages

    title, content = _made(database_url, name, as_of, since, until, form)
    message = EmailMessage()
    message["To"], message["Subject"] = ", ".join(to), title
    message.set_content(f"{title}: attached ({form.value.upper()}).\n\nSent by lms.")
    maintype, subtype = TYPES[form.value].split("/", 1)
    message.add_attachment(content, maintype=maintype, subtype=subtype,
                           filename=f"{name}.{form.value}")  # fmt: skip
    try:
        send_messages([message])
    except (RuntimeError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{title}: sent to {', '.join(to)}")
