"""`lms documents purge`: the bytes of documents past their retention removed from the store
(the rows kept, with the day), from a timer.

Guarantees: only documents past retention (lms.documents.filing.KINDS) lose their bytes; a
blob another kept document shares stays; nothing is written with `--dry-run`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions
from lms.platform.db import UnitOfWork

documents_app = typer.Typer(
    help="Documents kept against customers and loans.", no_args_is_help=True
)


@documents_app.command("purge")
def purge(
    database_url: DatabaseOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count them; remove nothing.")] = False,
) -> None:
    """Remove the bytes of documents past retention, as of the business date."""
    from lms.documents.filing import purge_expired
    from lms.documents.store import blob_store
    from lms.interfaces.cli.payments import _business_date

    with UnitOfWork(_sessions(database_url)) as uow:  # a dry run is rolled back
        count = purge_expired(uow, blob_store(), _business_date(uow), remove=not dry_run)
        if not dry_run:
            uow.commit()
    typer.echo(f"{count} documents {'would be' if dry_run else 'were'} purged")
