"""Prompt safety quality and speed, beside four peers: `python -m benchmarks.prompt_safety`.

Quality: on the test split of every set in `datasets/` (see
`safety/prompt_datasets.py`), the share of unsafe prompts blocked (recall) and
of benign prompts blocked (false positives), for SafeCanvas's guard and for a
plain LDNOOBW keyword list, better-profanity, alt-profanity-check and the
spaCy NSFW prompt classifier `en-prompt-nsfw-pipeline-bilstm`; then the same
on the unsafe sets after four obfuscations. Peers with a score are also read
at the threshold that gives them our pooled false-positive rate. Last, the guard
and those peers are compared at equal false-positive rates up to the issue's bar
(2%): the guard is made stricter by raising all its thresholds together.
Speed: one prompt at a time through the whole guard (p50, p95), and batched.

Needs `requirements-bench.txt`. Takes a few minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from safety.guard import (
    ERROR_CHECK,
    ESCALATION_CHECK,
    PromptGuard,
    build_prompt_guard,
    combine_findings,
)
from safety.keywords import build_keyword_check
from safety.policy import Policy, load_policy
from safety.prompt_datasets import DATASETS_DIR, SAFE, LabelledPrompt, load_sets, split
from safety.semantic import SemanticClassifier
from safety.verdict import Action, Verdict

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICY = REPO_ROOT / "assets" / "policy.yaml"
PLAIN_UNSAFE = (
    "ring_a_bell/nudity",
    "ring_a_bell/violence",
    "six_cd/dual_nudity",
    "six_cd/dual_harm",
    "six_cd/nudity_civitai",
    "hatecheck/hateful",
    "openai/flagged",
)
# Benign sets of chat messages rather than image prompts, pooled apart as well as with the rest.
CHAT_BENIGN = ("hatecheck/non_hateful", "openai/clean", "xstest/safe")
# Benign false-positive rates at which the guard and the peers are compared (the issue's
# bar is 2%; 3% and 4% show where the guard's own curve lies when comparing two heads), and
# the log-odds steps by which the guard's thresholds are raised to get there.
EQUAL_FP_RATES = (0.005, 0.01, 0.015, 0.02, 0.03, 0.04)
STRICTER_SHIFTS = tuple(np.arange(0.0, 8.01, 0.25))
BENIGN_OBFUSCATED_PER_SET = 100  # obfuscated benign prompts show what each trick costs in FPs
HOMOGLYPHS = str.maketrans("aceopxyis", "асеорхуіѕ")  # Latin -> Cyrillic look-alikes
LEET = str.maketrans("aeiost", "431057")


def _each_long_word(text: str, change: Callable[[str], str], joiner: str = " ") -> str:
    return joiner.join(change(w) if sum(c.isalpha() for c in w) >= 4 else w for w in text.split())


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "leet": lambda t: _each_long_word(t, lambda w: w.lower().translate(LEET)),
    "spacing": lambda t: _each_long_word(t, lambda w: " ".join(w), joiner="  "),
    "homoglyph": lambda t: _each_long_word(t, lambda w: w.translate(HOMOGLYPHS)),
    "zero-width": lambda t: _each_long_word(t, lambda w: "\u200b".join(w)),
}


@dataclass(frozen=True)
class Detector:
    """A system under test: scores in [0, 1] and the threshold it ships with."""

    name: str
    score: Callable[[Sequence[str]], np.ndarray]
    threshold: float
    tunable: bool = True


def _ours() -> tuple[Detector, PromptGuard, dict[str, Verdict]]:
    """Our guard as a detector; it remembers each verdict for the per-category table."""
    guard = build_prompt_guard(load_policy(POLICY))
    verdicts: dict[str, Verdict] = {}

    def score(texts: Sequence[str]) -> np.ndarray:
        verdicts.update(zip(texts, guard.check_many(list(texts)), strict=True))
        return np.array([0.0 if verdicts[t].allowed else 1.0 for t in texts])

    return Detector("SafeCanvas", score, 0.5, tunable=False), guard, verdicts


def _ldnoobw() -> Detector:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for line in (DATASETS_DIR / "ldnoobw_v2" / "en.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            automaton.add_word(line.strip().lower(), len(line.strip()))
    automaton.make_automaton()

    def hit(text: str) -> bool:
        text = text.lower()
        for end, length in automaton.iter(text):
            start = end - length + 1
            before = text[start - 1] if start else " "
            after = text[end + 1] if end + 1 < len(text) else " "
            if not before.isalnum() and not after.isalnum():
                return True
        return False

    return Detector(
        "LDNOOBW list", lambda ts: np.array([float(hit(t)) for t in ts]), 0.5, tunable=False
    )


def _better_profanity() -> Detector:
    from better_profanity import profanity

    profanity.load_censor_words()
    return Detector(
        "better-profanity",
        lambda ts: np.array([float(profanity.contains_profanity(t)) for t in ts]),
        0.5,
        tunable=False,
    )


def _alt_profanity_check() -> Detector:
    from profanity_check import predict_prob

    return Detector("alt-profanity-check", lambda ts: np.asarray(predict_prob(list(ts))), 0.5)


def _nsfw_bilstm() -> Detector:
    import spacy

    nlp = spacy.load("en_prompt_nsfw_pipeline_bilstm")

    def score(texts: Sequence[str]) -> np.ndarray:
        docs = nlp.pipe(list(texts), batch_size=64)
        return np.array([d.cats.get("adult", 0.0) + d.cats.get("cp", 0.0) for d in docs])

    return Detector("nsfw-bilstm", score, 0.5)


def _sample(rows: list[LabelledPrompt], limit: int) -> list[LabelledPrompt]:
    return random.Random(0).sample(rows, limit) if len(rows) > limit else rows


def _cell(flags: np.ndarray) -> str:
    return f"{100 * flags.mean():5.1f}" if len(flags) else "    -"


def _print_table(title: str, header: Sequence[str], rows: list[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="most prompts per set (default 300)")
    parser.add_argument(
        "--speed-only", action="store_true", help="time the guard; skip quality and peers"
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="quality of this project's guard alone, in about a minute (for tuning a policy)",
    )
    args = parser.parse_args(argv)
    print("command: python -m benchmarks.prompt_safety " + shlex.join(sys.argv[1:]))

    ours, guard, verdicts = _ours()
    sets = {
        name: _sample(rows, args.limit) for name, rows in split(load_sets(), "test").items() if rows
    }
    if not args.speed_only:
        _quality(ours, guard.policy, verdicts, sets, peers=not args.no_peers)
        _context(guard.policy, verdicts, sets)
    _speed(guard, sets)


def _quality(
    ours: Detector,
    policy: Policy,
    verdicts: dict[str, Verdict],
    sets: dict[str, list[LabelledPrompt]],
    peers: bool = True,
) -> None:
    detectors = [ours]
    if peers:
        detectors += [_ldnoobw(), _better_profanity(), _alt_profanity_check(), _nsfw_bilstm()]
    cases: dict[str, list[LabelledPrompt]] = dict(sets)
    for name, rows in sets.items():
        if rows[0].label == SAFE:
            rows = rows[:BENIGN_OBFUSCATED_PER_SET]
        for kind, obfuscate in OBFUSCATIONS.items():
            cases[f"{name} +{kind}"] = [
                LabelledPrompt(obfuscate(r.text), r.label, r.source) for r in rows
            ]

    scores = {}
    for d in detectors:
        print(f"scoring {sum(map(len, cases.values()))} prompts with {d.name}", file=sys.stderr)
        scores[d.name] = {n: d.score([r.text for r in rows]) for n, rows in cases.items()}
    benign = [n for n, rows in sets.items() if rows[0].label == SAFE]

    def flagged(detector: Detector, name: str, threshold: float | None = None) -> np.ndarray:
        return scores[detector.name][name] >= (
            detector.threshold if threshold is None else threshold
        )

    our_fpr = np.concatenate([flagged(ours, n) for n in benign]).mean()
    matched: dict[str, float] = {}
    for d in detectors:
        if d.tunable:
            pooled = np.concatenate([scores[d.name][n] for n in benign])
            matched[d.name] = _threshold_blocking(pooled, our_fpr)

    header = ["set", "kind", "n", *[d.name for d in detectors], *[f"{n}@ourFP" for n in matched]]
    table = []
    for name, rows in cases.items():
        if rows[0].label == SAFE and " +" in name:
            continue  # obfuscated benign sets appear pooled only
        kind = "FP %" if rows[0].label == SAFE else "recall %"
        line = [name, kind, str(len(rows)), *[_cell(flagged(d, name)) for d in detectors]]
        line += [_cell(flagged(d, name, matched[d.name])) for d in detectors if d.name in matched]
        table.append(line)

    def pooled(names: Sequence[str]) -> list[str]:
        line = [_cell(np.concatenate([flagged(d, n) for n in names])) for d in detectors]
        line += [
            _cell(np.concatenate([flagged(d, n, matched[d.name]) for n in names]))
            for d in detectors
            if d.name in matched
        ]
        return line

    plain = [n for n in PLAIN_UNSAFE if n in sets]
    unsafe = [n for n, rows in sets.items() if rows[0].label != SAFE]
    summary = [["benign (all)", "FP %", str(sum(len(sets[n]) for n in benign)), *pooled(benign)]]
    for label, names in (
        ("benign image prompts", [n for n in benign if n not in CHAT_BENIGN]),
        ("benign chat text", [n for n in benign if n in CHAT_BENIGN]),
    ):
        summary.append([label, "FP %", str(sum(len(sets[n]) for n in names)), *pooled(names)])
    for kind in OBFUSCATIONS:
        names = [f"{n} +{kind}" for n in benign]
        summary.append(
            [f"benign +{kind}", "FP %", str(sum(len(cases[n]) for n in names)), *pooled(names)]
        )
    summary.append(
        ["plainly unsafe", "recall %", str(sum(len(sets[n]) for n in plain)), *pooled(plain)]
    )
    for kind in OBFUSCATIONS:
        names = [f"{n} +{kind}" for n in plain]
        summary.append(
            [
                f"plainly unsafe +{kind}",
                "recall %",
                str(sum(len(cases[n]) for n in names)),
                *pooled(names),
            ]
        )
    summary.append(
        ["all unsafe sets", "recall %", str(sum(len(sets[n]) for n in unsafe)), *pooled(unsafe)]
    )
    _print_table("Per set (test split; '+kind' = obfuscated copy)", header, table)
    _print_table("Pooled", header, summary)
    texts = {n: [r.text for r in sets[n]] for n in (*benign, *plain)}
    curve = [
        (
            np.mean([_blocked_under(stricter, verdicts[t]) for n in benign for t in texts[n]]),
            np.mean([_blocked_under(stricter, verdicts[t]) for n in plain for t in texts[n]]),
        )
        for stricter in (_stricter(policy, shift) for shift in STRICTER_SHIFTS)
    ]
    peers = [d for d in detectors if d.name in matched]
    _print_table(
        "At equal false-positive rates: SafeCanvas made stricter (all thresholds raised "
        "together) beside the tunable peers; plainly unsafe recall %",
        [
            "benign FP %",
            "SafeCanvas @ its FP",
            *[p.name for p in peers],
            *(["ours / best peer"] if peers else []),
        ],
        _at_equal_false_positives(
            curve, scores, peers, benign, plain, (*EQUAL_FP_RATES, float(our_fpr))
        ),
    )

    guard_verdicts = [verdicts[r.text] for n in unsafe for r in sets[n]]
    truth = [r.label for n in unsafe for r in sets[n]]
    categories = sorted({t for t in truth if t not in (SAFE, "unsafe")})
    per_category = []
    for category in categories:
        picked = [v for v, t in zip(guard_verdicts, truth, strict=True) if t == category]
        blocked = np.array([not v.allowed for v in picked])
        right = np.array([not v.allowed and v.category == category for v in picked])
        per_category.append([category, str(len(picked)), _cell(blocked), _cell(right)])
    _print_table(
        "SafeCanvas per category (unsafe test rows)",
        ["category", "n", "blocked %", "as this category %"],
        per_category,
    )


def _threshold_blocking(benign_scores: np.ndarray, share: float) -> float:
    """The score threshold at which a peer blocks `share` of the benign prompts."""
    return float(np.quantile(benign_scores, 1 - share)) + 1e-9


def _stricter(policy: Policy, shift: float) -> Policy:
    """`policy` with every category's warn and block thresholds moved `shift` up in
    log-odds: one knob that traces the guard's own trade-off between false positives and
    recall. Thresholds only rise, so the findings recorded under `policy` still hold
    every score the stricter policy can act on."""

    def raised(threshold: float) -> float:
        odds = np.log(threshold / (1 - threshold)) if 0 < threshold < 1 else None
        return threshold if odds is None else float(1 / (1 + np.exp(-(odds + shift))))

    return replace(
        policy,
        categories=tuple(
            replace(
                c,
                warn_threshold=raised(c.warn_threshold),
                block_threshold=raised(c.block_threshold),
            )
            for c in policy.categories
        ),
    )


def _blocked_under(policy: Policy, verdict: Verdict) -> bool:
    """Whether `policy` blocks a prompt whose checks gave `verdict` under a looser policy.
    Escalations are derived again; a refusal before any check ran stays a refusal."""
    findings = [f for f in verdict.findings if f.check != ESCALATION_CHECK]
    if not findings or any(f.check == ERROR_CHECK for f in findings):
        return not verdict.allowed
    kept = [
        f
        for f in findings
        if f.check != SemanticClassifier.name
        or f.score >= policy.category(f.category).warn_threshold
    ]
    return not combine_findings(policy, kept).allowed


def _at_equal_false_positives(
    our_curve: Sequence[tuple[float, float]],
    scores: dict[str, dict[str, np.ndarray]],
    peers: Sequence[Detector],
    benign: Sequence[str],
    plain: Sequence[str],
    rates: Sequence[float],
) -> list[list[str]]:
    """At each benign false-positive rate: our best plainly-unsafe recall among the
    operating points (`our_curve`, pairs of FP and recall) that stay within it, each
    tunable peer's recall at the threshold blocking that share of benign prompts, and the
    ratio of ours to the best peer's, which the issue wants at least 3 (without peers, our
    recall alone, for comparing two versions of the guard). Where even the
    strictest point blocks more benign prompts than the rate, ours counts as no recall."""
    rows = []
    for rate in rates:
        within = [(fp, recall) for fp, recall in our_curve if fp <= rate + 1e-9]
        if within:
            fp, ours = max(within, key=lambda point: point[1])
            line = [f"{100 * rate:.1f}", f"{100 * ours:5.1f} @ {100 * fp:.1f}"]
        else:  # the keyword blocks alone exceed this rate
            ours = 0.0
            line = [f"{100 * rate:.1f}", f"none (least {100 * min(our_curve)[0]:.1f})"]
        best = 0.0
        for peer in peers:
            benign_scores = np.concatenate([scores[peer.name][n] for n in benign])
            threshold = _threshold_blocking(benign_scores, rate)
            recall = float(
                (np.concatenate([scores[peer.name][n] for n in plain]) >= threshold).mean()
            )
            best = max(best, recall)
            line.append(f"{100 * recall:5.1f}")
        if peers:
            line.append(f"{ours / best:4.1f}" if best else ("inf" if ours else "n/a"))
        rows.append(line)
    return rows


def _context(
    policy: Policy, verdicts: dict[str, Verdict], sets: dict[str, list[LabelledPrompt]]
) -> None:
    """How the guard treats test prompts that mention a context category (one the policy
    allows on its own: children, public figures), which escalations make the difference for."""
    table = []
    for category in (c for c in policy.categories if c.action == Action.ALLOW):
        for kind, benign in (("benign", True), ("unsafe", False)):
            picked = [
                verdicts[r.text]
                for rows in sets.values()
                if (rows[0].label == SAFE) == benign
                for r in rows
                if any(f.category == category.id for f in verdicts[r.text].findings)
            ]
            if picked:
                blocked = np.array([not v.allowed for v in picked])
                table.append([category.id, kind, str(len(picked)), _cell(blocked)])
    _print_table(
        "SafeCanvas on test prompts that mention a context category",
        ["context", "rows", "n", "blocked %"],
        table,
    )


def _speed(guard: PromptGuard, sets: dict[str, list[LabelledPrompt]]) -> None:
    prompts = [r.text for rows in sets.values() for r in rows]
    single = random.Random(1).sample(prompts, min(300, len(prompts)))
    for text in single[:10]:
        guard.check(text)  # warm-up
    times = []
    for text in single:
        start = time.perf_counter()
        guard.check(text)
        times.append(time.perf_counter() - start)
    batch = prompts[:2048]
    start = time.perf_counter()
    guard.check_many(batch)
    rate = len(batch) / (time.perf_counter() - start)
    start = time.perf_counter()
    build_keyword_check(guard.policy)  # at start-up; grows with the lists' entries
    build = time.perf_counter() - start
    _print_table(
        "SafeCanvas speed (whole guard: normalise, keywords, MiniLM + head)",
        ["measure", "value"],
        [
            ["single prompt p50 ms", f"{1000 * np.percentile(times, 50):.1f}"],
            ["single prompt p95 ms", f"{1000 * np.percentile(times, 95):.1f}"],
            [f"batched prompts/s ({len(batch)})", f"{rate:.0f}"],
            ["keyword lists built at start-up s", f"{build:.2f}"],
        ],
    )


if __name__ == "__main__":
    main()
