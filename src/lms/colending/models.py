"""Tables of co-lending: the arrangements with partner lenders, the loans lent under them (each
with the shares and rates it was lent at, which never change), and the daily settlements made
with the partner.

Guarantees: nothing is deleted or edited: an arrangement's new terms are a new arrangement; a
loan is under one arrangement; a day is settled once per arrangement (its key refuses a second).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.types import DecimalText, Money


class Arrangement(Base):
    """A co-lending arrangement with a partner lender."""

    __tablename__ = "colending_arrangements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    partner: Mapped[str] = mapped_column(String(120))  # the partner lender's name
    partner_share: Mapped[Decimal] = mapped_column(DecimalText)  # percent of each loan
    partner_rate: Mapped[Decimal] = mapped_column(DecimalText)  # percent a year on its share
    own_rate: Mapped[Decimal] = mapped_column(DecimalText)  # ours on our share
    fee_share: Mapped[Decimal] = mapped_column(DecimalText)  # percent of fees and charges
    escrow_account: Mapped[str] = mapped_column(String(40))  # where the loans' money passes
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoLentLoan(Base):
    """A loan lent under an arrangement, at the terms it had on the day."""

    __tablename__ = "colent_loans"

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("colending_arrangements.id"), index=True)
    partner_share: Mapped[Decimal] = mapped_column(DecimalText)
    partner_rate: Mapped[Decimal] = mapped_column(DecimalText)
    own_rate: Mapped[Decimal] = mapped_column(DecimalText)
    fee_share: Mapped[Decimal] = mapped_column(DecimalText)
    linked_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))


class Settlement(Base):
    """A day's settlement with the partner: its part of the money through the escrow that day
    (positive: paid to the partner; negative: the partner's funding)."""

    __tablename__ = "colending_settlements"
    __table_args__ = (
        Index("ux_colending_settlements_arrangement_id_day", "arrangement_id", "day",
              unique=True),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("colending_arrangements.id"))
    day: Mapped[date] = mapped_column(Date)
    loans: Mapped[int] = mapped_column(Integer)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    charges: Mapped[Decimal] = mapped_column(Money)
    held: Mapped[Decimal] = mapped_column(Money)  # the borrower's money held ahead
    net: Mapped[Decimal] = mapped_column(Money)
    sha256: Mapped[str] = mapped_column(String(64))  # of the file sent
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
