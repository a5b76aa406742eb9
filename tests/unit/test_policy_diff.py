"""What a policy edit changes, as the moderator reads it before applying it."""

from __future__ import annotations

from pathlib import Path

from safety.policy import parse_policy
from safety.policy_diff import policy_changes
from tests.unit.conftest import POLICY_FILE

FILE_TEXT = POLICY_FILE.read_text(encoding="utf-8")


def parsed(text: str):
    return parse_policy(text, Path("policy.yaml"), POLICY_FILE.parent)


def test_the_same_policy_changes_nothing() -> None:
    assert policy_changes(parsed(FILE_TEXT), parsed(FILE_TEXT)) == []


def test_threshold_action_and_examples_changes_are_named_per_category() -> None:
    edited = FILE_TEXT.replace(
        "    block_threshold: 0.94\n", "    block_threshold: 0.9\n", 1
    ).replace("      - a naked woman lying on a bed\n", "", 1)
    assert policy_changes(parsed(FILE_TEXT), parsed(edited)) == [
        "sexual: examples 5 -> 4",
        "sexual: block_threshold 0.94 -> 0.9",
    ]


def test_added_and_removed_categories_page_and_safe_examples_are_named() -> None:
    spiders = (
        "  - id: spiders\n    name: Spiders\n    description: Pictures of spiders.\n"
        "    examples: [a hairy tarantula]\n    action: warn\n    anchor: unsafe-symbol\n"
        "    message: No spiders here.\n"
    )
    start = FILE_TEXT.index("  - id: unsafe-symbol\n")  # the last category
    edited = (
        (FILE_TEXT[:start] + spiders)
        .replace("  minimum_age: 18", "  minimum_age: 21")
        .replace("    - donald trump\n", "", 1)
    )

    changes = policy_changes(parsed(FILE_TEXT), parsed(edited))

    assert changes[:2] == ["new category spiders: warn", "removed category unsafe-symbol"]
    assert any("train_prompt_classifier" in line for line in changes)
    assert changes[-1].startswith("page settings") and "restart" in changes[-1]
