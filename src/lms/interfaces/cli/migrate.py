"""`lms migrate`: a book moved in from another system: loans and their payments from CSV
files or an XLSX workbook, first as a dry run with the report of every rejected row.

Guarantees: a file that cannot be read, or has no loans, is a message and exit status 2,
nothing written; rejected rows are listed (line, external id, column, reason) and, with
`--report`, written as CSV; the exit status is 1 when any row was rejected.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.platform.db import UnitOfWork


def migrate(
    loans: Annotated[Path, typer.Argument(help="loans.csv, or a workbook with sheets loans and payments.")],
    payments: Annotated[Path | None, typer.Option(help="payments.csv (with a CSV of loans).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the rejected rows here (CSV).")] = None,
    database_url: DatabaseOption = None,
) -> None:  # fmt: skip
    """Migrate loans (with their borrowers) and the payments each has had."""
    from lms.interfaces.cli.payments import _business_date
    from lms.platform.errors import InvalidError
    from lms.servicing.migration import migrate as run
    from lms.servicing.migration import rows_of_csv, sheets_of_xlsx

    try:
        if loans.suffix.lower() == ".xlsx":
            loan_rows, payment_rows = sheets_of_xlsx(loans.read_bytes())
        else:
            loan_rows = rows_of_csv(loans.read_text("utf-8-sig"))
            payment_rows = rows_of_csv(payments.read_text("utf-8-sig")) if payments else []
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"error: cannot read {loans}: {exc}", err=True)
        raise typer.Exit(2) from None
    with UnitOfWork(_sessions(database_url)) as uow:
        uow.actor, uow.origin = shell_actor(), "migration"
        try:
            done = run(uow, loan_rows, payment_rows, today=_business_date(uow), dry_run=dry_run)
        except InvalidError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if not dry_run:
            uow.commit()
    for row in done.rejected:
        typer.echo(f"line {row.line} ({row.external_id}): {row.field}: {row.reason}")
    if report is not None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("line", "external_id", "field", "reason"))
        writer.writerows((r.line, r.external_id, r.field, r.reason) for r in done.rejected)
        report.write_text(out.getvalue(), encoding="utf-8")
    verb = "would book" if dry_run else "booked"
    typer.echo(f"{verb} {len(done.booked)} loans with {done.payments} payments; "
               f"{done.rejected_rows} rows rejected")  # fmt: skip
    if done.rejected:
        raise typer.Exit(1)
