"""Watching the models in use: the population stability (PSI) of the score and of each feature,
month on month and against the months the model learnt from; the realised bad rate per band
against the predicted; and the alerts when a threshold is crossed.

PSI, as risk teams read it: under 0.10 stable, 0.10 to 0.25 worth watching, above
`LMS_RISK_PSI_ALERT` (0.25) a shift that calls the model into question. Bins are the model's
own: the deciles of the score and of each feature in the data it learnt from (kept in its
card), so every month is compared on the same bins.

The realised bad rate of a band is known three months after a scoring month end: of the loans
scored then, the share that went bad (the model's target) in the three months after. An alert
is raised when a band of at least 30 loans went bad at under half or over twice the rate it
was predicted to.

Guarantees: read only; the same month and model give the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select

from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings
from lms.risk import measures
from lms.risk.features import HORIZON, NAMES, Frame, eligible, features, outcomes
from lms.risk.models import LoanMonth, LoanScore, RiskModel
from lms.risk.months import shift
from lms.risk.scoring import booster

SMALLEST_BAND = 30  # loans a band needs before its realised rate is judged


@dataclass(frozen=True)
class Stability:
    name: str  # "score" or a feature's name
    month_on_month: float | None  # PSI against the month end before (None: no loans then)
    against_learnt: float  # PSI against the months the model learnt from


@dataclass(frozen=True)
class BandOutcome:
    band: str
    loans: int
    predicted: float  # the mean probability the model gave
    realised: float  # the share that went bad


def stability(uow: UnitOfWork, model: RiskModel, month: date) -> list[Stability]:
    """PSI of the score and of each feature of the loans eligible at `month`."""
    branches = tuple(model.card["branches"])
    now = eligible(features(uow, month, branches=branches), model.target)
    before = eligible(features(uow, shift(month, -1), branches=branches), model.target)
    trees = booster(model.id, model.booster)
    ref = model.card["reference"]
    rows = [
        _psi("score", ref["score"], _predict(trees, now.matrix), _predict(trees, before.matrix))
    ]
    for k, name in enumerate(NAMES):
        rows.append(_psi(name, ref["features"][name], now.matrix[:, k], before.matrix[:, k]))
    return rows


def _predict(trees: Any, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(trees.predict(matrix)) if len(matrix) else np.empty(0)


def _psi(name: str, ref: dict[str, list[float]], now: Any, before: Any) -> Stability:
    edges = np.asarray(ref["edges"], dtype=np.float64)
    current = measures.shares(now, edges)
    previous = measures.psi_of(measures.shares(before, edges), current) if len(before) else None
    return Stability(name, previous, measures.psi_of(np.asarray(ref["shares"]), current))


def realised(uow: UnitOfWork, target: str, month: date) -> list[BandOutcome]:
    """For the loans scored at `month` (whose three months after are in the history): per
    band, how many, the mean predicted probability and the share that went bad."""
    rows = uow.session.execute(
        select(LoanScore.loan_id, LoanScore.band, LoanScore.pd_ppm)
        .where(LoanScore.month == month, LoanScore.target == target)
        .order_by(LoanScore.loan_id)
    ).all()
    if not rows:
        return []
    ids = np.array([r.loan_id for r in rows], dtype=np.int64)
    bad = outcomes(uow, Frame(month, ids, np.empty((len(ids), len(NAMES))), ()), target)
    out = []
    for band in sorted({r.band for r in rows}):
        mine = np.array([r.band == band for r in rows])
        predicted = float(np.mean([r.pd_ppm for r in rows if r.band == band])) / 1_000_000
        out.append(BandOutcome(band, int(mine.sum()), predicted, float(bad[mine].mean())))
    return out


def judged_month(uow: UnitOfWork, target: str) -> date | None:
    """The latest scoring month end whose three months after are in the history."""
    last = uow.session.scalar(select(func.max(LoanMonth.month)))
    if last is None:
        return None
    return uow.session.scalar(
        select(func.max(LoanScore.month)).where(
            LoanScore.target == target, LoanScore.month <= shift(last, -HORIZON)
        )
    )


def alerts(stable: list[Stability], outcomes_: list[BandOutcome]) -> list[str]:
    """What crossed a threshold, in words."""
    limit = get_settings().risk_psi_alert
    found = [
        f"{s.name}: PSI {value:.2f} {against} (above {limit})"
        for s in stable
        for value, against in ((s.month_on_month, "month on month"),
                               (s.against_learnt, "against the months learnt from"))
        if value is not None and value > limit
    ]  # fmt: skip
    for b in outcomes_:
        if b.loans >= SMALLEST_BAND and b.predicted and not 0.5 <= b.realised / b.predicted <= 2:
            found.append(f"band {b.band}: {b.realised:.1%} went bad against {b.predicted:.1%} "
                         f"predicted ({b.loans} loans)")  # fmt: skip
    return found
