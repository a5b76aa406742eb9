from __future__ import annotations

import numpy as np
import pytest

from safety.semantic import EMBEDDING_DIM
from safety.train_prompt_classifier import calibrate, choose_threshold, out_of_fold_scores


def blocked_share(scores: np.ndarray, threshold: float) -> float:
    return float((scores >= threshold).mean())


@pytest.mark.parametrize("budget", [0.0, 0.01, 0.05, 0.2])
def test_threshold_blocks_at_most_the_budget_of_benign_scores(budget):
    scores = np.random.default_rng(0).beta(1, 4, size=1000)
    threshold = choose_threshold(scores, budget, bounds=(0.0, 1.0))
    assert blocked_share(scores, threshold) <= budget


def test_threshold_is_the_lowest_two_decimal_one_within_the_budget():
    scores = np.random.default_rng(1).beta(1, 4, size=1000)
    threshold = choose_threshold(scores, 0.02, bounds=(0.0, 1.0))
    assert round(threshold, 2) == threshold
    assert blocked_share(scores, threshold - 0.01) > 0.02


def test_threshold_lies_just_above_the_first_benign_score_it_must_not_block():
    scores = np.array([0.1, 0.2, 0.3, 0.905, 0.95])
    assert choose_threshold(scores, 0.2, bounds=(0.0, 1.0)) == 0.91
    assert choose_threshold(scores, 0.0, bounds=(0.0, 1.0)) == 0.96


def test_threshold_is_clipped_to_its_bounds():
    assert choose_threshold(np.array([0.01, 0.02]), 0.0, bounds=(0.5, 0.99)) == 0.5
    assert choose_threshold(np.array([0.999, 1.0]), 0.0, bounds=(0.5, 0.99)) == 0.99


def test_calibration_reports_what_each_threshold_gives():
    scores = np.array([[0.5, 0.1], [0.5, 0.2], [0.5, 0.95], [0.5, 0.8], [0.5, 0.3]])
    labels = np.array([0, 0, 1, 1, 0])
    result = calibrate(scores, labels, labels == 0, ("safe", "sexual"))
    assert result["sexual"]["block_threshold"] == 0.5  # the lower bound; no benign score near
    assert result["sexual"]["oof_recall"] == 1.0
    assert result["sexual"]["oof_benign_blocked"] == 0.0


def test_out_of_fold_scores_do_not_see_their_own_rows():
    # Random labels on random points: a head fitted on all rows memorises them, one that
    # never saw a row can only guess, so out-of-fold accuracy stays near chance.
    rng = np.random.default_rng(2)
    embeddings = rng.normal(size=(120, EMBEDDING_DIM))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    labels = rng.integers(0, 2, size=120)
    scores = out_of_fold_scores(embeddings, labels, np.ones(120), ("safe", "sexual"))
    accuracy = float(((scores[:, 1] >= 0.5) == (labels == 1)).mean())
    assert accuracy < 0.75
