"""The risk measures on cases worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lms.risk.measures import auc, caught, deciles, ks, psi, summary

BAD = np.array([0, 0, 1, 1])
SCORE = np.array([0.1, 0.4, 0.35, 0.8])


def test_auc_counts_the_pairs_a_bad_loan_outscores() -> None:
    # bad 0.35 beats good 0.1 only; bad 0.8 beats both: 3 of 4 pairs
    assert auc(BAD, SCORE) == 0.75
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5  # a tie counts a half
    with pytest.raises(ValueError, match="both bad and good"):
        auc(np.array([1, 1]), np.array([0.2, 0.3]))


def test_ks_is_the_widest_gap_between_the_cumulative_shares() -> None:
    # highest first: 0.8 bad (1/2, 0), 0.4 good (1/2, 1/2), 0.35 bad (1, 1/2), 0.1 good (1, 1)
    assert ks(BAD, SCORE) == 0.5
    assert ks(np.array([1, 0]), np.array([0.5, 0.5])) == 0.0  # a run of ties moves as one


def test_summary_deciles_and_the_riskiest_tenth() -> None:
    assert summary(BAD, SCORE) == {"auc": 0.75, "gini": 0.5, "ks": 0.5,
                                   "caught_in_top_decile": 0.5}  # fmt: skip
    bad = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    score = np.arange(10, 0, -1) / 10  # the first loan is the riskiest
    assert caught(bad, score) == 0.5
    groups = deciles(bad, score)
    assert [g["loans"] for g in groups] == [1] * 10
    assert (groups[0]["realised"], groups[0]["predicted"]) == (1.0, 1.0)
    assert groups[-1]["realised"] == 1.0 and math.isclose(groups[-1]["predicted"], 0.1)


def test_psi_by_hand() -> None:
    edges = np.array([2.5])
    assert psi(np.array([1, 2, 3, 4]), np.array([1, 1, 3, 3]), edges) == 0.0
    # shares 0.5 / 0.5 become 0.75 / 0.25: 0.25 ln 1.5 + 0.25 ln 2
    found = psi(np.array([1, 2, 3, 4]), np.array([1, 1, 1, 3]), edges)
    assert math.isclose(found, 0.25 * math.log(1.5) + 0.25 * math.log(2), rel_tol=1e-12)
