"""`lms users`, `lms api-keys` and `lms pii`: the first administrator of a new book, staff and
integration credentials from the server's shell (the API does the same for an administrator),
and the keys that seal personal data (a new key; sealing again under it).

Guarantees: a password is read from standard input (never from the command line, where other
users of the machine could see it); a TOTP secret and an API key are printed once; bad input
prints `error: field: reason` and exits 2, writing nothing. What the shell does is recorded
as `cli:<login name>`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from lms.interfaces.cli.close import DatabaseOption, _sessions, shell_actor
from lms.interfaces.cli.payments import refusals
from lms.platform.db import UnitOfWork

users_app = typer.Typer(help="Staff users.", no_args_is_help=True)
keys_app = typer.Typer(help="API credentials of integrations.", no_args_is_help=True)


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="The name to sign in with.")],
    role: Annotated[list[str], typer.Option("--role", help="A role (repeat for several).")],
    name: Annotated[
        str | None, typer.Option(help="The name shown (default: the username).")
    ] = None,
    branch: Annotated[
        list[str] | None, typer.Option("--branch", help="A branch they work in (repeat).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a staff user; the password is read from standard input."""
    from lms.identity.service import create_user as create
    from lms.identity.tokens import totp_uri

    password = sys.stdin.readline().rstrip("\n")
    with refusals(), UnitOfWork(_sessions(database_url)) as uow:
        user, secret = create(
            uow, username=username, display_name=name or username, password=password,
            roles=role, branches=branch or None, actor=shell_actor(), now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    typer.echo(f"user {user.username} created with roles {', '.join(user.roles)}")
    if secret is not None:
        typer.echo(f"second factor (enrol in an authenticator app): {secret}")
        typer.echo(totp_uri(secret, user.username))


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="The integration (e.g. los, upi-app).")],
    scope: Annotated[list[str], typer.Option("--scope", help="A permission (repeat).")],
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="Valid this many days.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create an API key; it is printed once."""
    from lms.identity.service import create_api_key

    now = datetime.now(UTC)
    with refusals(), UnitOfWork(_sessions(database_url)) as uow:
        expires = None if days is None else now + timedelta(days=days)
        key, token = create_api_key(
            uow, name=name, scopes=scope, branches=None, expires_at=expires, actor=shell_actor(),
            now=now,
        )  # fmt: skip
        uow.commit()
    typer.echo(f"API key {key.prefix} for {name} ({', '.join(key.scopes)}):")
    typer.echo(str(token))


@keys_app.command("revoke")
def revoke_key(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (the part after lms_k_).")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an API key at once."""
    from lms.identity.service import revoke_api_key

    with UnitOfWork(_sessions(database_url)) as uow:
        if not revoke_api_key(uow, prefix, datetime.now(UTC)):
            typer.echo(f"error: prefix: no API key {prefix}", err=True)
            raise typer.Exit(2)
        uow.commit()
    typer.echo(f"API key {prefix} revoked")


audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def verify_audit(database_url: DatabaseOption = None) -> None:
    """Recompute the audit trail's hash chain: exit 1 naming the first record that does not
    match (edited, inserted or a predecessor deleted); print the head hash to keep."""
    from lms.platform.audit import verify

    with UnitOfWork(_sessions(database_url)) as uow:
        verdict = verify(uow.session)
    if verdict.broken_at is not None:
        typer.echo(
            f"error: audit record {verdict.broken_at} does not match the chain "
            f"({verdict.records} records before it are intact)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"{verdict.records} audit records, chain intact; head {verdict.head}")


pii_app = typer.Typer(help="Personal data sealed at rest: its keys.", no_args_is_help=True)


@pii_app.command("new-key")
def new_key(
    key_id: Annotated[str, typer.Argument(help="The new key's id (letters and digits).")],
) -> None:
    """Print a fresh key for LMS_PII_KEYS (put it first to seal with it from now on)."""
    from lms.platform.db.sealed import new_key_spec

    if not key_id.isalnum():
        typer.echo("error: key_id: letters and digits only", err=True)
        raise typer.Exit(2)
    typer.echo(new_key_spec(key_id))


@pii_app.command("rotate")
def rotate(database_url: DatabaseOption = None) -> None:
    """Seal again under the first key of LMS_PII_KEYS every value another key sealed."""
    from lms.platform.db import Base
    from lms.platform.db.sealed import SealError, reseal
    from lms.servicing.catalog import reindex_phones

    try:
        with UnitOfWork(_sessions(database_url)) as uow:
            counts = reseal(uow.session, list(Base.metadata.sorted_tables))
            counts["customers.phone_index"] = reindex_phones(uow)
            uow.commit()
    except SealError as error:  # a value sealed under a key no longer in the keyring
        typer.echo(f"error: {error}; nothing was changed", err=True)
        raise typer.Exit(1) from None
    for purpose, count in counts.items():
        typer.echo(
            f"{purpose}: {count} {'indexed' if purpose.endswith('_index') else 'sealed'} again"
        )


@keys_app.command("rotate")
def rotate_key(
    prefix: Annotated[str, typer.Argument(help="The key's public prefix.")],
    overlap_hours: Annotated[
        int, typer.Option(min=0, max=168, help="How long the old key keeps working.")
    ] = 24,
    database_url: DatabaseOption = None,
) -> None:
    """A new key for the same integration (printed once); the old one expires after the
    overlap."""
    from lms.identity.service import rotate_api_key

    with UnitOfWork(_sessions(database_url)) as uow:
        made = rotate_api_key(uow, prefix, overlap=timedelta(hours=overlap_hours),
                              actor=shell_actor(), now=datetime.now(UTC))  # fmt: skip
        if made is None:
            typer.echo(f"error: prefix: no API key {prefix} in use", err=True)
            raise typer.Exit(2)
        uow.commit()
    key, token = made
    typer.echo(f"API key {key.prefix} replaces {prefix} (which works {overlap_hours} h more)")
    typer.echo(str(token))
