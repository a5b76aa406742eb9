from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

from safety.minilm_onnx import QUANTISATION
from safety.semantic import (
    EMBEDDING_DIM,
    MAX_TOKENS,
    CategoryScore,
    ClassifierHead,
    ClassifierLoadError,
    SemanticClassifier,
    build_semantic_classifier,
    findings_from_scores,
)
from safety.verdict import Action, Finding


def head() -> ClassifierHead:
    rng = np.random.default_rng(0)
    return ClassifierHead(
        classes=("safe", "sexual"),
        layers=(
            (rng.normal(size=(8, EMBEDDING_DIM)).astype(np.float32), np.zeros(8, np.float32)),
            (rng.normal(size=(2, 8)).astype(np.float32), np.array([0.5, -0.5], np.float32)),
        ),
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
    assert len(loaded.layers) == len(original.layers)
    for (w1, b1), (w2, b2) in zip(loaded.layers, original.layers, strict=True):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)


def dense(out: int, into: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((out, into), np.float32), np.zeros(out, np.float32)


@pytest.mark.parametrize(
    "layers",
    [
        (dense(1, 10),),  # input is not the embedding size
        (dense(8, EMBEDDING_DIM), dense(2, 9)),  # layers that do not chain
        (dense(8, EMBEDDING_DIM), dense(3, 8)),  # three outputs for two classes
    ],
)
def test_a_head_of_the_wrong_shape_is_refused(tmp_path: Path, layers):
    ClassifierHead(("safe", "sexual"), layers).save(tmp_path / "bad.npz")
    with pytest.raises(ClassifierLoadError, match="shape"):
        ClassifierHead.load(tmp_path / "bad.npz")


def test_hidden_layer_applies_relu():
    # One hidden unit reading the first coordinate; the output copies it to "sexual".
    hidden = np.zeros((1, EMBEDDING_DIM), np.float32)
    hidden[0, 0] = 1.0
    head = ClassifierHead(
        ("safe", "sexual"),
        ((hidden, np.zeros(1, np.float32)), (np.array([[0.0], [1.0]], np.float32), np.zeros(2))),
    )
    rows = np.zeros((2, EMBEDDING_DIM), np.float32)
    rows[0, 0], rows[1, 0] = 3.0, -3.0
    assert np.allclose(head.logits(rows), [[0.0, 3.0], [0.0, 0.0]])  # negative input clipped


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
    assert loaded.metadata["max_tokens"] == MAX_TOKENS
    assert loaded.metadata["quantisation"] == QUANTISATION


@dataclasses.dataclass
class UnusedEmbedder:
    """Stands in for MiniLM where only what its vectors are made of matters: the load
    check must refuse before anything is embedded."""

    max_tokens: int = MAX_TOKENS
    quantisation: str = QUANTISATION

    def embed(self, texts):
        raise AssertionError("nothing should be embedded")


def bundled_head_with(policy, folder: Path, **metadata):
    """The bundled policy pointing at a copy of its head with `metadata` changed
    (a value of None removes the key)."""
    bundled = ClassifierHead.load(policy.path(policy.classifier_head))
    changed = {**bundled.metadata, **metadata}
    kept = {key: value for key, value in changed.items() if value is not None}
    dataclasses.replace(bundled, metadata=kept).save(folder / "head.npz")
    return dataclasses.replace(policy, classifier_head="head.npz")


def test_the_bundled_head_fits_the_bundled_embedder(policy, tmp_path: Path):
    moved = bundled_head_with(policy, tmp_path)
    build_semantic_classifier(moved, tmp_path, RandomEmbedder())


def test_a_head_trained_for_another_token_window_is_refused(policy, tmp_path: Path):
    moved = bundled_head_with(policy, tmp_path)
    longer = UnusedEmbedder(max_tokens=MAX_TOKENS + 51)
    with pytest.raises(ClassifierLoadError, match=f"first {MAX_TOKENS} tokens"):
        build_semantic_classifier(moved, tmp_path, longer)


@pytest.mark.parametrize("recorded", ["int8 dynamic, per-channel 8-bit weights", None])
def test_a_head_trained_on_otherwise_quantised_vectors_is_refused(policy, tmp_path, recorded):
    """Heads from before the quantisation was recorded were trained on 8-bit weights."""
    moved = bundled_head_with(policy, tmp_path, quantisation=recorded)
    with pytest.raises(ClassifierLoadError, match=r"8-bit weights.*retrain"):
        build_semantic_classifier(moved, tmp_path, UnusedEmbedder())


def test_against_safe_reads_each_class_against_safe_alone():
    rows = np.random.default_rng(2).normal(size=(4, EMBEDDING_DIM)).astype(np.float32)
    three = ClassifierHead(
        classes=("safe", "sexual", "hate"),
        layers=(
            (
                np.random.default_rng(3).normal(size=(3, EMBEDDING_DIM)).astype(np.float32),
                np.zeros(3, dtype=np.float32),
            ),
        ),
    )
    probabilities = three.probabilities(rows)
    expected = probabilities[:, 1] / (probabilities[:, 1] + probabilities[:, 0])
    assert np.allclose(three.against_safe(rows)[:, 1], expected)


class RandomEmbedder:
    """Unit vectors that depend only on the text: enough to drive the scoring code."""

    max_tokens = MAX_TOKENS
    quantisation = QUANTISATION

    def embed(self, texts):
        rows = [np.random.default_rng(len(t)).normal(size=EMBEDDING_DIM) for t in texts]
        vectors = np.array(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def blas_threads() -> list[int]:
    """How many threads each BLAS library loaded in this process uses now."""
    return [lib["num_threads"] for lib in ThreadpoolController().select(user_api="blas").info()]


def test_scoring_leaves_numpys_blas_threads_as_it_found_them(policy):
    """Scoring runs its products on one BLAS thread; the rest of the process keeps its own."""
    before = blas_threads()
    classifier = SemanticClassifier(RandomEmbedder(), policy, head())
    scores = classifier.score(["a cat", "a dog on a skateboard"])
    assert [len(row) for row in scores] == [len(policy.categories)] * 2
    assert blas_threads() == before


def test_threads_scoring_at_once_leave_numpys_blas_threads_as_they_found_them(policy):
    before = blas_threads()
    classifier = SemanticClassifier(RandomEmbedder(), policy, head())
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: classifier.score([f"prompt {i}"] * 8), range(400)))
    assert blas_threads() == before


def test_a_score_without_the_support_its_category_names_warns_at_most(policy):
    minors = policy.category("sexual-minors")
    assert ("sexual", 0.1) in minors.classifier_support

    def findings(minors_score: float, sexual_score: float) -> dict[str, Finding]:
        given = {"sexual-minors": minors_score, "sexual": sexual_score}
        scores = [CategoryScore(c.id, given.get(c.id, 0.0), "p") for c in policy.categories]
        return {f.category: f for f in findings_from_scores(policy.categories, scores)}

    alone = findings(0.85, 0.02)["sexual-minors"]
    assert (alone.score, alone.at_most) == (0.85, Action.WARN)
    assert "warns at most, without support: sexual 0.02 < 0.10" in alone.evidence
    assert findings(0.85, 0.1)["sexual-minors"].at_most is None
    sexual = findings(0.3, 0.97)["sexual"]  # a category without support needs none
    assert (sexual.score, sexual.at_most) == (0.97, None)
    assert "sexual-minors" not in findings(0.2, 0.97)  # below its warn threshold
