"""The `lms` command line: one entry point for every command of the product.

Guarantee: bad input prints a message naming the field and the reason to stderr and exits with
code 2, writing nothing; output goes to stdout in the format asked for.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lms.core.irr import IRRError
from lms.core.replay import ReplayError
from lms.core.schedule import generate_schedule
from lms.core.validation import ScheduleError
from lms.interfaces.cli import books, migrate
from lms.interfaces.cli.bureau import bureau_app
from lms.interfaces.cli.centres import centres_app
from lms.interfaces.cli.close import eod_app, worker, worker_help
from lms.interfaces.cli.colending import colending_app
from lms.interfaces.cli.demo_book import (
    build_demo_book,
    demo_book,
    demo_stamp,
    demo_stamp_text,
    sign_in_demo_staff,
)
from lms.interfaces.cli.documents import documents_app
from lms.interfaces.cli.events import events_app
from lms.interfaces.cli.gold import gold_app
from lms.interfaces.cli.identity import audit_app, keys_app, pii_app, users_app
from lms.interfaces.cli.payments import nach_app, notices_app, statement_app
from lms.interfaces.cli.render import (
    render_csv,
    render_json,
    render_states_json,
    render_states_table,
    render_table,
    shown_url,
)
from lms.interfaces.cli.reports import reports_app
from lms.interfaces.cli.risk import risk_app
from lms.interfaces.cli.scenario import load_scenario
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings
from lms.servicing.spec import SpecError, load_spec

app = typer.Typer(
    name="lms",
    help="Open-source loan management system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

USAGE_ERROR = 2


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _print_version(asked: bool) -> None:
    if asked:
        from lms import __version__

        typer.echo(f"lms {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True,
                     callback=_print_version),
    ] = False,
) -> None:  # fmt: skip
    """Open-source loan management system."""


@app.command()
def schedule(
    spec: Annotated[
        Path, typer.Argument(help="Loan terms as JSON (see docs/schedule-spec.md); - reads stdin.")
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.TABLE,
) -> None:
    """Print the repayment schedule and KFS figures of the loan terms in SPEC."""
    try:
        text = sys.stdin.buffer.read() if str(spec) == "-" else spec.read_bytes()
    except OSError as exc:
        _fail([("SPEC", f"cannot read {spec}: {exc.strerror}")])
    try:
        terms = load_spec(text)
        result = generate_schedule(terms)
        result.apr  # noqa: B018  (solved here so that a failure is reported, not a traceback)
    except SpecError as exc:
        _fail(exc.problems)
    except ScheduleError as exc:
        _fail([(p.field, p.message) for p in exc.problems])
    except IRRError as exc:
        _fail([("apr", f"cannot be computed: {exc}")])
    renderers = {
        OutputFormat.TABLE: render_table,
        OutputFormat.JSON: render_json,
        OutputFormat.CSV: render_csv,
    }
    sys.stdout.write(renderers[output](result))


@app.command()
def simulate(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Terms, events and dates as JSON (see docs/simulate-spec.md); - reads stdin."
        ),
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json.")
    ] = OutputFormat.TABLE,
) -> None:
    """Replay a loan's events (payments, prepayments, reversals, tranches, rate changes, charges,
    refunds, foreclosure) and print its state on each observation date."""
    try:
        text = sys.stdin.buffer.read() if str(scenario) == "-" else scenario.read_bytes()
    except OSError as exc:
        _fail([("SCENARIO", f"cannot read {scenario}: {exc.strerror}")])
    try:
        loaded = load_scenario(text)
        observed = loaded.observed()
    except SpecError as exc:
        _fail(exc.problems)
    except ReplayError as exc:
        _fail([("events", str(exc))])
    except ScheduleError as exc:
        _fail([(f"terms.{p.field}", p.message) for p in exc.problems])
    if output is OutputFormat.CSV:
        _fail([("--format", "simulate prints table or json")])
    sys.stdout.write(
        render_states_json(observed, loaded.accrual_start)
        if output is OutputFormat.JSON
        else render_states_table(observed, loaded.accrual_start)
    )


ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
ledger_app.command("export")(books.export)
ledger_app.command("trial-balance")(books.trial_balance)
ledger_app.command("close-period")(books.close_period)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(eod_app, name="eod")
app.add_typer(statement_app, name="statement")
app.add_typer(nach_app, name="nach")
app.add_typer(notices_app, name="notices")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="api-keys")
app.add_typer(audit_app, name="audit")
app.add_typer(pii_app, name="pii")
app.add_typer(reports_app, name="reports")
app.add_typer(bureau_app, name="bureau")
app.add_typer(risk_app, name="risk")
app.add_typer(gold_app, name="gold")
app.add_typer(centres_app, name="centres")
app.add_typer(colending_app, name="colending")
app.add_typer(events_app, name="events")
app.add_typer(documents_app, name="documents")
app.command("migrate")(migrate.migrate)
app.command("worker", help=worker_help)(worker)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: $LMS_DATABASE_URL, else SQLite)."),
]


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Create or migrate the database schema to the latest version."""
    from lms.platform.db import resolve_database_url
    from lms.platform.db.migrate import upgrade

    url = resolve_database_url(database_url)
    upgrade(url)
    typer.echo(f"database at the latest schema: {shown_url(url)}")


