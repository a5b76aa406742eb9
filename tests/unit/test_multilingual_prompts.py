"""The hand-written multilingual probes and how their benchmark counts verdicts."""

from __future__ import annotations

from collections import Counter

from benchmarks.multilingual_prompts import Probe, load_probes, tabulate
from safety.prompt_datasets import SAFE
from safety.verdict import Action, Verdict


def test_every_probe_is_labelled_safe_or_with_a_policy_category(policy):
    categories = {category.id for category in policy.categories}
    probes = load_probes()
    assert {probe.label for probe in probes} <= categories | {SAFE}
    assert all(probe.prompt.strip() for probe in probes)


def test_each_language_has_unsafe_and_benign_probes_in_equal_numbers():
    probes = load_probes()
    for language in {probe.language for probe in probes}:
        labels = Counter(p.label == SAFE for p in probes if p.language == language)
        assert labels[True] == labels[False] > 0, language


def test_a_language_row_counts_blocks_under_any_rule_and_under_the_labelled_one():
    probes = [
        Probe("xx", "sexual", "one"),
        Probe("xx", "graphic-violence", "two"),
        Probe("xx", SAFE, "three"),
        Probe("yy", SAFE, "four"),
    ]
    verdicts = [
        Verdict(Action.BLOCK, "sexual"),
        Verdict(Action.BLOCK, "hate"),
        Verdict(Action.WARN, "sexual"),
        Verdict(Action.BLOCK, "sexual"),
    ]
    first, second = tabulate(probes, verdicts)
    assert (first.language, first.unsafe, first.blocked, first.as_labelled) == ("xx", 2, 2, 1)
    assert (first.benign, first.benign_blocked, first.benign_warned) == (1, 0, 1)
    assert (second.language, second.benign, second.benign_blocked) == ("yy", 1, 1)
    assert second.benign_warned == 0
