from __future__ import annotations

from pathlib import Path

import pytest

from safety.keywords import build_keyword_check
from safety.normalize import normalize
from safety.policy import PolicyError, load_policy, parse_policy
from safety.verdict import Action

MINIMAL = """\
prompt_checks: [keywords]
categories:
  - id: clowns
    name: Clowns
    description: Clowns of any kind.
    examples: [a clown at a party]
    action: block
    message: No clowns here.
"""


def parse(text: str, tmp_path: Path):
    return parse_policy(text, tmp_path / "policy.yaml")


def error_line(text: str, tmp_path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        parse(text, tmp_path)
    return str(caught.value)


def test_bundled_policy_has_the_required_categories(policy):
    ids = {c.id for c in policy.categories}
    assert {
        "sexual",
        "sexual-minors",
        "graphic-violence",
        "self-harm",
        "hate",
        "harassment",
        "illegal-activity",
        "public-figure-deception",
        "private-individuals",
        "unsafe-symbol",
    } <= ids


def test_bundled_anchors_exist_in_the_usage_policy(policy):
    text = policy.usage_policy_path.read_text(encoding="utf-8")
    for category in policy.categories:
        assert category.anchor == category.id
        assert f'<a id="{category.anchor}"></a>' in text


def test_unsafe_symbol_is_a_blocked_demo_category_with_an_image_threshold(policy):
    symbol = policy.category("unsafe-symbol")
    assert symbol.action == Action.BLOCK
    assert symbol.image_threshold is not None
    assert any("skull and crossbones" in e for e in symbol.examples)
    # An output image showing it anyway is drawn again, steered away from it.
    assert symbol.output_action == Action.REGENERATE and symbol.safety_concept


def test_output_images_get_the_category_s_action_unless_image_action_says_otherwise(tmp_path):
    assert parse(MINIMAL, tmp_path).category("clowns").output_action == Action.BLOCK
    text = MINIMAL.replace(
        "action: block", "action: block\n    image_action: regenerate\n    safety_concept: a clown"
    )
    clowns = parse(text, tmp_path).category("clowns")
    assert clowns.output_action == Action.REGENERATE and clowns.safety_concept == "a clown"


def test_regenerating_without_a_concept_to_steer_from_is_rejected_with_its_line(tmp_path):
    message = error_line(MINIMAL.replace("action: block", "action: regenerate"), tmp_path)
    assert "policy.yaml:7:" in message and "needs one" in message and "safety_concept" in message
    text = MINIMAL.replace("action: block", "action: block\n    image_action: regenerate")
    assert "policy.yaml:8:" in error_line(text, tmp_path)
    text = MINIMAL.replace("action: block", "action: block\n    image_action: blur")
    assert "image_action must be one of" in error_line(text, tmp_path)


def test_minimal_policy_gets_defaults(tmp_path):
    policy = parse(MINIMAL, tmp_path)
    clowns = policy.category("clowns")
    assert clowns.anchor == "clowns"
    assert clowns.warn_threshold <= clowns.block_threshold
    assert policy.version.startswith("sha256:")
    assert policy.page.require_age_confirmation


def test_version_is_the_explicit_field_when_given(tmp_path):
    assert parse('version: "7"\n' + MINIMAL, tmp_path).version == "7"


def test_digest_changes_with_the_content(tmp_path):
    assert parse(MINIMAL, tmp_path).digest != parse(MINIMAL + "\n# edit\n", tmp_path).digest


def test_unknown_category_raises_key_error(tmp_path):
    with pytest.raises(KeyError):
        parse(MINIMAL, tmp_path).category("nope")


def test_action_for_applies_thresholds(tmp_path):
    clowns = parse(MINIMAL, tmp_path).category("clowns")
    assert clowns.action_for(0.9) == Action.BLOCK
    assert clowns.action_for(0.6) == Action.WARN
    assert clowns.action_for(0.1) == Action.ALLOW


def test_bad_action_names_the_line(tmp_path):
    message = error_line(MINIMAL.replace("action: block", "action: explode"), tmp_path)
    assert "policy.yaml:7:" in message and "action must be one of" in message


def test_threshold_out_of_range_names_the_line(tmp_path):
    text = MINIMAL.replace("action: block", "action: block\n    block_threshold: 1.5")
    assert "policy.yaml:8:" in error_line(text, tmp_path)


def test_warn_above_block_is_rejected(tmp_path):
    text = MINIMAL.replace(
        "action: block", "action: block\n    block_threshold: 0.5\n    warn_threshold: 0.7"
    )
    assert "warn_threshold must not exceed" in error_line(text, tmp_path)


def test_unknown_key_is_rejected_with_its_line(tmp_path):
    message = error_line(MINIMAL.replace("    name: Clowns", "    nmae: Clowns"), tmp_path)
    assert "policy.yaml:4:" in message and "nmae" in message


def test_missing_required_key_names_the_category(tmp_path):
    message = error_line(MINIMAL.replace("    message: No clowns here.\n", ""), tmp_path)
    assert "'message'" in message and "clowns" in message


def test_duplicate_category_ids_are_rejected(tmp_path):
    text = MINIMAL + MINIMAL.split("categories:\n", 1)[1]
    assert "duplicate category id" in error_line(text, tmp_path)


def test_bad_slug_is_rejected(tmp_path):
    assert "slug" in error_line(MINIMAL.replace("id: clowns", "id: Clown Stuff"), tmp_path)


def test_invalid_yaml_names_the_line(tmp_path):
    message = error_line(MINIMAL + "  - id: [unclosed\n", tmp_path)
    assert "not valid YAML" in message and "policy.yaml:" in message


def test_unknown_check_is_rejected(tmp_path):
    text = MINIMAL.replace("[keywords]", "[keywords, telepathy]")
    assert "policy.yaml:1:" in error_line(text, tmp_path)


def test_no_checks_at_all_is_rejected(tmp_path):
    assert "at least one check" in error_line(MINIMAL.replace("[keywords]", "[]"), tmp_path)


def test_escalation_to_an_unknown_category_is_rejected(tmp_path):
    text = MINIMAL + "escalations:\n  - when_all: [clowns, mimes]\n    category: clowns\n"
    assert "unknown category 'mimes'" in error_line(text, tmp_path)


def test_missing_anchor_in_the_usage_policy_is_rejected(tmp_path):
    (tmp_path / "usage_policy.md").write_text('<a id="other"></a>\n', encoding="utf-8")
    assert "anchor 'clowns'" in error_line(MINIMAL, tmp_path)


def test_empty_and_unreadable_files_are_errors(tmp_path):
    assert "empty" in error_line("", tmp_path)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_safe_examples_are_read_from_the_semantic_section(tmp_path):
    text = "semantic:\n  safe_examples: [a portrait of the mayor, a clown-free party]\n" + MINIMAL
    assert parse(text, tmp_path).safe_examples == ("a portrait of the mayor", "a clown-free party")
    assert parse(MINIMAL, tmp_path).safe_examples == ()


def test_the_other_language_word_list_is_read_from_the_semantic_section(tmp_path):
    text = "semantic:\n  other_language_words: languages/words.txt\n" + MINIMAL
    policy = parse(text, tmp_path)
    assert policy.other_language_words == "languages/words.txt"
    assert "languages/words.txt" in policy.files
    assert parse(MINIMAL, tmp_path).other_language_words is None


def test_an_empty_safe_example_names_the_line(tmp_path):
    text = "semantic:\n  safe_examples:\n    - a portrait of the mayor\n    - ''\n" + MINIMAL
    assert "policy.yaml:4:" in error_line(text, tmp_path)


def test_a_classifier_stand_in_is_read_with_its_blocklist(tmp_path):
    text = MINIMAL + "    blocklist: clowns.txt\n    classifier_stand_in: a person\n"
    assert parse(text, tmp_path).category("clowns").classifier_stand_in == "a person"
    assert parse(MINIMAL, tmp_path).category("clowns").classifier_stand_in is None


def test_a_classifier_stand_in_without_a_blocklist_names_the_line(tmp_path):
    message = error_line(MINIMAL + "    classifier_stand_in: a person\n", tmp_path)
    assert "policy.yaml:9:" in message and "needs a blocklist" in message


def test_keywords_written_in_the_policy_are_matched_like_blocklist_entries(tmp_path):
    text = (
        "keywords:\n  allow: [honk honk]\n"
        + MINIMAL
        + "    keywords: ['honk*', 'red nose?']\n    classifier_stand_in: an entertainer\n"
    )
    policy = parse(text, tmp_path)
    assert policy.category("clowns").keywords == ("honk*", "red nose?")
    check = build_keyword_check(policy)

    def hits(prompt: str) -> set[str]:
        return {f.category for f in check.check(normalize(prompt))}

    assert hits("a h0nking crowd") == {"clowns"}  # obfuscated, and a prefix entry
    assert hits("a h o n k") == {"clowns"}
    assert hits("the geese went honk honk") == set()  # the policy's own allowlist entry
    assert hits("a cat") == set()


SUPPORTED = (
    MINIMAL
    + """\
    classifier_support: {jugglers: 0.1}
  - id: jugglers
    name: Jugglers
    description: Jugglers of any kind.
    examples: [a juggler with five balls]
    action: allow
    message: Jugglers are fine.
"""
)


def test_classifier_support_names_other_categories_with_their_scores(tmp_path):
    assert parse(SUPPORTED, tmp_path).category("clowns").classifier_support == (("jugglers", 0.1),)
    assert parse(MINIMAL, tmp_path).category("clowns").classifier_support == ()


@pytest.mark.parametrize(
    ("support", "complaint"),
    [
        ("{acrobats: 0.1}", "names 'acrobats', which is not another category"),
        ("{clowns: 0.1}", "names 'clowns', which is not another category"),
        ("{jugglers: 2}", "a support score must be a number from 0.0 to 1.0"),
        ("[jugglers]", "classifier_support must map category ids to scores"),
    ],
)
def test_a_classifier_support_that_cannot_be_used_names_the_line(tmp_path, support, complaint):
    message = error_line(SUPPORTED.replace("{jugglers: 0.1}", support), tmp_path)
    assert "policy.yaml:9:" in message and complaint in message
