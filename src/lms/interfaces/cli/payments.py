"""`lms statement`: import bank statements, list the suspense queue, match a line by hand.

Guarantee: bad input (a missing file, a file that is not a statement, an unknown line or loan)
prints `error: ...` and exits 2 (a conflict: 1), writing nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.platform.db import UnitOfWork

statement_app = typer.Typer(help="Bank statements and the suspense queue.", no_args_is_help=True)


def _business_date(uow: UnitOfWork):  # type: ignore[no-untyped-def]
    from lms.interfaces.api.app import today

    return today(uow)


@contextmanager
def refusals() -> Iterator[None]:
    """A service's refusal as the CLI says it: `error: ...`, exit 1 for a conflict with what
    is there, 2 for bad input."""
    from lms.platform.errors import ConflictError, DomainError

    try:
        yield
    except ConflictError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except DomainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _content(path: Path) -> bytes:
    if not path.is_file():
        typer.echo(f"error: path: {path} is not a file", err=True)
        raise typer.Exit(2)
    return path.read_bytes()


@statement_app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="The statement file (MT940 or CAMT.053).")],
    database_url: DatabaseOption = None,
    kind: Annotated[
        str | None, typer.Option("--format", help="mt940 or camt053 (default: by the content).")
    ] = None,
) -> None:
    """Import a statement: credits matched to loans are posted, the rest held in suspense."""
    from lms.payments.reconcile import import_statement

    content = _content(path)
    with UnitOfWork(_sessions(database_url), origin="file") as uow, refusals():
        day, uow.actor = _business_date(uow), shell_actor()
        result = import_statement(uow, content, kind=kind, posting_date=day, imported_by=uow.actor)
        uow.commit()
    if result.repeated:
        typer.echo(f"statement {result.statement_id}: imported before; nothing done")
        return
    typer.echo(
        f"statement {result.statement_id}: {result.lines} lines, {result.new} new: "
        f"{result.posted} posted, {result.suspense} in suspense, {result.debits} debits"
    )


@statement_app.command("queue")
def queue(database_url: DatabaseOption = None) -> None:
    """The credits waiting in suspense, oldest first."""
    from lms.payments.reconcile import suspense_lines

    with UnitOfWork(_sessions(database_url)) as uow:
        for line in suspense_lines(uow):
            hint = f" (suggested loan {line.suggested_loan_id})" if line.suggested_loan_id else ""
            typer.echo(
                f"{line.id}\t{line.value_date}\t{line.amount:.2f}\t{line.reference or '-'}\t"
                f"{line.narration}\t{line.note}{hint}"
            )


@statement_app.command("match")
def match_line(
    line: Annotated[int, typer.Argument(help="The statement line in suspense.")],
    loan: Annotated[int, typer.Option(help="The loan it pays.")],
    database_url: DatabaseOption = None,
) -> None:
    """Post a suspense line as the repayment of a loan, as the shell's user (an operator with
    the server's shell; the API's matches wait for a second person)."""
    from lms.payments.reconcile import match_by_hand

    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        uow.actor = shell_actor()
        day = _business_date(uow)
        match_by_hand(uow, line_id=line, loan_id=loan, by=uow.actor, posting_date=day)
        uow.commit()
    typer.echo(f"line {line}: posted to loan {loan}")


nach_app = typer.Typer(
    help="NACH / eNACH: the presentation file and the bank's response.", no_args_is_help=True
)


@nach_app.command("file")
def nach_file(
    out: Annotated[Path, typer.Option(help="Where to write the file (a directory: its own name).")],
    database_url: DatabaseOption = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Settlement date (default: business date).")
    ] = None,
    sponsor_ifsc: Annotated[str, typer.Option(envvar="LMS_NACH_SPONSOR_IFSC")] = "HDFC0000001",
    user_code: Annotated[str, typer.Option(envvar="LMS_NACH_USER_CODE")] = "LMS",
) -> None:
    """Write the debit presentation file of a date's presentations not yet sent."""
    from lms.interfaces.cli.close import _day
    from lms.payments.nach import write_presentation_file

    settlement = _day(day, "--date")
    with UnitOfWork(_sessions(database_url)) as uow, refusals():
        name, content = write_presentation_file(
            uow, day=settlement or _business_date(uow), sponsor_ifsc=sponsor_ifsc,
            user_code=user_code,
        )  # fmt: skip
        target = out / f"{name}.txt" if out.is_dir() else out
        target.write_bytes(content)
        uow.commit()
    debits = content.count(b"\r\nD")
    typer.echo(f"{target}: {debits} debits")


@nach_app.command("response")
def nach_response(
    path: Annotated[Path, typer.Argument(help="The sponsor bank's response file (CSV).")],
    database_url: DatabaseOption = None,
) -> None:
    """Apply the response file: paid debits confirmed, returned ones reversed and charged."""
    from lms.payments.nach_responses import apply_response

    content = _content(path)
    with UnitOfWork(_sessions(database_url), origin="file") as uow, refusals():
        result = apply_response(uow, content, posting_date=_business_date(uow))
        uow.commit()
    typer.echo(f"{result.lines} lines: {result.paid} paid, {result.returned} returned, "
               f"{result.repeated} answered before")  # fmt: skip


notices_app = typer.Typer(help="Notices to borrowers.", no_args_is_help=True)


@notices_app.command("send")
def send_notices(database_url: DatabaseOption = None) -> None:
    """Send the queued messages by e-mail ($LMS_SMTP_HOST ...), SMS ($LMS_SMS_URL ...) and
    WhatsApp ($LMS_WHATSAPP_PHONE_ID ...): nothing within the quiet hours ($LMS_QUIET_HOURS);
    a channel not set up keeps its messages queued."""
    from datetime import UTC, datetime

    from lms.notices.outbox import quiet_at
    from lms.notices.service import send_queued

    if quiet_at(datetime.now(UTC)):
        typer.echo("quiet hours: nothing is sent now")
        return
    try:
        sent, failed = send_queued(_sessions(database_url))
    except OSError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{sent} sent, {failed} failed")
