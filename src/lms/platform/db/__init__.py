"""lms.platform.db: the storage harness (declarative base, exact money column, engines, unit of work).

Guarantees:
- Importing this package (or any module in it) opens no connection, creates no engine and
  touches no file; engines are built on demand by `make_engine`.
- Amounts are stored exactly on every supported database through the one `Money` column type.
- Services receive a `UnitOfWork` and never commit on their own; only the caller commits.
"""

from lms.platform.db.base import NAMING_CONVENTION, Base
from lms.platform.db.engine import (
    DatabaseMissingError,
    default_sqlite_url,
    existing_database_url,
    make_engine,
    resolve_database_url,
)
from lms.platform.db.types import MONEY_PRECISION, MONEY_SCALE, DecimalText, Money, MoneyColumnError
from lms.platform.db.uow import UnitOfWork, make_session_factory

__all__ = [
    "MONEY_PRECISION",
    "MONEY_SCALE",
    "NAMING_CONVENTION",
    "Base",
    "DatabaseMissingError",
    "DecimalText",
    "Money",
    "MoneyColumnError",
    "UnitOfWork",
    "default_sqlite_url",
    "existing_database_url",
    "make_engine",
    "make_session_factory",
    "resolve_database_url",
]
