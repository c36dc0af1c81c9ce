"""The declarative base every ORM model of lms derives from.

Guarantees:
- One `MetaData` (``Base.metadata``) holds every table; Alembic's ``target_metadata`` is it.
- Every constraint and index gets a deterministic name from `NAMING_CONVENTION`, so migrations
  can drop or alter them by name on every backend (SQLite batch mode included).
- Models use SQLAlchemy 2 typed mappings (``Mapped[...]`` with ``mapped_column``). Amount
  columns must say ``mapped_column(Money)`` explicitly; no Python type is silently mapped to a
  money column.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of the lms ORM models; carries the shared, convention-named metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
