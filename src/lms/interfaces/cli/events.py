"""`lms events`: the domain events going out: the sender (`run`, from a service manager),
subscriptions, and the deliveries given up.

Guarantees: a bad subscription is a message naming the field and exit status 2, nothing
written; `run` stops cleanly between rounds on an interrupt, and whatever it had not marked
delivered is sent again by the next run (at least once, never lost).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.interfaces.cli.payments import refusals
from lms.platform.db import UnitOfWork

events_app = typer.Typer(help="Domain events out: webhooks and a broker.", no_args_is_help=True)


@events_app.command("run")
def run(
    database_url: DatabaseOption = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then stop.")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between rounds.")] = 5.0,
) -> None:
    """Turn the book's changes into events and deliver them: webhooks, and the broker of
    $LMS_EVENTS_BROKER_URL if set."""
    from lms.events.delivery import RabbitBroker, cycle
    from lms.platform.settings import get_settings

    sessions = _sessions(database_url)
    url = get_settings().events_broker_url
    broker = RabbitBroker(url) if url else None
    try:
        while True:
            done = cycle(sessions, broker=broker)
            typer.echo(" ".join(f"{k}={v}" for k, v in done.items()))
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        return
    finally:
        if broker is not None:
            broker.close()


@events_app.command("subscribe")
def subscribe(
    url: Annotated[str, typer.Argument(help="Where the webhooks go (http or https).")],
    secret: Annotated[str, typer.Option(help="The shared secret (16 characters or more).")],
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="An event kind wanted (default: every one).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Subscribe a system to the events."""
    from lms.events.subscriptions import subscribe as add

    with UnitOfWork(_sessions(database_url)) as uow:
        with refusals():
            row = add(uow, url=url, secret=secret, kinds=kind or [], actor=shell_actor())
        uow.commit()
        typer.echo(f"subscription {row.id}: {url}")


@events_app.command("dead")
def dead(database_url: DatabaseOption = None) -> None:
    """The webhook deliveries given up after every try."""
    from lms.events.delivery import dead_letters

    with UnitOfWork(_sessions(database_url)) as uow:
        for row in dead_letters(uow):
            typer.echo(f"{row.id}\tevent {row.event_id}\tsubscription {row.subscription_id}"
                       f"\t{row.attempts} tries\t{row.last_error}")  # fmt: skip


@events_app.command("resend")
def resend(
    delivery: Annotated[int, typer.Argument(help="A dead delivery's id.")],
    database_url: DatabaseOption = None,
) -> None:
    """Put a dead delivery back in the queue, due now."""
    from lms.events.delivery import send_again

    with UnitOfWork(_sessions(database_url)) as uow:
        if not send_again(uow, delivery, datetime.now(UTC)):
            typer.echo(f"error: DELIVERY: no dead delivery {delivery}", err=True)
            raise typer.Exit(2)
        uow.commit()
    typer.echo(f"delivery {delivery} will be sent again")
