"""The risk dashboard's figures in one place (the staff page and the API show the same): the
models that score and their held-out measures against the DPD rule; the book by risk band at
the last scored month end; the realised bad rate per band of the last month whose outcomes are
known; the stability of the score and features; the open early warnings; the forecast; and the
alerts.

Guarantees: read only; band counts, warnings and the forecast are within the caller's branches
(one branch at a time when the caller is limited to some); the models' measures and stability
are of the whole book (a model is the book's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.platform.db import UnitOfWork
from lms.risk.features import TARGETS, Frame, features
from lms.risk.forecast import Forecast, Scope, forecast
from lms.risk.models import LoanMonth, LoanScore, RiskModel, RiskSignal
from lms.risk.monitoring import (
    BandOutcome,
    Stability,
    alerts,
    judged_month,
    realised,
    stability,
)  # fmt: skip
from lms.risk.scoring import explain, probabilities
from lms.risk.training import active
from lms.servicing.models import Loan


@dataclass(frozen=True)
class BandRow:
    band: str
    loans: int
    principal_outstanding: Decimal
    mean_probability: float


@dataclass
class Overview:
    models: list[dict[str, Any]] = field(default_factory=list)  # the active models' cards
    scored: date | None = None  # the last month end scored
    bands: list[BandRow] = field(default_factory=list)
    judged: date | None = None  # the last scored month end whose outcomes are known
    outcomes: list[BandOutcome] = field(default_factory=list)
    stability: list[Stability] = field(default_factory=list)
    signals: dict[str, int] = field(default_factory=dict)  # open warnings by kind
    forecast: Forecast | None = None
    alerts: list[str] = field(default_factory=list)


def overview(uow: UnitOfWork, *, branch: str | None) -> Overview:
    """The dashboard of the book, or of one branch's loans."""
    out = Overview()
    out.models = [m.card for t in TARGETS if (m := active(uow, t)) is not None]
    model = active(uow, "dpd30")
    out.scored = uow.session.scalar(select(func.max(LoanScore.month)).where(
        LoanScore.target == "dpd30"))  # fmt: skip
    if out.scored is not None:
        out.bands = _bands(uow, out.scored, branch)
        if model is not None:
            out.stability = stability(uow, model, out.scored)
    out.judged = judged_month(uow, "dpd30")
    if out.judged is not None:
        out.outcomes = realised(uow, "dpd30", out.judged)
    out.signals = _signals(uow, branch)
    last = uow.session.scalar(select(func.max(LoanMonth.month)))
    if last is not None:
        out.forecast = forecast(uow, base=last, scope=Scope(branch=branch))
    out.alerts = alerts(out.stability, out.outcomes)
    return out


def _bands(uow: UnitOfWork, month: date, branch: str | None) -> list[BandRow]:
    s = LoanScore
    query = (
        select(s.band, func.count(), func.sum(LoanMonth.principal_outstanding), func.avg(s.pd_ppm))
        .join(LoanMonth, (LoanMonth.loan_id == s.loan_id) & (LoanMonth.month == s.month))
        .where(s.month == month, s.target == "dpd30")
        .group_by(s.band)
        .order_by(s.band)
    )
    if branch is not None:
        query = query.join(Loan, Loan.id == s.loan_id).where(Loan.branch_code == branch)
    return [BandRow(b, n, total or Decimal(0), float(mean or 0) / 1_000_000)
            for b, n, total, mean in uow.session.execute(query)]  # fmt: skip


def _signals(uow: UnitOfWork, branch: str | None) -> dict[str, int]:
    query = (
        select(RiskSignal.signal, func.count())
        .where(RiskSignal.cleared_on.is_(None))
        .group_by(RiskSignal.signal)
    )
    if branch is not None:
        query = query.join(Loan, Loan.id == RiskSignal.loan_id).where(Loan.branch_code == branch)
    return dict(uow.session.execute(query).all())


@dataclass(frozen=True)
class LoanRisk:
    band: str | None
    scores: list[tuple[str, date, float, str, list[str], int]]  # target, month, pd, band, why, v
    signals: list[RiskSignal]


def loan_risk(uow: UnitOfWork, loan_id: int) -> LoanRisk:
    """One loan's band, its latest score per target (with reasons) and its open warnings."""
    band = uow.session.scalar(select(Loan.risk_band).where(Loan.id == loan_id))
    scores, read = [], dict[tuple[date, tuple[str, ...]], Frame]()
    for target in TARGETS:
        row = uow.session.execute(
            select(LoanScore, RiskModel)
            .join(RiskModel, RiskModel.id == LoanScore.model_id)
            .where(LoanScore.loan_id == loan_id, LoanScore.target == target)
            .order_by(LoanScore.month.desc()).limit(1)
        ).first()  # fmt: skip
        if row is not None:
            s, model = row
            why = _explained(uow, model, s, read)
            scores.append((target, s.month, s.pd_ppm / 1_000_000, s.band, why, model.version))
    open_now = uow.session.scalars(
        select(RiskSignal).where(RiskSignal.loan_id == loan_id, RiskSignal.cleared_on.is_(None))
        .order_by(RiskSignal.raised_on)
    ).all()  # fmt: skip
    return LoanRisk(band, scores, list(open_now))


def _explained(
    uow: UnitOfWork, model: RiskModel, score: LoanScore,
    read: dict[tuple[date, tuple[str, ...]], Frame],
) -> list[str]:  # fmt: skip
    """The reasons of a score, worked out now from the loan's features at its month end (read
    once for both models, which mostly share the month and the branches); said so when they
    no longer give the probability it was scored with (its terms changed)."""
    key = (score.month, tuple(model.card["branches"]))
    if key not in read:
        read[key] = features(uow, score.month, low=score.loan_id, high=score.loan_id,
                             branches=key[1])  # fmt: skip
    frame = read[key]
    if not len(frame.loan_ids):
        return []
    why = explain(uow, model, frame.matrix, frame.branches)[0]
    if abs(probabilities(model, frame.matrix)[0] * 1_000_000 - score.pd_ppm) > 1:
        why.append("(worked out from the loan's terms now, which changed after it was scored)")
    return why
