"""How much of a held-out prompt's meaning reaches the generator: `python -m benchmarks.text_probe`.

The UNet sees a prompt only through the text encoder's token states, read by
cross-attention. This probe trains the smallest such reader (one learnt query
attending over the token states, then a linear layer) to name the object's
colour, shape or position from captions in the training grammar's wordings, then
asks it about new captions in those wordings and in the held-out frames with words
training never uses (`NEW_WORDS`; captions that leave the position out are skipped
for position). What the probe cannot read
from the states, a UNet trained on the same captions is unlikely to draw, so its
held-out accuracy is a rough ceiling for the generator's, measured in minutes
instead of a retrain.

Held-out phrases fall in three groups: phrases the training grammar also uses
(held-out positions reuse none, so this group is empty there), new phrases around a
known word ("cherry red"), and new words ("ruby", "orb"). Each hidden layer of the
encoder is probed in turn, since a pipeline could be built to read any of them.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import BertModel, BertTokenizer

from training.captions import NEW_WORDS, TRAIN, Wording, caption
from training.train import DEFAULT_OUT
from training.world import PALETTE, POSITIONS, SHAPES, Scene, sample_scene

MAX_TOKENS = 32  # every caption of the grammar fits
ATTRIBUTES = {"colour": tuple(PALETTE), "shape": SHAPES, "position": tuple(POSITIONS)}
KNOWN, KNOWN_WORD, NEW_WORD = "phrase seen in training", "new phrase, known word", "new word"
NOT_NAMED = -1  # the label of a caption that leaves the position out; such captions are skipped
SEEN, HELD = "new captions in training wordings", "held-out wordings, new words"


@dataclass(frozen=True)
class Captions:
    texts: list[str]
    labels: dict[str, torch.Tensor]  # attribute -> class index (or NOT_NAMED) per caption
    groups: dict[str, np.ndarray]  # attribute -> how new the asked phrase is, per caption


def phrase_group(phrase: str, value: str, known: dict[str, tuple[str, ...]]) -> str:
    """How new `phrase`, asking for `value`, is to a model trained on the `known` synonyms.
    A known word must name `value` alone in training: "shape" (in "round shape" and
    "star shape") does not make "three-sided shape" a known word."""
    if phrase in known[value]:
        return KNOWN
    words = {v: {w for p in synonyms for w in p.split()} for v, synonyms in known.items()}
    others = set().union(*(w for v, w in words.items() if v != value))
    return KNOWN_WORD if set(phrase.split()) & (words[value] - others) else NEW_WORD


def asked_phrase(text: str, synonyms: Sequence[str]) -> str:
    """The synonym the caption used: the longest one it contains ("lemon yellow" over "yellow")."""
    return max((s for s in synonyms if s in text), key=len)


def make_captions(count: int, wording: Wording, seed: int) -> Captions:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: dict[str, list[int]] = {a: [] for a in ATTRIBUTES}
    groups: dict[str, list[str]] = {a: [] for a in ATTRIBUTES}
    tables = {
        "colour": (wording.colours, TRAIN.colours),
        "shape": (wording.shapes, TRAIN.shapes),
        "position": (wording.positions, TRAIN.positions),
    }
    for _ in range(count):
        scene: Scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        text = caption(scene, rng, wording)
        obj = scene.objects[0]
        texts.append(text)
        for attribute, value in (
            ("colour", obj.colour),
            ("shape", obj.shape),
            ("position", obj.position),
        ):
            asked, known = tables[attribute]
            if not any(phrase in text for phrase in asked[value]):  # captions may skip position
                labels[attribute].append(NOT_NAMED)
                groups[attribute].append("")
                continue
            labels[attribute].append(ATTRIBUTES[attribute].index(value))
            phrase = asked_phrase(text, asked[value])
            groups[attribute].append(phrase_group(phrase, value, known))
    return Captions(
        texts,
        {a: torch.tensor(v) for a, v in labels.items()},
        {a: np.array(v) for a, v in groups.items()},
    )


@torch.no_grad()
def token_states(
    encoder: BertModel, tokenizer: BertTokenizer, texts: list[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every layer's token states, (layers + 1, N, tokens, width), and the attention mask."""
    batch = tokenizer(
        texts, padding="max_length", max_length=MAX_TOKENS, truncation=True, return_tensors="pt"
    )
    out = encoder(**batch, output_hidden_states=True)
    return torch.stack(out.hidden_states), batch["attention_mask"]


