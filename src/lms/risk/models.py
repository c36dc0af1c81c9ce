"""Tables of the risk models: each loan's month of behaviour, the trained models (versioned,
with their model card), the scores they gave and how the scored loans spread over the model's
bins (for the stability of the score and the features).

Guarantees: a loan's month is written once (its key refuses a second row), by the daily close
from that month's snapshots or by the backfill from the loan's replay; a model version is never
changed after training, only made active or inactive; a score names the model that gave it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db.base import Base
from lms.platform.db.types import Money


class LoanMonth(Base):
    """A loan's behaviour in one calendar month, keyed by the month's last day."""

    __tablename__ = "loan_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's last day
    loan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # at the month's end (or the day it closed)
    dpd: Mapped[int] = mapped_column(Integer)  # days past due at the month's end
    max_dpd: Mapped[int] = mapped_column(Integer)  # the most on any day-end of the month
    overdue_days: Mapped[int] = mapped_column(Integer)  # day-ends of the month past due
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)  # at the month's end
    excess: Mapped[Decimal] = mapped_column(Money)  # unapplied funds held at the month's end
    due: Mapped[Decimal] = mapped_column(Money)  # installments falling due in the month
    installments_left: Mapped[int] = mapped_column(Integer)  # falling due after the month
    paid: Mapped[Decimal] = mapped_column(Money)  # payments dated in the month, less returns
    bounces: Mapped[int] = mapped_column(Integer)  # payments returned (dated in the month)
    broken_promises: Mapped[int] = mapped_column(Integer)  # promises to pay broken in it
    source: Mapped[str] = mapped_column(String(8))  # "close" (snapshots) or "replay"


class RiskModel(Base):
    __tablename__ = "risk_models"
    __table_args__ = (UniqueConstraint("target", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(8))  # "dpd30" or "dpd90" (lms.risk.features)
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)  # the one that scores the book
    card: Mapped[dict[str, Any]] = mapped_column(JSON)  # the model card (lms.risk.training)
    booster: Mapped[str] = mapped_column(Text)  # LightGBM's own text form of the trees
    trained_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoanScore(Base):
    """A loan's probability of going bad (the model's target) as scored at a month end."""

    __tablename__ = "loan_scores"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    target: Mapped[str] = mapped_column(String(8), primary_key=True)
    loan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the model that gave it (no foreign key: its check, row by row, was a sixth of the time
    # to score a million loans; scores are written only by scoring, with an active model's id,
    # and a model is never deleted)
    model_id: Mapped[int] = mapped_column(Integer)
    pd_ppm: Mapped[int] = mapped_column(Integer)  # the probability, in parts per million
    band: Mapped[str] = mapped_column(String(2))  # A (least risky) to E


class RiskBin(Base):
    """How many of the loans a model scored at a month end fell in one bin of the score or of
    a feature (the bins of the model's card). Written by each scoring run for the loans it
    scored, so a month end's figure is the sum of its rows (partitions score apart)."""

    __tablename__ = "risk_bins"
    __table_args__ = (Index("ix_risk_bins_model_id_month", "model_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[date] = mapped_column(Date)
    model_id: Mapped[int] = mapped_column(ForeignKey("risk_models.id"))
    name: Mapped[str] = mapped_column(String(24))  # "score" or a feature's name
    bin: Mapped[int] = mapped_column(Integer)  # from 0; the last of a name's bins: no value
    loans: Mapped[int] = mapped_column(Integer)


class RiskSignal(Base):
    """An early warning raised on a loan by the daily close (`lms.risk.signals`), open until
    it is cleared (`LMS_RISK_SIGNAL_DAYS` after it was raised)."""

    __tablename__ = "risk_signals"
    __table_args__ = (
        Index("ix_risk_signals_loan_id_cleared_on", "loan_id", "cleared_on"),
        Index("ix_risk_signals_raised_on", "raised_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    signal: Mapped[str] = mapped_column(String(24))  # a name of lms.risk.signals.SIGNALS
    raised_on: Mapped[date] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(String(200))  # what raised it, in words
    cleared_on: Mapped[date | None] = mapped_column(Date)
