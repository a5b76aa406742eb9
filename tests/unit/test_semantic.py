from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safety.semantic import EMBEDDING_DIM, ClassifierHead, ClassifierLoadError


def head() -> ClassifierHead:
    rng = np.random.default_rng(0)
    return ClassifierHead(
        classes=("safe", "sexual"),
        weight=rng.normal(size=(2, EMBEDDING_DIM)).astype(np.float32),
        bias=np.array([0.5, -0.5], dtype=np.float32),
        metadata={"policy_version": "7"},
    )


def test_probabilities_are_a_distribution_per_row():
    rows = np.random.default_rng(1).normal(size=(5, EMBEDDING_DIM)).astype(np.float32)
    probabilities = head().probabilities(rows)
    assert probabilities.shape == (5, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_head_round_trips_through_its_file(tmp_path: Path):
    original = head()
    original.save(tmp_path / "head.npz")
    loaded = ClassifierHead.load(tmp_path / "head.npz")
    assert loaded.classes == original.classes
    assert loaded.metadata == original.metadata
    assert np.array_equal(loaded.weight, original.weight)


def test_a_head_of_the_wrong_shape_is_refused(tmp_path: Path):
    bad = ClassifierHead(("safe",), np.zeros((1, 10), np.float32), np.zeros(1, np.float32))
    bad.save(tmp_path / "bad.npz")
    with pytest.raises(ClassifierLoadError, match="shape"):
        ClassifierHead.load(tmp_path / "bad.npz")


def test_a_missing_or_corrupt_head_is_refused(tmp_path: Path):
    with pytest.raises(ClassifierLoadError):
        ClassifierHead.load(tmp_path / "missing.npz")
    (tmp_path / "corrupt.npz").write_bytes(b"not a zip file")
    with pytest.raises(ClassifierLoadError):
        ClassifierHead.load(tmp_path / "corrupt.npz")


def test_bundled_head_loads(policy):
    loaded = ClassifierHead.load(policy.path(policy.classifier_head))
    assert loaded.classes[0] == "safe"
    assert loaded.metadata["policy_version"]


def test_against_safe_reads_each_class_against_safe_alone():
    rows = np.random.default_rng(2).normal(size=(4, EMBEDDING_DIM)).astype(np.float32)
    three = ClassifierHead(
        classes=("safe", "sexual", "hate"),
        weight=np.random.default_rng(3).normal(size=(3, EMBEDDING_DIM)).astype(np.float32),
        bias=np.zeros(3, dtype=np.float32),
    )
    probabilities = three.probabilities(rows)
    expected = probabilities[:, 1] / (probabilities[:, 1] + probabilities[:, 0])
    assert np.allclose(three.against_safe(rows)[:, 1], expected)
