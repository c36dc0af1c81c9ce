"""Training a delinquency model: gradient-boosted trees (LightGBM) on the loans' features at
month ends, split by time, measured on the months it never saw, and kept as a new version with
its model card.

The split: the last `test_months` month ends whose three following months are in the history
are held out; the model learns from the month ends before them whose own three months end by
the first held-out month end (so nothing it learns from looks into the held-out months). Its
measures (AUC, Gini, KS, calibration by decile, the share of bad loans in the riskiest tenth)
are given beside those of the rule that ranks loans by their DPD at the month end alone.

How many trees: the last month learnt from is first held apart, and the trees grown until it
stops improving; the model is then grown to that many on all the months learnt from.

Guarantees: reproducible (deterministic and seeded, on any number of threads: the same history
and seed give the same trees, byte for byte); a model that could not be measured is not kept
(no bad or no good loan in either part is refused with the reason); a version is never
changed, a new one is made active and the one before it inactive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import lightgbm as lgb
import numpy as np
from sqlalchemy import func, select, update

from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError
from lms.risk import measures
from lms.risk.features import CATEGORICAL, HORIZON, NAMES, TARGETS, eligible, features, outcomes
from lms.risk.models import LoanMonth, RiskModel
from lms.risk.months import shift
from lms.servicing.models import Branch

ROUNDS = 200
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 5,  # shallow trees: the reason codes (TreeSHAP) cost depth squared
    "min_data_in_leaf": 40,
    "lambda_l2": 1.0,
    "feature_fraction": 0.9,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 0,  # every core: "deterministic" keeps the trees the same whatever the threads
    "verbose": -1,
}


@dataclass(frozen=True)
class Split:
    train: tuple[date, ...]
    test: tuple[date, ...]


def split(uow: UnitOfWork, test_months: int, train_months: int) -> Split:
    """The month ends learnt from and held out (see the module's note)."""
    months = sorted(uow.session.scalars(select(LoanMonth.month).distinct()))
    known = set(months)
    usable = [m for m in months if all(shift(m, k) in known for k in range(1, HORIZON + 1))]
    test = tuple(usable[-test_months:])
    train = tuple(m for m in usable if test and shift(m, HORIZON) <= test[0])[-train_months:]
    if len(test) < test_months or not train:
        need = test_months + HORIZON
        raise InvalidError([("history", f"{len(usable)} month ends have {HORIZON} months of "
                             f"history after them; at least {need} are needed (the last "
                             f"{test_months} held out, the ones learnt from ending {HORIZON} "
                             "months before them)")])  # fmt: skip
    return Split(train, test)


def dataset(
    uow: UnitOfWork, months: tuple[date, ...], target: str, branches: tuple[str, ...]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The features and outcomes of the eligible loans at each of `months`, stacked."""
    parts = [eligible(features(uow, m, branches=branches), target) for m in months]
    x = np.vstack([p.matrix for p in parts]) if parts else np.empty((0, len(NAMES)))
    y = np.concatenate([outcomes(uow, p, target) for p in parts]) if parts else np.empty(0)
    return x, y


def train(
    uow: UnitOfWork, *, target: str, actor: str, test_months: int = 3, train_months: int = 12,
    seed: int = 7, rounds: int = ROUNDS,
) -> RiskModel:  # fmt: skip
    """Train, measure and keep a new version of the `target` model; it scores from now on."""
    if target not in TARGETS:
        raise InvalidError([("target", f"is one of {', '.join(TARGETS)}")])
    when = split(uow, test_months, train_months)
    branches = tuple(sorted(uow.session.scalars(select(Branch.code))))
    x, y = dataset(uow, when.train, target, branches)
    xt, yt = dataset(uow, when.test, target, branches)
    for part, labels in (("learnt from", y), ("held out", yt)):
        if labels.size == 0 or labels.min() == labels.max():
            raise InvalidError([("history", f"the months {part} need both bad and good loans")])
    booster = fit(x, y, seed, _rounds(uow, when, target, branches, seed, rounds))
    card = _card(target, when, branches, booster, (y, yt), predict(booster, xt), xt, seed)
    card["reference"] = measures.reference(x, predict(booster, x), NAMES)
    version = (uow.session.scalar(select(func.max(RiskModel.version)).where(
        RiskModel.target == target)) or 0) + 1  # fmt: skip
    uow.session.execute(update(RiskModel).where(RiskModel.target == target).values(active=False))
    now = datetime.now(UTC)
    card["version"], card["trained_at"], card["trained_by"] = version, now.isoformat(), actor
    model = RiskModel(target=target, version=version, active=True, card=card,
                      booster=booster.model_to_string(), trained_by=actor,
                      created_at=now)  # fmt: skip
    uow.session.add(model)
    uow.session.flush()
    return model


def fit(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], seed: int, rounds: int) -> lgb.Booster:
    params = {**PARAMS, "seed": seed, "min_data_in_leaf": min(40, max(5, len(y) // 20))}
    data = lgb.Dataset(x, label=y, feature_name=list(NAMES),
                       categorical_feature=list(CATEGORICAL), free_raw_data=False)  # fmt: skip
    return lgb.train(params, data, num_boost_round=rounds)


def _rounds(
    uow: UnitOfWork, when: Split, target: str, branches: tuple[str, ...], seed: int, most: int
) -> int:
    """How many trees to grow: the number at which the last month learnt from, held apart,
    stopped improving (20 rounds without a better log-loss); `most` when it cannot tell."""
    if len(when.train) < 2:
        return most
    x, y = dataset(uow, when.train[:-1], target, branches)
    xv, yv = dataset(uow, when.train[-1:], target, branches)
    if min(y.size, yv.size) == 0 or y.min() == y.max() or yv.min() == yv.max():
        return most
    params = {**PARAMS, "seed": seed, "min_data_in_leaf": min(40, max(5, len(y) // 20))}
    data = lgb.Dataset(x, label=y, feature_name=list(NAMES), categorical_feature=list(CATEGORICAL))
    valid = lgb.Dataset(xv, label=yv, reference=data)
    stop = lgb.early_stopping(20, verbose=False)
    found = lgb.train(params, data, num_boost_round=most, valid_sets=[valid], callbacks=[stop])
    return max(int(found.best_iteration), 1)


def predict(booster: lgb.Booster, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(booster.predict(x), dtype=np.float64)


def _card(
    target: str, when: Split, branches: tuple[str, ...], booster: lgb.Booster,
    labels: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], scores: np.ndarray[Any, Any],
    xt: np.ndarray[Any, Any], seed: int,
) -> dict[str, Any]:  # fmt: skip
    """The model card: what it predicts, from which months, how it was made and measured."""
    y, yt = labels
    rule = xt[:, NAMES.index("dpd")]
    gain = booster.feature_importance(importance_type="gain")
    return {
        "target": target,
        "predicts": f"more than {TARGETS[target]} days past due within {HORIZON} months",
        "months": {"learnt_from": [m.isoformat() for m in when.train],
                   "held_out": [m.isoformat() for m in when.test]},
        "loans": {"learnt_from": int(y.size), "held_out": int(yt.size)},
        "bad_rate": {"learnt_from": round(float(y.mean()), 4),
                     "held_out": round(float(yt.mean()), 4)},
        "features": list(NAMES), "categorical": list(CATEGORICAL), "branches": list(branches),
        "importance": {n: round(float(g), 1) for n, g in zip(NAMES, gain, strict=True)},
        "method": {"library": f"lightgbm {lgb.__version__}", "rounds": booster.num_trees(),
                   "seed": seed, "params": {k: v for k, v in PARAMS.items() if k != "verbose"}},
        "held_out": {"model": measures.summary(yt, scores), "dpd_rule": measures.summary(yt, rule),
                     "calibration": measures.deciles(yt, scores)},
    }  # fmt: skip


def active(uow: UnitOfWork, target: str) -> RiskModel | None:
    return uow.session.scalar(
        select(RiskModel).where(RiskModel.target == target, RiskModel.active.is_(True))
    )
