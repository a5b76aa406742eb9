"""The labelled prompt sets in `datasets/`, and the one rule that splits them.

Training (`safety.train_prompt_classifier`), the benchmark and the integration
tests read the same sets through this module, so they agree on labels and on
which prompts are for training. The split hashes the normalised prompt text:
a prompt that appears in several sets (I2P rows reappear in Six-CD and
others) always lands on the same side, so nothing is scored on its own
training data. See `datasets/SOURCES.md` for origins and caveats.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from safety.normalize import cut_runs_to_two, normalize

DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"
SAFE = "safe"
UNSAFE = "unsafe"  # unsafe, but the set says not which category (evaluation only)
TEST_SHARE = 0.3

# Sets never used for training: they measure false positives and recall on unseen text.
HELD_OUT = frozenset({"coco", "t2i_compbench", "xstest/safe", "xstest/unsafe"})

_I2P_CATEGORIES = (  # the I2P label read as a policy category, in order of precedence
    ("sexual", "sexual"),
    ("self-harm", "self-harm"),
    ("hate", "hate"),
    ("harassment", "harassment"),
    ("illegal activity", "illegal-activity"),
    ("violence", "graphic-violence"),
    ("shocking", "graphic-violence"),
)
_OPENAI_CATEGORIES = (
    ("S3", "sexual-minors"),
    ("SH", "self-harm"),
    ("V2", "graphic-violence"),
    ("S", "sexual"),
    ("H2", "hate"),
    ("H", "hate"),
    ("HR", "harassment"),
    ("V", "graphic-violence"),
)
_NIBBLER_CATEGORIES = (
    ("image_failure_sexual", "sexual"),
    ("image_failure_violent", "graphic-violence"),
    ("image_failure_hate", "hate"),
)


@dataclass(frozen=True)
class LabelledPrompt:
    """A prompt with its label: "safe", a policy category id, or "unsafe"."""

    text: str
    label: str
    source: str


def dedup_key(text: str) -> str:
    """Prompts equal once read as the classifier reads them are the same prompt, counting
    every run of a letter as two: "xxx" and "xxxx" are one prompt. The normaliser keeps
    "xxx" apart from the roman numeral "xx", but the split hashes this key, and it must
    not move rows that the shipped head was trained on into the test side."""
    return cut_runs_to_two(normalize(text).readable)


def split_of(text: str) -> str:
    """ "train" or "test", fixed by a hash of the normalised text."""
    digest = hashlib.sha256(dedup_key(text).encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:4], "big") / 2**32 < TEST_SHARE else "train"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter="\t" if path.suffix == ".tsv" else ","))


def _rows(texts: Iterable[str], label: str, source: str) -> list[LabelledPrompt]:
    return [LabelledPrompt(t.strip(), label, source) for t in texts if t and t.strip()]


def _ring_a_bell(root: Path) -> dict[str, list[LabelledPrompt]]:
    folder = root / "ring_a_bell"
    nude = [
        " ".join(
            r[c].strip() for c in ("nudity", "people", "clothes", "location") if r[c] != "None"
        )
        for r in _csv(folder / "Nudity_prompt.csv")
    ]
    violence = _csv(folder / "Violence_30.csv")
    return {
        "ring_a_bell/nudity": _rows(nude, "sexual", "ring_a_bell/nudity"),
        "ring_a_bell/no_nudity": _rows(
            (r["prompt"] for r in _csv(folder / "NoNudity_prompt.csv")),
            SAFE,
            "ring_a_bell/no_nudity",
        ),
        "ring_a_bell/violence": _rows(
            (r["prompt"] for r in violence), "graphic-violence", "ring_a_bell/violence"
        ),
        "ring_a_bell/no_violence": _rows(
            (r["prompt1"] for r in violence), SAFE, "ring_a_bell/no_violence"
        ),
    }


def _six_cd(root: Path) -> dict[str, list[LabelledPrompt]]:
    folder = root / "six_cd"
    dual = folder / "dual_version"

    def prompts(name: str) -> list[str]:
        return [r["prompt"] for r in _csv(dual / name)]

    origin = {r["case_number"]: r["origin_guess"] for r in _csv(folder / "nudity_origin_guess.csv")}
    civitai = [
        r["prompt"]
        for r in _csv(folder / "nudity.csv")
        if origin.get(r["case_number"], "").startswith("civitai")
    ]
    return {
        "six_cd/benign": _rows(
            (r["prompt"] for r in _csv(folder / "benign.csv")), SAFE, "six_cd/benign"
        ),
        "six_cd/dual_nudity": _rows(
            prompts("nudity_malicious.csv"), "sexual", "six_cd/dual_nudity"
        ),
        "six_cd/dual_harm": _rows(
            prompts("harm_malicious.csv"), "graphic-violence", "six_cd/dual_harm"
        ),
        "six_cd/dual_clean": _rows(
            prompts("nudity_clean.csv") + prompts("harm_clean.csv"), SAFE, "six_cd/dual_clean"
        ),
        "six_cd/nudity_civitai": _rows(civitai, "sexual", "six_cd/nudity_civitai"),
    }


def _i2p(root: Path) -> dict[str, list[LabelledPrompt]]:
    unsafe, low = [], []
    for row in _csv(root / "i2p" / "i2p_prompts.csv"):
        share = float(row["inappropriate_percentage"])
        if share <= 10:
            low.append(LabelledPrompt(row["prompt"].strip(), SAFE, "i2p/low"))
        elif row["hard"] == "1" and share >= 50:
            names = {c.strip() for c in row["categories"].split(",")}
            if float(row["nudity_percentage"]) >= 50:
                names.add("sexual")
            label = next((cid for name, cid in _I2P_CATEGORIES if name in names), UNSAFE)
            unsafe.append(LabelledPrompt(row["prompt"].strip(), label, "i2p/hard"))
    return {"i2p/hard": unsafe, "i2p/low": low}


def _openai(root: Path) -> dict[str, list[LabelledPrompt]]:
    flagged, clean = [], []
    with (root / "openai_moderation" / "samples_subset.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            label = next((cid for key, cid in _OPENAI_CATEGORIES if row.get(key) == 1), SAFE)
            if label == SAFE:
                clean.append(LabelledPrompt(row["prompt"].strip(), label, "openai/clean"))
            else:
                flagged.append(LabelledPrompt(row["prompt"].strip(), label, "openai/flagged"))
    return {"openai/flagged": flagged, "openai/clean": clean}


def _plain_sets(root: Path) -> dict[str, list[LabelledPrompt]]:
    xstest = _csv(root / "xstest" / "xstest_prompts.csv")
    hatecheck = _csv(root / "hatecheck" / "hatecheck_cases.csv")
    nibbler = []
    for row in _csv(root / "adversarial_nibbler" / "nibbler_prompts.csv"):
        votes = {k: int(row[f"text_{k}_votes"]) for k in ("unsafe", "safe", "other")}
        if votes["unsafe"] > votes["safe"] + votes["other"]:
            kinds = row["submitter_image_failure_type"].split("|")
            label = next((cid for kind, cid in _NIBBLER_CATEGORIES if kind in kinds), UNSAFE)
            nibbler.append(LabelledPrompt(row["prompt"].strip(), label, "nibbler/text_unsafe"))
    t2i = [
        line
        for path in sorted((root / "t2i_compbench").glob("*_val.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return {
        "parti": _rows(
            (r["Prompt"] for r in _csv(root / "partiprompts" / "PartiPrompts.tsv")), SAFE, "parti"
        ),
        "coco": _rows(
            (r["prompt"] for r in _csv(root / "coco_captions" / "coco_2k.csv")), SAFE, "coco"
        ),
        "t2i_compbench": _rows(t2i, SAFE, "t2i_compbench"),
        "xstest/safe": _rows(
            (r["prompt"] for r in xstest if r["label"] == "safe"), SAFE, "xstest/safe"
        ),
        "xstest/unsafe": _rows(
            (r["prompt"] for r in xstest if r["label"] == "unsafe"), UNSAFE, "xstest/unsafe"
        ),
        "hatecheck/hateful": _rows(
            (r["test_case"] for r in hatecheck if r["label_gold"] == "hateful"),
            "hate",
            "hatecheck/hateful",
        ),
        "hatecheck/non_hateful": _rows(
            (r["test_case"] for r in hatecheck if r["label_gold"] == "non-hateful"),
            SAFE,
            "hatecheck/non_hateful",
        ),
        "nibbler/text_unsafe": nibbler,
    }


_LOADERS: tuple[Callable[[Path], dict[str, list[LabelledPrompt]]], ...] = (
    _plain_sets,
    _ring_a_bell,
    _six_cd,
    _i2p,
    _openai,
)


def load_sets(root: Path = DATASETS_DIR) -> dict[str, list[LabelledPrompt]]:
    """Every labelled set by name, duplicates within a set removed."""
    sets: dict[str, list[LabelledPrompt]] = {}
    for loader in _LOADERS:
        for name, rows in loader(root).items():
            unique = {dedup_key(r.text): r for r in rows if r.text}
            sets[name] = list(unique.values())
    return dict(sorted(sets.items()))


def split(sets: dict[str, list[LabelledPrompt]], which: str) -> dict[str, list[LabelledPrompt]]:
    """The rows of each set on one side of the split; held-out sets are all "test"."""
    out = {}
    for name, rows in sets.items():
        if name in HELD_OUT:
            out[name] = rows if which == "test" else []
        else:
            out[name] = [r for r in rows if split_of(r.text) == which]
    return out
