from __future__ import annotations

import numpy as np
import pytest

from safety.prompt_datasets import LabelledPrompt, split_of
from safety.semantic import EMBEDDING_DIM, ClassifierHead
from safety.train_prompt_classifier import (
    SAFE_EXAMPLE_WEIGHT,
    SET_WEIGHTS,
    PromptEmbeddings,
    calibrate,
    choose_threshold,
    fit_ensemble,
    fit_head,
    main,
    merge_members,
    out_of_fold_scores,
    training_rows,
)


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


def test_calibration_keeps_the_union_of_categories_within_the_budget():
    # 100 benign rows; each category scores a different fifth of them high.
    benign = np.full((100, 3), 0.1)
    benign[:20, 1] = np.linspace(0.6, 0.99, 20)
    benign[20:40, 2] = np.linspace(0.6, 0.99, 20)
    unsafe = np.array([[0.0, 0.9, 0.1], [0.0, 0.1, 0.9]])
    scores = np.vstack([benign, unsafe])
    labels = np.array([0] * 100 + [1, 2])
    result = calibrate(scores, labels, labels == 0, ("safe", "sexual", "hate"), budget=0.1)
    union = np.zeros(100, bool)
    for column, category in ((1, "sexual"), (2, "hate")):
        union |= benign[:, column] >= result[category]["block_threshold"]
    assert union.mean() <= 0.1
    assert union.mean() >= 0.08  # the budget is used, not left idle


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


def test_head_learns_what_no_single_plane_separates():
    # XOR of the signs of two coordinates: a linear head is right about half the time.
    rng = np.random.default_rng(3)
    signs = rng.choice([-1.0, 1.0], size=(400, 2))
    embeddings = rng.normal(scale=0.05, size=(400, EMBEDDING_DIM))
    embeddings[:, :2] = signs
    labels = (signs[:, 0] * signs[:, 1] > 0).astype(int)
    head = ClassifierHead(("safe", "sexual"), fit_head(embeddings, labels, np.ones(400), 2))
    accuracy = float(((head.against_safe(embeddings)[:, 1] >= 0.5) == (labels == 1)).mean())
    assert accuracy > 0.95


def random_member(rng: np.random.Generator, hidden: int, classes: int):
    return (
        (rng.normal(size=(hidden, EMBEDDING_DIM)), rng.normal(size=hidden)),
        (rng.normal(size=(classes, hidden)), rng.normal(size=classes)),
    )


def test_a_merged_ensemble_gives_the_mean_of_its_members_logits():
    rng = np.random.default_rng(4)
    members = [random_member(rng, hidden, 3) for hidden in (8, 16, 8)]
    embeddings = rng.normal(size=(10, EMBEDDING_DIM))
    classes = ("safe", "sexual", "hate")
    merged = ClassifierHead(classes, merge_members(members)).logits(embeddings)
    each = [ClassifierHead(classes, layers).logits(embeddings) for layers in members]
    np.testing.assert_allclose(merged, np.mean(each, axis=0), rtol=1e-4, atol=1e-4)


def test_only_one_hidden_layer_members_merge():
    rng = np.random.default_rng(5)
    hidden, out = random_member(rng, 8, 2)
    with pytest.raises(ValueError):
        merge_members([(hidden, hidden, out)])


def test_ensemble_members_start_from_different_seeds():
    rng = np.random.default_rng(6)
    embeddings = rng.normal(size=(64, EMBEDDING_DIM))
    labels = rng.integers(0, 2, size=64)
    (hidden_weight, _), _ = fit_ensemble(embeddings, labels, np.ones(64), 2, members=2)
    first, second = np.split(hidden_weight, 2)
    assert not np.allclose(first, second)


def test_a_seed_gives_the_same_head_again_and_another_seed_another_head():
    rng = np.random.default_rng(7)
    embeddings = rng.normal(size=(64, EMBEDDING_DIM))
    labels = rng.integers(0, 2, size=64)

    def hidden_weight(seed: int) -> np.ndarray:
        return fit_ensemble(embeddings, labels, np.ones(64), 2, members=1, seed=seed)[0][0]

    np.testing.assert_array_equal(hidden_weight(100), hidden_weight(100))
    assert not np.allclose(hidden_weight(100), hidden_weight(0))


def sets_on_the_train_side(labels: dict[str, str]) -> dict[str, list[LabelledPrompt]]:
    """Four prompts on the training side of the split for each set, labelled as given."""
    texts = [f"a painting of a lighthouse number {i}" for i in range(100)]
    on_train_side = [t for t in texts if split_of(t) == "train"]
    return {
        name: [LabelledPrompt(t, label, name) for t in on_train_side[4 * k : 4 * k + 4]]
        for k, (name, label) in enumerate(labels.items())
    }


def weight_by_set(policy, sets, *set_weights) -> dict[str, float]:
    rows = training_rows(policy, sets, *set_weights)
    return {item.source: weight for item, weight in rows if item.source != "policy"}


def test_sets_labelled_by_their_images_count_less(policy):
    sets = sets_on_the_train_side({"i2p/hard": "graphic-violence", "parti": "safe"})
    weights = weight_by_set(policy, sets)
    assert weights["parti"] == 1.0
    assert weights["i2p/hard"] == SET_WEIGHTS["i2p/hard"] < 1.0


def test_a_set_can_count_at_another_weight_or_be_left_out(policy):
    sets = sets_on_the_train_side({"parti": "safe", "coco_extra": "safe"})
    assert weight_by_set(policy, sets, {"parti": 0.25}) == {"parti": 0.25, "coco_extra": 1.0}
    assert weight_by_set(policy, sets, {"parti": 0}) == {"coco_extra": 1.0}


@pytest.mark.parametrize(
    ("option", "complaint"),
    [
        ("no/such_set=1", "no data set no/such_set"),
        ("parti=-1", "WEIGHT >= 0"),
        ("parti", "WEIGHT >= 0"),
    ],
)
def test_set_weight_option_refuses_unknown_sets_and_bad_weights(capsys, option, complaint):
    with pytest.raises(SystemExit):
        main(["--set-weight", option])
    assert complaint in capsys.readouterr().err


def test_the_policys_safe_examples_train_as_safe(policy):
    assert policy.safe_examples
    rows = {item.text: (item.label, weight) for item, weight in training_rows(policy, {})}
    for text in policy.safe_examples:
        assert rows[text] == ("safe", SAFE_EXAMPLE_WEIGHT)


class CountingEmbedder:
    """Unit vectors that depend only on the text, counting the texts it is asked about."""

    max_tokens = 77

    def __init__(self, quantisation: str = "int8 dynamic, per-channel 7-bit weights") -> None:
        self.quantisation = quantisation
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded.extend(texts)
        rows = [np.random.default_rng(len(t)).normal(size=EMBEDDING_DIM) for t in texts]
        return np.array(rows, dtype=np.float32)


def test_cached_vectors_are_reused_only_by_an_embedder_that_reads_alike(tmp_path):
    cache = tmp_path / "vectors.npz"
    first = CountingEmbedder()
    vectors = PromptEmbeddings(first, cache)(["a red car", "a cat"])
    same = CountingEmbedder()
    np.testing.assert_array_equal(PromptEmbeddings(same, cache)(["a red car", "a cat"]), vectors)
    assert same.embedded == []
    other = CountingEmbedder("int8 dynamic, per-channel 8-bit weights")
    PromptEmbeddings(other, cache)(["a red car", "a cat"])
    assert sorted(other.embedded) == ["a cat", "a red car"]
