"""How the prompt-safety benchmark compares the guard and its peers at equal false positives."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.prompt_safety import (
    POLICY,
    Detector,
    _at_equal_false_positives,
    _blocked_under,
    _stricter,
)
from safety.guard import combine_findings
from safety.policy import load_policy
from safety.verdict import Finding


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


def test_a_stricter_policy_raises_every_threshold_and_keeps_warn_below_block(policy) -> None:
    unchanged = _stricter(policy, 0.0)
    for before, after in zip(policy.categories, unchanged.categories, strict=True):
        assert after.block_threshold == pytest.approx(before.block_threshold)
        assert after.warn_threshold == pytest.approx(before.warn_threshold)
    stricter = _stricter(policy, 1.0)
    for before, after in zip(policy.categories, stricter.categories, strict=True):
        assert after.block_threshold > before.block_threshold
        assert after.warn_threshold > before.warn_threshold
        assert after.warn_threshold <= after.block_threshold < 1.0


def test_a_classifier_block_lifts_as_the_policy_grows_stricter_but_a_keyword_block_does_not(
    policy,
) -> None:
    classifier = combine_findings(policy, [Finding("semantic", "hate", 0.96)])
    keyword = combine_findings(policy, [Finding("keywords", "hate", 1.0)])
    assert _blocked_under(policy, classifier) and _blocked_under(policy, keyword)

    stricter = _stricter(policy, 2.0)  # hate blocks from about 0.99
    assert not _blocked_under(stricter, classifier)
    assert _blocked_under(stricter, keyword)


def test_escalations_are_derived_again_under_the_stricter_policy(policy) -> None:
    # A named figure plus a sexual score at warn level escalates to a block...
    found = [Finding("keywords", "public-figures", 1.0), Finding("semantic", "sexual", 0.6)]
    verdict = combine_findings(policy, found)
    assert verdict.category == "public-figure-deception" and _blocked_under(policy, verdict)
    # ...until the sexual warn threshold rises past the score.
    assert not _blocked_under(_stricter(policy, 1.0), verdict)


def test_each_rate_reads_our_best_point_within_it_beside_each_peer_at_that_rate() -> None:
    peer = Detector("peer", lambda texts: np.zeros(len(texts)), 0.5)
    benign = np.linspace(0.0, 1.0, 1000)  # 1% of these lie above 0.99, 2% above 0.98
    unsafe = np.array([0.995] * 30 + [0.985] * 10 + [0.5] * 60)
    scores = {"peer": {"benign/a": benign[:500], "benign/b": benign[500:], "unsafe": unsafe}}
    our_curve = [(0.03, 0.95), (0.02, 0.9), (0.012, 0.8), (0.004, 0.5)]

    rows = _at_equal_false_positives(
        our_curve, scores, [peer], ["benign/a", "benign/b"], ["unsafe"], (0.001, 0.01, 0.02)
    )

    assert [r[0] for r in rows] == ["0.1", "1.0", "2.0"]
    none_within, at_one, at_two = rows
    assert none_within[1:] == ["none (least 0.4)", "  0.0", "n/a"]
    assert at_one[1:] == [" 50.0 @ 0.4", " 30.0", " 1.7"]
    assert at_two[1:] == [" 90.0 @ 2.0", " 40.0", " 2.2"]


def test_without_peers_each_rate_reads_our_best_point_alone() -> None:
    our_curve = [(0.03, 0.95), (0.02, 0.9), (0.012, 0.8), (0.004, 0.5)]
    rows = _at_equal_false_positives(our_curve, {}, [], [], [], (0.01, 0.03))
    assert rows == [["1.0", " 50.0 @ 0.4"], ["3.0", " 95.0 @ 3.0"]]
