"""Tables of collateral: the daily gold price series, the items pledged on loans, each day's
loan-to-value check of a gold loan, and the margin calls raised when a ceiling is crossed; the
auctions of defaulted loans' gold; securities' closing prices and the shares and fund units
pledged on loans (checked by the same day-end and calls).

Guarantees: nothing is deleted; an item is pledged, then released or sold (its dates say
when); a price is kept once per day (its key refuses a second); a loan has at most one open
margin call; a loan has at most one auction that is not cancelled.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.types import DecimalText, Money

KINDS = ("gold_ornament", "gold_coin")  # what may be pledged (no bullion: RBI)
STATUSES = ("pledged", "released", "sold")


class GoldPrice(Base):
    """The closing price of a gram of 22-carat gold on a day, and where it was published."""

    __tablename__ = "gold_prices"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    price: Mapped[Decimal] = mapped_column(Money)  # rupees a gram, 22 carats
    source: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(80))


class CollateralItem(Base):
    """An item pledged on a loan, as assayed in the borrower's presence."""

    __tablename__ = "collateral_items"
    # an assay certificate is pledged once on a loan (a retried pledge finds it)
    __table_args__ = (
        Index("ux_collateral_items_loan_id_assay_certificate", "loan_id", "assay_certificate",
              unique=True),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of KINDS
    description: Mapped[str] = mapped_column(String(120))
    pieces: Mapped[int] = mapped_column(Integer)
    gross_grams: Mapped[Decimal] = mapped_column(DecimalText)
    net_grams: Mapped[Decimal] = mapped_column(DecimalText)  # the gold content: stones out
    carats: Mapped[Decimal] = mapped_column(DecimalText)  # purity, as assayed
    assay_certificate: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # one of STATUSES
    pledged_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)  # released or sold
    released_by: Mapped[str | None] = mapped_column(String(80))
    acknowledgement: Mapped[str | None] = mapped_column(String(200))  # the borrower's receipt
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LtvCheck(Base):
    """A gold loan's loan-to-value ratio at a day-end, as the daily close worked it out."""

    __tablename__ = "ltv_checks"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    loan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    price: Mapped[Decimal] = mapped_column(DecimalText)  # the reference price a gram
    value: Mapped[Decimal] = mapped_column(Money)  # of the gold pledged
    owed: Mapped[Decimal] = mapped_column(Money)  # what the ratio is of
    ltv: Mapped[Decimal] = mapped_column(DecimalText)  # percent
    ceiling: Mapped[Decimal] = mapped_column(DecimalText)  # percent


class MarginCall(Base):
    """A call on the borrower to pay down or pledge more when a gold loan's ratio crossed its
    ceiling; open until a later day-end finds it within (met) or the loan closes."""

    __tablename__ = "margin_calls"
    __table_args__ = (Index("ix_margin_calls_loan_id_closed_on", "loan_id", "closed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    raised_on: Mapped[date] = mapped_column(Date)
    ltv: Mapped[Decimal] = mapped_column(DecimalText)
    ceiling: Mapped[Decimal] = mapped_column(DecimalText)
    pay_down: Mapped[Decimal] = mapped_column(Money)  # a payment that cures it
    more_value: Mapped[Decimal] = mapped_column(Money)  # or more gold worth this much
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))  # met, loan_closed


class GoldAuction(Base):
    """The auction of a defaulted gold loan's pledge: the notice, failed attempts, and the
    sale with its proceeds applied and any surplus owed back to the borrower."""

    __tablename__ = "gold_auctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # notified, sold, cancelled
    noticed_on: Mapped[date] = mapped_column(Date)
    earliest_on: Mapped[date] = mapped_column(Date)  # the notice's period over
    overdue: Mapped[Decimal] = mapped_column(Money)  # what the notice asked for
    failures: Mapped[int] = mapped_column(Integer)  # auctions held without a bid at reserve
    sold_on: Mapped[date | None] = mapped_column(Date)
    buyer: Mapped[str | None] = mapped_column(String(120))
    value: Mapped[Decimal | None] = mapped_column(Money)  # the gold's value on the day
    reserve: Mapped[Decimal | None] = mapped_column(Money)
    proceeds: Mapped[Decimal | None] = mapped_column(Money)
    applied: Mapped[Decimal | None] = mapped_column(Money)  # to the loan
    surplus: Mapped[Decimal | None] = mapped_column(Money)  # owed back to the borrower
    surplus_due_by: Mapped[date | None] = mapped_column(Date)
    refunded_on: Mapped[date | None] = mapped_column(Date)
    refund_reference: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


SECURITY_KINDS = ("equity", "equity_fund", "debt_fund")  # shares, equity and debt fund units


class SecurityPrice(Base):
    """A security's closing price (a fund's NAV) on a day, and where it was published."""

    __tablename__ = "security_prices"

    isin: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    price: Mapped[Decimal] = mapped_column(DecimalText)  # NAVs have four places
    source: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(80))


class PledgedSecurity(Base):
    """Shares or fund units pledged on a loan (marked in the depository's pledge)."""

    __tablename__ = "pledged_securities"
    __table_args__ = (
        Index("ux_pledged_securities_loan_id_pledge_reference", "loan_id", "pledge_reference",
              unique=True),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # one of SECURITY_KINDS
    isin: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    pledge_reference: Mapped[str] = mapped_column(String(64))  # the depository's pledge number
    status: Mapped[str] = mapped_column(String(10))  # pledged, released, sold (invoked)
    pledged_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PropertyPledge(Base):
    """A property mortgaged for a loan (its charge registered with CERSAI)."""

    __tablename__ = "property_pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))  # what and where
    charge_reference: Mapped[str] = mapped_column(String(64))  # the CERSAI security interest id
    status: Mapped[str] = mapped_column(String(10))  # pledged, released, sold
    pledged_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PropertyValuation(Base):
    """A valuation of a mortgaged property (the latest counts; none is ever changed)."""

    __tablename__ = "property_valuations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property_pledges.id"), index=True)
    valued_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Money)
    valuer: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
