"""`lms statement`: import bank statements, list the suspense queue, match a line by hand.

Guarantee: bad input (a missing file, a file that is not a statement, an unknown line or loan)
prints `error: ...` and exits 2 (a conflict: 1), writing nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lms.batch.cli import DatabaseOption, _sessions
from lms.db import UnitOfWork

statement_app = typer.Typer(help="Bank statements and the suspense queue.", no_args_is_help=True)


def _business_date(uow: UnitOfWork):  # type: ignore[no-untyped-def]
    from lms.web.app import today

    return today(uow)


@statement_app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="The statement file (MT940 or CAMT.053).")],
    database_url: DatabaseOption = None,
    kind: Annotated[
        str | None, typer.Option("--format", help="mt940 or camt053 (default: by the content).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who imports it.")] = None,
) -> None:
    """Import a statement: credits matched to loans are posted, the rest held in suspense."""
    from lms.loans.errors import DomainError
    from lms.payments.reconcile import import_statement

    if not path.is_file():
        typer.echo(f"error: path: {path} is not a file", err=True)
        raise typer.Exit(2)
    with UnitOfWork(_sessions(database_url)) as uow:
        try:
            result = import_statement(
                uow, path.read_bytes(), kind=kind, posting_date=_business_date(uow), imported_by=by
            )
        except DomainError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
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
    by: Annotated[str, typer.Option(help="Who matches it.")],
    database_url: DatabaseOption = None,
) -> None:
    """Post a suspense line as the repayment of a loan."""
    from lms.loans.errors import ConflictError, DomainError
    from lms.payments.reconcile import match_by_hand

    with UnitOfWork(_sessions(database_url)) as uow:
        try:
            match_by_hand(uow, line_id=line, loan_id=loan, by=by, posting_date=_business_date(uow))
        except ConflictError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except DomainError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
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
    from datetime import date

    from lms.loans.errors import ConflictError, DomainError
    from lms.payments.nach import write_presentation_file

    with UnitOfWork(_sessions(database_url)) as uow:
        try:
            settlement = date.fromisoformat(day) if day else _business_date(uow)
            name, content = write_presentation_file(
                uow, day=settlement, sponsor_ifsc=sponsor_ifsc, user_code=user_code
            )
        except ValueError:
            typer.echo(f"error: --date: {day!r} is not a date (YYYY-MM-DD)", err=True)
            raise typer.Exit(2) from None
        except ConflictError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except DomainError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
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
    from lms.loans.errors import DomainError
    from lms.payments.nach import apply_response

    if not path.is_file():
        typer.echo(f"error: path: {path} is not a file", err=True)
        raise typer.Exit(2)
    with UnitOfWork(_sessions(database_url)) as uow:
        try:
            result = apply_response(uow, path.read_bytes(), posting_date=_business_date(uow))
        except DomainError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        uow.commit()
    typer.echo(f"{result.lines} lines: {result.paid} paid, {result.returned} returned, "
               f"{result.repeated} answered before, {result.unknown} unknown")  # fmt: skip


notices_app = typer.Typer(help="Notices to borrowers.", no_args_is_help=True)


@notices_app.command("send")
def send_notices(database_url: DatabaseOption = None) -> None:
    """Send the queued notices by e-mail ($LMS_SMTP_HOST, $LMS_SMTP_PORT ...)."""
    from lms.notices.service import send_queued

    try:
        sent, failed = send_queued(_sessions(database_url))
    except (RuntimeError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{sent} sent, {failed} failed")
