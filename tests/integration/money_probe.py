"""A throwaway ORM model for the storage tests: one `Money` column, on its own metadata.

It deliberately does not use `lms.platform.db.Base`, so the production metadata (and the check that
migrations match it) never sees this table.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lms.platform.db import NAMING_CONVENTION, Money


class ProbeBase(DeclarativeBase):
    """Metadata for test-only tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MoneyProbe(ProbeBase):
    """One stored amount."""

    __tablename__ = "money_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
