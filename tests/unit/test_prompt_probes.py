"""The hand-written prompt probes and how their benchmark counts verdicts."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.prompt_probes import PROBE_SETS, Probe, load_probes, tabulate, total
from safety.prompt_datasets import SAFE
from safety.verdict import Action, Verdict


@pytest.mark.parametrize("name", sorted(PROBE_SETS))
def test_every_probe_is_labelled_safe_or_with_a_policy_category(policy, name):
    categories = {category.id for category in policy.categories}
    probes = load_probes(name)
    assert {probe.label for probe in probes} <= categories | {SAFE}
    assert all(probe.prompt.strip() and probe.group.strip() for probe in probes)
    assert len({probe.prompt for probe in probes}) == len(probes), "a probe is repeated"


def test_each_language_has_unsafe_and_benign_probes_in_equal_numbers():
    probes = load_probes("multilingual")
    for language in {probe.group for probe in probes}:
        labels = Counter(p.label == SAFE for p in probes if p.group == language)
        assert labels[True] == labels[False] > 0, language


def test_each_everyday_topic_has_benign_probes_and_an_unsafe_one():
    probes = load_probes("everyday")
    for topic in {probe.group for probe in probes}:
        labels = Counter(p.label == SAFE for p in probes if p.group == topic)
        assert labels[True] >= 5 and labels[False] >= 1, topic


def test_a_group_row_counts_blocks_under_any_rule_and_under_the_labelled_one():
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
    first, second = rows = tabulate(probes, verdicts)
    assert (first.group, first.unsafe, first.blocked, first.as_labelled) == ("xx", 2, 2, 1)
    assert (first.benign, first.benign_blocked, first.benign_warned) == (1, 0, 1)
    assert (second.group, second.benign, second.benign_blocked) == ("yy", 1, 1)
    assert second.benign_warned == 0
    summed = total(rows)
    assert (summed.group, summed.unsafe, summed.blocked, summed.as_labelled) == ("all", 2, 2, 1)
    assert (summed.benign, summed.benign_blocked, summed.benign_warned) == (2, 1, 1)