class AttentionProbe(torch.nn.Module):
    """One learnt query cross-attending over token states, as a UNet block reads a prompt."""

    def __init__(self, width: int, classes: int, inner: int = 64) -> None:
        super().__init__()
        self.query = torch.nn.Parameter(torch.randn(inner))
        self.key = torch.nn.Linear(width, inner)
        self.value = torch.nn.Linear(width, inner)
        self.out = torch.nn.Linear(inner, classes)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.key(states) @ self.query / self.query.numel() ** 0.5
        weights = scores.masked_fill(mask == 0, float("-inf")).softmax(-1)
        return self.out((weights.unsqueeze(-1) * self.value(states)).sum(1))


def probe_accuracy(
    train: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    classes: int,
    steps: int = 600,
    seed: int = 0,
) -> np.ndarray:
    """Train a probe on (states, mask, labels) and return which test captions it gets right."""
    torch.manual_seed(seed)
    states, mask, labels = train
    probe = AttentionProbe(states.shape[-1], classes)
    optimiser = torch.optim.Adam(probe.parameters(), lr=3e-3)
    for _ in range(steps):
        rows = torch.randint(0, len(states), (128,))
        loss = torch.nn.functional.cross_entropy(probe(states[rows], mask[rows]), labels[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return (probe(test[0], test[1]).argmax(-1) == test[2]).numpy()


def named_rows(
    states: tuple[torch.Tensor, torch.Tensor], captions: Captions, attribute: str, layer: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(states at `layer`, mask, labels) of the captions that name `attribute`."""
    hidden, mask = states
    labels = captions.labels[attribute]
    rows = labels != NOT_NAMED
    return hidden[layer][rows], mask[rows], labels[rows]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_OUT), help="a pipeline folder")
    parser.add_argument("--train", type=int, default=3000, help="training-wording captions")
    parser.add_argument("--held-out", type=int, default=600, help="held-out-wording captions")
    args = parser.parse_args(argv)

    tokenizer = BertTokenizer.from_pretrained(f"{args.model}/tokenizer")
    encoder = BertModel.from_pretrained(f"{args.model}/text_encoder").float().eval()
    splits = {
        "train": make_captions(args.train, TRAIN, seed=1),
        SEEN: make_captions(args.held_out, TRAIN, seed=3),
        HELD: make_captions(args.held_out, NEW_WORDS, seed=2),
    }
    states = {name: token_states(encoder, tokenizer, c.texts) for name, c in splits.items()}

    groups = (KNOWN, KNOWN_WORD, NEW_WORD)
    for attribute, classes in ATTRIBUTES.items():
        held_labels = splits[HELD].labels[attribute]
        held_groups = splits[HELD].groups[attribute][(held_labels != NOT_NAMED).numpy()]
        counts = {g: int((held_groups == g).sum()) for g in groups}
        header = ["training wordings", "held-out", *(f"{g} ({counts[g]})" for g in groups)]
        print(f"\n{attribute}: probe accuracy on captions that name it")
        print("layer  " + "  ".join(header))
        for layer in range(1, len(states["train"][0])):
            train = named_rows(states["train"], splits["train"], attribute, layer)
            seen = probe_accuracy(
                train,
                named_rows(states[SEEN], splits[SEEN], attribute, layer),
                len(classes),
            )
            held = probe_accuracy(
                train, named_rows(states[HELD], splits[HELD], attribute, layer), len(classes)
            )
            by_group = [held[held_groups == g].mean() if counts[g] else None for g in groups]
            cells = [f"{seen.mean():.0%}", f"{held.mean():.0%}"]
            cells += ["-" if v is None else f"{v:.0%}" for v in by_group]
            print(
                f"{layer:>5}  "
                + "  ".join(c.rjust(len(h)) for c, h in zip(cells, header, strict=True))
            )


if __name__ == "__main__":
    main()