@app.command()
def demo(
    database_url: DatabaseOption = None,
    loans: Annotated[int, typer.Option(min=1, help="How many loans to create.")] = 1000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API after.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Rebuild the demo book even if today's is there.")
    ] = False,
) -> None:
    """Build a demo book (branches, five products, loans with up to two years of history, the
    last weeks closed by the daily close) in a fresh database, check its ledger, then serve the
    API. The default book (no --database-url) is kept and reused the same day for the same
    number of loans."""
    from lms.interfaces.api.app import business_date

    today = business_date()
    url, reuse = (database_url, False) if database_url else demo_book(loans, today, fresh)
    if reuse:
        typer.echo(
            f"reusing today's demo book of {loans} loans in {shown_url(url)} (--fresh rebuilds)"
        )
    else:
        build_demo_book(url, loans, today)
        if not database_url:
            demo_stamp().write_text(demo_stamp_text(loans, today))
    sign_in_demo_staff(url, port)
    if serve_after:
        from lms.demo.mailbox import start_mailbox

        start_mailbox()
        serve(database_url=url, host="127.0.0.1", port=port, workers=1)


@app.command()
def serve(
    database_url: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database to the latest schema and serve the REST API (docs at /docs)."""
    import uvicorn

    from lms.interfaces.api.app import create_app
    from lms.platform.db import resolve_database_url
    from lms.platform.db.migrate import upgrade

    url = resolve_database_url(database_url)
    upgrade(url)
    typer.echo(f"lms serving {shown_url(url)} on http://{host}:{port} (API docs at /docs)")
    logs = _log_config()
    proxies = get_settings().trusted_proxies  # behind them, the caller is X-Forwarded-For's
    if workers == 1:
        uvicorn.run(create_app(url), host=host, port=port, log_config=logs,
                    forwarded_allow_ips=proxies)  # fmt: skip
        return
    os.environ["LMS_DATABASE_URL"] = url  # each worker process builds its app from it
    uvicorn.run(
        "lms.interfaces.api.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=logs,
        forwarded_allow_ips=proxies,
    )


def _log_config() -> dict[str, object]:
    """The server's logging: one access line per request (`lms.access`: method, path, status,
    time, request id, actor) and the product's own notices to standard error; the web
    server's own lines only for warnings."""
    line = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    err = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": line},
        "handlers": {"stderr": err},
        "loggers": {
            "lms": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


@ledger_app.command("check")
def ledger_check(database_url: DatabaseOption = None) -> None:
    """Prove the book: every entry balances, reversals mirror, the trial balance nets to zero,
    and each loan's ledger balances equal its replayed state. Exits 1 naming each fault."""
    from sqlalchemy.exc import SQLAlchemyError

    from lms.ledger.check import ledger_problems
    from lms.platform.db import make_engine, make_session_factory
    from lms.servicing.balances import loan_ledger_problems

    url = _existing(database_url)
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            problems = ledger_problems(uow.session) + loan_ledger_problems(uow)
    except SQLAlchemyError as exc:
        _fail(
            [
                (
                    "--database-url",
                    f"cannot read the ledger at {shown_url(url)}: {type(exc).__name__}",
                )
            ]
        )
    finally:
        engine.dispose()
    for problem in problems:
        where = f"entry {problem.entry_id}" if problem.entry_id is not None else "ledger"
        loan = f" (loan {problem.loan_id})" if problem.loan_id else ""
        typer.echo(f"problem: {where}{loan}: {problem.message}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ledger sound: {shown_url(url)}")


def _existing(database_url: str | None) -> str:
    """The book a reading command works on; a missing SQLite file is refused, never made."""
    from lms.platform.db import DatabaseMissingError, existing_database_url

    try:
        return existing_database_url(database_url)
    except DatabaseMissingError as exc:
        raise _fail([("--database-url", str(exc))]) from None


def _fail(problems: list[tuple[str, str]]) -> typer.Exit:
    for field, reason in problems:
        typer.echo(f"error: {field}: {reason}", err=True)
    raise typer.Exit(USAGE_ERROR)


def main() -> None:
    """Console-script entry point."""
    app()
