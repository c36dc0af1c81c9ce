"""How well a score ranks and predicts, as Indian risk teams read it: AUC, Gini (2 AUC - 1),
KS (the largest gap between the cumulative shares of bad and good loans, highest scores
first), calibration by decile (predicted against realised bad rate), and the share of the bad
loans caught in the riskiest tenth; and the population stability index (PSI) of a score or a
feature between two months.

Guarantee: pure functions of numpy arrays; ties are treated fairly (AUC by mid-ranks, KS and
deciles never split a run of equal scores at a boundary they could fall either side of: KS
moves whole runs); nothing here reads a database.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]


def auc(bad: Array, score: Array) -> float:
    """The probability that a bad loan scores above a good one (ties count a half)."""
    bad = np.asarray(bad, dtype=bool)
    goods, bads = int((~bad).sum()), int(bad.sum())
    if not goods or not bads:
        raise ValueError("AUC needs both bad and good loans")
    ranks = _mid_ranks(np.asarray(score, dtype=np.float64))
    return float((ranks[bad].sum() - bads * (bads + 1) / 2) / (bads * goods))


def _mid_ranks(values: Array) -> Array:
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + 1 + end) / 2
    return ranks


def ks(bad: Array, score: Array) -> float:
    """Kolmogorov-Smirnov: the most the cumulative share of bads exceeds that of goods (or the
    reverse), taking the loans from the highest score down a run of equal scores at a time."""
    bad = np.asarray(bad, dtype=bool)
    values = np.asarray(score, dtype=np.float64)
    order = np.argsort(-values, kind="mergesort")
    ordered, flags = values[order], bad[order]
    ends = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]), len(ordered) - 1]
    bads = np.cumsum(flags)[ends] / max(int(bad.sum()), 1)
    goods = np.cumsum(~flags)[ends] / max(int((~bad).sum()), 1)
    return float(np.max(np.abs(bads - goods)))


def deciles(bad: Array, predicted: Array) -> list[dict[str, float]]:
    """Ten groups of (near) equal size from the riskiest down: loans, mean predicted and
    realised bad rate of each."""
    order = np.argsort(-np.asarray(predicted, dtype=np.float64), kind="mergesort")
    groups = np.array_split(order, 10)
    return [
        {
            "decile": n + 1,
            "loans": len(g),
            "predicted": float(np.mean(predicted[g])) if len(g) else 0.0,
            "realised": float(np.mean(bad[g])) if len(g) else 0.0,
        }
        for n, g in enumerate(groups)
    ]


def caught(bad: Array, score: Array, share: float = 0.1) -> float:
    """The share of all bad loans among the `share` of loans scored riskiest."""
    bad = np.asarray(bad, dtype=bool)
    top = np.argsort(-np.asarray(score, dtype=np.float64), kind="mergesort")[
        : max(1, round(len(bad) * share))
    ]
    return float(bad[top].sum() / max(int(bad.sum()), 1))


def summary(bad: Array, score: Array) -> dict[str, float]:
    area = auc(bad, score)
    return {
        "auc": round(area, 4),
        "gini": round(2 * area - 1, 4),
        "ks": round(ks(bad, score), 4),
        "caught_in_top_decile": round(caught(bad, score), 4),
    }


def counts(values: Array, edges: Array) -> Array:
    """How many of `values` fall in each bin of the inner `edges` (n edges, n + 1 bins, each
    holding the values up to and including its upper edge), then how many are NaN."""
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    found = np.bincount(
        np.searchsorted(edges, values[~missing], side="left"), minlength=len(edges) + 1
    )
    return np.asarray(np.r_[found, missing.sum()], dtype=np.int64)


def shares(values: Array, edges: Array) -> Array:
    """The share of `values` in each bin of the inner `edges`, then the share that is NaN
    (`counts`, as `shares_of`)."""
    return shares_of(counts(values, edges))


def shares_of(found: Array) -> Array:
    """Each bin's share of the counts `found`; a share of nought is taken as 0.0001 (an empty
    bin counts in a PSI without a division by zero)."""
    found = np.asarray(found, dtype=np.float64)
    return np.asarray(np.maximum(found / max(found.sum(), 1), 0.0001))


def psi_of(expected: Array, actual: Array) -> float:
    """Population stability index between two arrays of bin shares."""
    e, a = np.asarray(expected, dtype=np.float64), np.asarray(actual, dtype=np.float64)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(expected: Array, actual: Array, edges: Array) -> float:
    """Population stability index of `actual` against `expected` over the bins `edges`."""
    return psi_of(shares(expected, edges), shares(actual, edges))


def edges_of(values: Array) -> Array:
    """The inner edges of (up to) ten bins of `values` (NaN aside): one bin per value when
    there are at most ten, else the deciles (a value many share, such as nought days past
    due, gets a bin of its own)."""
    known = np.asarray(values, dtype=np.float64)
    known = known[~np.isnan(known)]
    distinct = np.unique(known)
    if len(distinct) <= 10:
        return np.asarray(distinct[:-1])
    return np.unique(np.quantile(known, np.linspace(0.1, 0.9, 9)))


def reference(matrix: Array, scores: Array, names: tuple[str, ...]) -> dict[str, Any]:
    """The bins and shares of the score and of each feature in the data a model learnt from:
    what later months are compared with (PSI)."""

    def of(values: Array) -> dict[str, list[float]]:
        edges = edges_of(values)
        return {"edges": edges.tolist(), "shares": shares(values, edges).tolist()}

    return {"score": of(scores), "features": {n: of(matrix[:, k]) for k, n in enumerate(names)}}
