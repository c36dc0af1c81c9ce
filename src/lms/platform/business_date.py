"""The lender's business date, kept in the database and moved on by the daily close.

Guarantee: one row; reading it never writes; until a book sets it (`lms eod init` or the first
close), there is none and callers fall back to the lender's calendar date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base, UnitOfWork


class BusinessDate(Base):
    """The lender's business date: the day transactions are booked on and the next to close."""

    __tablename__ = "business_date"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    current: Mapped[date] = mapped_column(Date)


def business_date(uow: UnitOfWork) -> date | None:
    """The business date, or None if the book has not set one."""
    return uow.session.scalar(select(BusinessDate.current).where(BusinessDate.id == 1))


def set_business_date(uow: UnitOfWork, day: date) -> None:
    row = uow.session.get(BusinessDate, 1)
    if row is None:
        uow.session.add(BusinessDate(id=1, current=day))
    else:
        row.current = day
    uow.session.flush()
