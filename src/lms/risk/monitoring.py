"""Watching the models in use: the population stability (PSI) of the score and of each feature,
month on month and against the months the model learnt from; the realised bad rate per band
against the predicted; and the alerts when a threshold is crossed.

PSI, as risk teams read it: under 0.10 stable, 0.10 to 0.25 worth watching, above
`LMS_RISK_PSI_ALERT` (0.25) a shift that calls the model into question. Bins are the model's
own: the deciles of the score and of each feature in the data it learnt from (kept in its
card), so every month is compared on the same bins. Scoring keeps how many loans fell in each
bin (`binned`, table `risk_bins`), so the stability of a million loans is read from a few
hundred rows, not worked out again from their features.

The realised bad rate of a band is known three months after a scoring month end: of the loans
scored then, the share that went bad (the model's target) in the three months after. An alert
is raised when a band of at least 30 loans went bad at under half or over twice the rate it
was predicted to.

Guarantees: read only (`binned` gives rows for the caller to write); the same month and model
give the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import exists, func, select

from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings
from lms.risk import measures
from lms.risk.features import HORIZON, NAMES, Frame, went_bad
from lms.risk.models import LoanMonth, LoanScore, RiskBin, RiskModel
from lms.risk.months import shift

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


def binned(model: RiskModel, frame: Frame, probability: Any) -> list[dict[str, Any]]:
    """The rows of `risk_bins` for the loans of `frame` as `model` scored them (their
    probabilities of going bad): how many fell in each bin of the score and of each feature."""
    ref = model.card["reference"]
    columns = [("score", ref["score"], probability)] + [
        (name, ref["features"][name], frame.matrix[:, k]) for k, name in enumerate(NAMES)
    ]
    return [
        {"month": frame.month, "model_id": model.id, "name": name, "bin": k, "loans": int(n)}
        for name, bins, values in columns
        for k, n in enumerate(measures.counts(values, np.asarray(bins["edges"])))
        if n
    ]  # fmt: skip


def stability(uow: UnitOfWork, model: RiskModel, month: date) -> list[Stability]:
    """PSI of the score and of each feature of the loans `model` scored at `month`, from the
    bins kept when it scored them (month on month: when it scored the month end before too)."""
    now, before = _bins(uow, model, month), _bins(uow, model, shift(month, -1))
    if not now:
        return []
    ref = model.card["reference"]
    rows = []
    for name in ("score", *NAMES):
        learnt = np.asarray((ref["score"] if name == "score" else ref["features"][name])["shares"])
        current = measures.shares_of(now[name])
        previous = measures.psi_of(measures.shares_of(before[name]), current) if before else None
        rows.append(Stability(name, previous, measures.psi_of(learnt, current)))
    return rows


def _bins(uow: UnitOfWork, model: RiskModel, month: date) -> dict[str, np.ndarray[Any, Any]]:
    """The loans per bin of the score and each feature that `model` scored at `month`."""
    ref = model.card["reference"]
    size = {name: len(ref["features"][name]["shares"]) for name in NAMES}
    size["score"] = len(ref["score"]["shares"])
    found = uow.session.execute(
        select(RiskBin.name, RiskBin.bin, func.sum(RiskBin.loans))
        .where(RiskBin.model_id == model.id, RiskBin.month == month)
        .group_by(RiskBin.name, RiskBin.bin)
    ).all()
    out: dict[str, np.ndarray[Any, Any]] = {}
    for name, k, loans in found:
        out.setdefault(name, np.zeros(size[name], dtype=np.int64))[k] = loans
    return out


def realised(uow: UnitOfWork, target: str, month: date) -> list[BandOutcome]:
    """For the loans scored at `month` (whose three months after are in the history): per
    band, how many, the mean predicted probability and the share that went bad."""
    s, m = LoanScore, LoanMonth
    bad = exists().where(m.loan_id == s.loan_id, went_bad(month, target))
    rows = uow.session.execute(
        select(s.band, func.count(), func.avg(s.pd_ppm), func.count().filter(bad))
        .where(s.month == month, s.target == target)
        .group_by(s.band)
        .order_by(s.band)
    ).all()
    return [BandOutcome(band, n, float(mean) / 1_000_000, went / n)
            for band, n, mean, went in rows]  # fmt: skip


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
