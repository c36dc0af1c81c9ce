"""Programmatic Alembic entry points, independent of any alembic.ini on disk.

Guarantees:
- `alembic_config` finds the migration scripts inside the installed package
  (``lms.platform.db:migrations``), so it works from a checkout and from an installed wheel alike.
- The database URL handed to `alembic_config` / `upgrade` is the one migrated; it travels in
  ``Config.attributes`` (never through configparser, so ``%`` in passwords is safe) and takes
  precedence over ``-x url=...`` and ``$LMS_DATABASE_URL`` in ``env.py``.
"""

from __future__ import annotations

from typing import Final

from alembic import command
from alembic.config import Config

MIGRATIONS_LOCATION: Final = "lms.platform.db:migrations"
URL_ATTRIBUTE: Final = "lms.database_url"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic `Config` for the lms migrations, targeting `url` when given."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.attributes[URL_ATTRIBUTE] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` (``"base"`` empties it)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest migration's revision id (what `upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
