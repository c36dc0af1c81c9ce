"""Scoring the book at a month end with the active models: each eligible loan's probability
of going bad within three months and its risk band; and, when asked, the three features that
raise a loan's risk most, in words (the reason codes).

Reason codes are the model's own feature contributions (LightGBM's TreeSHAP: for each loan,
the contributions of its features and the model's base value add up to the model's log-odds,
exactly); the three largest that raise the risk are given, each with the loan's value. They
are worked out when a loan's risk is read (`explain`; its page, the API), not in the close:
TreeSHAP for the bands acted on alone cost the close of a million loans 19 s, for figures
nobody reads until they open the loan.

Scoring the newest month end also rewrites the scored loans' risk bands (`lms.risk.signals`),
and each scoring keeps how the loans it scored spread over the model's bins (the stability of
the score and features: `lms.risk.monitoring`).

Guarantees: a loan is scored once per month end and target (a second run scores only the loans
not yet scored); a score names the model version that gave it; set-based per range of loan ids
(the daily close scores each partition at a month end, `lms.close.steps.score`).
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from typing import Any

import lightgbm as lgb
import numpy as np
from sqlalchemy import func, select

from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import insert_rows
from lms.platform.settings import get_settings
from lms.risk.features import FEATURES, NAMES, TARGETS, Frame, eligible, features
from lms.risk.models import LoanScore, RiskBin, RiskModel
from lms.risk.monitoring import binned
from lms.risk.signals import rebanded
from lms.risk.training import active
from lms.servicing.models import RISK_BANDS as BANDS
from lms.servicing.models import Product

SHARES = frozenset({"paid_share_3m", "outstanding_share", "excess_share"})
WORDS = dict(FEATURES)


@lru_cache(maxsize=8)
def booster(model_id: int, text: str) -> lgb.Booster:
    """A model's trees, read once per process."""
    return lgb.Booster(model_str=text)


def contributions(model: RiskModel, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per loan, each feature's contribution to the log-odds, then the base value (last)."""
    if not len(matrix):
        return np.empty((0, len(NAMES) + 1))
    trees = booster(model.id, model.booster)
    return np.asarray(trees.predict(matrix, pred_contrib=True, num_threads=0))


def log_odds(model: RiskModel, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per loan, the model's log-odds of going bad (the contributions' sum, without them)."""
    if not len(matrix):
        return np.empty(0)
    trees = booster(model.id, model.booster)
    return np.asarray(trees.predict(matrix, raw_score=True, num_threads=0))


def probabilities(model: RiskModel, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per loan, the model's probability of going bad (from its log-odds)."""
    return np.asarray(1 / (1 + np.exp(-log_odds(model, matrix))))


def bands(ppm: np.ndarray[Any, Any]) -> list[str]:
    """The bands of probabilities in parts per million (`LMS_RISK_BANDS`)."""
    limits = np.array([float(limit * 10_000) for limit in get_settings().risk_bands])
    return [BANDS[k] for k in np.searchsorted(limits, ppm, side="right")]


def score(uow: UnitOfWork, month: date, *, low: int | None = None, high: int | None = None) -> int:
    """Score the loans active at `month` (ids from `low` to `high`, or all) with each target's
    active model; returns the scores written."""
    written, scored, read = 0, set[int](), dict[tuple[str, ...], Frame]()
    for target in TARGETS:
        model = active(uow, target)
        if model is None:
            continue
        branches = tuple(model.card["branches"])
        if branches not in read:  # the models' branches are most often the same: read once
            read[branches] = features(uow, month, low=low, high=high, branches=branches)
        frame = eligible(read[branches], target)
        frame = frame.where(~np.isin(frame.loan_ids, _scored(uow, month, target, frame)))
        probability = probabilities(model, frame.matrix)
        rows = _rows(model, frame, probability)
        insert_rows(uow, LoanScore.metadata.tables["loan_scores"], rows)
        insert_rows(uow, RiskBin.metadata.tables["risk_bins"], binned(model, frame, probability))
        written += len(rows)
        scored |= {row["loan_id"] for row in rows}
    latest = uow.session.scalar(select(func.max(LoanScore.month)))
    if scored and latest == month:  # the loans' bands follow their newest scores
        rebanded(uow, month, sorted(scored))
    return written


def _scored(uow: UnitOfWork, month: date, target: str, frame: Frame) -> np.ndarray[Any, Any]:
    """The loans of `frame` (by their range of ids) already scored at `month` for `target`."""
    if not len(frame.loan_ids):
        return np.empty(0, dtype=np.int64)
    low, high = int(frame.loan_ids[0]), int(frame.loan_ids[-1])
    done = uow.session.scalars(select(LoanScore.loan_id).where(
        LoanScore.month == month, LoanScore.target == target,
        LoanScore.loan_id.between(low, high)))  # fmt: skip
    return np.fromiter(done, dtype=np.int64)


def _rows(
    model: RiskModel, frame: Frame, probability: np.ndarray[Any, Any]
) -> list[dict[str, Any]]:
    """The scores of the loans of `frame`: their `probability` of going bad, in parts per
    million, and its band."""
    ppm = np.rint(probability * 1_000_000).astype(np.int64).tolist()
    common = {"month": frame.month, "target": model.target, "model_id": model.id}
    return [
        {**common, "loan_id": loan_id, "pd_ppm": p, "band": b}
        for loan_id, p, b in zip(frame.loan_ids.tolist(), ppm, bands(np.asarray(ppm)), strict=True)
    ]


def explain(
    uow: UnitOfWork, model: RiskModel, matrix: np.ndarray[Any, Any], branches: tuple[str, ...]
) -> list[list[str]]:
    """The reasons, in words, of each row of `matrix` (a loan's features)."""
    parts = contributions(model, matrix)
    products = dict(uow.session.execute(select(Product.id, Product.code)).all())
    return [reasons(parts[n][:-1], matrix[n], branches, products) for n in range(len(matrix))]


def reasons(
    parts: np.ndarray[Any, Any], values: np.ndarray[Any, Any], branches: tuple[str, ...],
    products: dict[int, str], top: int = 3,
) -> list[str]:  # fmt: skip
    """The `top` features that raise the risk most, most first, in words with their values."""
    order = [int(k) for k in np.argsort(-parts, kind="mergesort")[:top] if parts[k] > 0]
    return [f"{WORDS[NAMES[k]]}: {_value(NAMES[k], values[k], branches, products)}" for k in order]


def _value(name: str, value: float, branches: tuple[str, ...], products: dict[int, str]) -> str:
    if math.isnan(value):
        return "none"
    if name == "branch":
        return branches[int(value)]
    if name == "product":
        return products.get(int(value), str(int(value)))
    if name in SHARES:
        return f"{value * 100:.0f} %"
    return f"{value:g}"
