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


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


Name = Annotated[
    str,
    typer.Argument(
        help="iracp, sma, disbursements, collections, trial_balance, interest_income, "
        "overdue_ageing or general_ledger."
    ),
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
    from lms.documents.tables import table_file
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
    note = f"Made by lms reports on {date.today().isoformat()}."  # noqa: DTZ011 (a label only)
    return table.title, table_file(form.value, table.title, note, table.columns, table.rows)


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
    from lms.documents.tables import MEDIA_TYPES

    maintype, subtype = MEDIA_TYPES[form.value].split("/", 1)
    message.add_attachment(content, maintype=maintype, subtype=subtype,
                           filename=f"{name}.{form.value}")  # fmt: skip
    try:
        send_messages([message])
    except (RuntimeError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{title}: sent to {', '.join(to)}")


schedule_app = typer.Typer(help="Reports e-mailed after the close, on a schedule.",
                           no_args_is_help=True)  # fmt: skip
reports_app.add_typer(schedule_app, name="schedule")


@schedule_app.command("add")
def schedule_add(
    name: Name,
    to: Annotated[list[str], typer.Option("--to", help="A recipient (repeat for more).")],
    every: Annotated[str, typer.Option(help="daily, weekly or monthly.")] = "daily",
    day: Annotated[int, typer.Option(help="Weekly: 0 (Monday) to 6; monthly: 1 to 28, 31 = last.")] = 0,
    branch: Annotated[str | None, typer.Option(help="One branch (default: every branch).")] = None,
    database_url: DatabaseOption = None, form: Form = Format.XLSX,
) -> None:  # fmt: skip
    """Send a report by e-mail after each close of a date it falls due on."""
    from lms.close.schedules import Asked, add_schedule
    from lms.interfaces.cli.close import shell_actor
    from lms.interfaces.cli.payments import refusals

    asked = Asked(name, form.value, tuple(to), every, day, branch)
    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        row = add_schedule(uow, asked, owner=shell_actor(), branches=None)
        uow.commit()
        typer.echo(f"schedule {row.id}: {name} ({form.value}) {every} to {row.recipients}")


@schedule_app.command("list")
def schedule_list(database_url: DatabaseOption = None) -> None:
    """Every schedule: what, when, to whom, and how its last sending went."""
    from lms.close.schedules import schedules

    with UnitOfWork(_sessions(database_url)) as uow:
        for r in schedules(uow, None):
            state = "active" if r.active else "cancelled"
            last = r.last_sent_for.isoformat() if r.last_sent_for else "never"
            typer.echo(f"{r.id}\t{r.report}\t{r.format}\t{r.frequency}/{r.day}\t{state}\t"
                       f"{r.recipients}\tlast sent for {last}\t{r.last_error or ''}")  # fmt: skip


@schedule_app.command("cancel")
def schedule_cancel(schedule_id: int, database_url: DatabaseOption = None) -> None:
    """Stop a schedule (it is kept, cancelled)."""
    from lms.close.schedules import cancel_schedule
    from lms.interfaces.cli.payments import refusals

    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        cancel_schedule(uow, schedule_id, None)
        uow.commit()
    typer.echo(f"schedule {schedule_id}: cancelled")


@reports_app.command("send-due")
def send_due_now(
    database_url: DatabaseOption = None,
    day: Annotated[str | None, typer.Option("--date", help="The closed date (default: the last).")] = None,
) -> None:  # fmt: skip
    """Send the scheduled reports of a closed date that have not gone yet (after a mail
    server was down); exit status 1 if any still fails."""
    from lms.close.portfolio import last_closed
    from lms.close.schedules import send_due
    from lms.interfaces.cli.payments import _business_date

    sessions = _sessions(database_url)
    with UnitOfWork(sessions) as uow:
        closed = _day(day, "--date") or last_closed(_business_date(uow))
    outcomes = send_due(sessions, closed)
    for schedule_id, outcome in outcomes.items():
        typer.echo(f"schedule {schedule_id}: {outcome}")
    if any(o != "sent" for o in outcomes.values()):
        raise typer.Exit(1)
