from __future__ import annotations

import dataclasses
import gc
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety.guard import GuardLoadError, PromptGuard, build_prompt_guard, combine_findings
from safety.keywords import KeywordCheck, build_keyword_check
from safety.normalize import NormalizedText
from safety.other_languages import OtherLanguageWords
from safety.semantic import SemanticClassifier
from safety.verdict import Action, Finding

BLOCKED_PHRASES = ["nude", "naked", "porn", "gore", "skull and crossbones", "jolly roger"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
LOOK_ALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "s": "ѕ", "i": "і"}


def finding(check: str, category: str, score: float) -> Finding:
    return Finding(check=check, category=category, score=score, evidence="test evidence")


def test_no_findings_allow(policy):
    verdict = combine_findings(policy, [])
    assert verdict.action == Action.ALLOW and verdict.category is None and verdict.message == ""


def test_keyword_finding_applies_the_category_action(policy):
    verdict = combine_findings(policy, [finding("keywords", "graphic-violence", 1.0)])
    assert verdict.action == Action.BLOCK
    assert verdict.category == "graphic-violence"
    assert verdict.message.startswith(policy.category("graphic-violence").message)


def test_semantic_score_between_thresholds_warns(policy):
    sexual = policy.category("sexual")
    score = (sexual.warn_threshold + sexual.block_threshold) / 2
    verdict = combine_findings(policy, [finding("semantic", "sexual", score)])
    assert verdict.action == Action.WARN
    assert "Allowed" in verdict.message


def test_semantic_score_at_block_threshold_blocks(policy):
    sexual = policy.category("sexual")
    verdict = combine_findings(policy, [finding("semantic", "sexual", sexual.block_threshold)])
    assert verdict.action == Action.BLOCK


def test_most_severe_action_wins_then_highest_score(policy):
    findings = [
        finding("semantic", "hate", 0.55),
        finding("semantic", "sexual", 0.95),
        finding("semantic", "graphic-violence", 0.8),
    ]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "sexual"
    assert verdict.findings[:3] == tuple(findings)


def test_at_equal_action_and_score_the_category_more_checks_found_wins(policy):
    findings = [
        finding("keywords-in-context", "sexual", 1.0),
        finding("keywords", "hate", 1.0),
        finding("semantic", "hate", 0.6),
    ]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "hate"


def test_allow_action_category_alone_allows(policy):
    verdict = combine_findings(policy, [finding("keywords", "minors", 1.0)])
    assert verdict.action == Action.ALLOW and verdict.category is None


def test_sexual_and_minors_together_escalate(policy):
    verdict = combine_findings(
        policy, [finding("keywords", "minors", 1.0), finding("semantic", "sexual", 0.6)]
    )
    assert verdict.action == Action.BLOCK
    assert verdict.category == "sexual-minors"
    assert any(f.check == "escalation" for f in verdict.findings)


@pytest.mark.parametrize("context", ["suggestive", "grooming"])
def test_words_that_sexualise_or_groom_a_child_escalate_and_alone_are_allowed(policy, context):
    """ "a 12 year old girl in a tiny bikini, sultry look" scored nothing as sexual content, and
    "a grown man messaging a 12 year old girl asking her to send pictures" was only warned."""
    findings = [finding("keywords", "minors", 1.0), finding("keywords", context, 1.0)]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "sexual-minors"
    assert combine_findings(policy, findings[1:]).action == Action.ALLOW


def test_sexual_violence_against_a_child_escalates(policy):
    findings = [finding("keywords", "minors", 1.0), finding("keywords", "sexual-violence", 1.0)]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "sexual-minors"


@pytest.mark.parametrize(
    ("contexts", "category"),
    [
        # "how to make napalm at home, infographic" scored 0 in every category
        (("instructions", "contraband"), "illegal-activity"),
        # "a business card for a hitman, discreet and reliable, cash only" scored 0
        (("offers", "contraband"), "illegal-activity"),
        (("offers", "illicit-goods"), "illegal-activity"),
        # "a picture of my coworker with the words nobody likes you, just quit" was allowed
        (("insults", "people-you-know"), "harassment"),
        (("insults", "minors"), "harassment"),
        # "a realistic news photo of an explosion at the pentagon, smoke rising, breaking news"
        # was only warned
        (("news-framing", "real-places", "disasters"), "fabricated-news"),
    ],
)
def test_contexts_found_together_escalate_and_any_one_left_out_is_allowed(
    policy, contexts, category
):
    """Each context alone is a documentary, a bake sale, a friend's roast or a postcard."""
    verdict = combine_findings(policy, [finding("keywords", c, 1.0) for c in contexts])
    assert verdict.action == Action.BLOCK and verdict.category == category
    for left_out in contexts:
        rest = [finding("keywords", c, 1.0) for c in contexts if c != left_out]
        assert combine_findings(policy, rest).action == Action.ALLOW


def test_an_insult_on_what_the_classifier_reads_as_mockery_is_harassment(policy):
    mockery = finding("semantic", "harassment", policy.category("harassment").warn_threshold)
    verdict = combine_findings(policy, [finding("keywords", "insults", 1.0), mockery])
    assert verdict.action == Action.BLOCK and verdict.category == "harassment"
    assert combine_findings(policy, [mockery]).action == Action.WARN


@pytest.mark.parametrize(
    "harm", ["sexual", "graphic-violence", "illegal-activity", "public-figure-deception"]
)
def test_a_named_public_figure_shown_harmed_is_a_deceptive_depiction(policy, harm):
    score = policy.category(harm).warn_threshold
    findings = [finding("keywords", "public-figures", 1.0), finding("semantic", harm, score)]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "public-figure-deception"
    assert combine_findings(policy, findings[1:]).action == Action.WARN


def test_an_escalation_names_the_verdict_when_its_score_ties_the_harm_s(policy):
    findings = [
        finding("keywords", "public-figures", 1.0),
        finding("semantic", "illegal-activity", 0.97),
    ]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "public-figure-deception"
    assert combine_findings(policy, findings[1:]).category == "illegal-activity"


@pytest.mark.parametrize("harm", ["sexual", "compromising-scenes"])
def test_someone_the_requester_knows_shown_sexualised_or_compromised_is_a_private_individual(
    policy, harm
):
    score = policy.category(harm).warn_threshold
    findings = [finding("keywords", "people-you-know", 1.0), finding("semantic", harm, score)]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "private-individuals"


@pytest.mark.parametrize(
    "harm", ["graphic-violence", "hate", "harassment", "self-harm", "illegal-activity"]
)
def test_other_harms_to_someone_the_requester_knows_keep_their_own_rule(policy, harm):
    """At warn level the classifier reads these into everyday scenes ("my uncle butchering
    a pig on the farm"), which a relation makes no worse."""
    findings = [
        finding("keywords", "people-you-know", 1.0),
        finding("semantic", harm, policy.category(harm).warn_threshold),
    ]
    assert combine_findings(policy, findings).action == Action.WARN


def test_someone_the_requester_knows_alone_is_allowed(policy):
    verdict = combine_findings(policy, [finding("keywords", "people-you-know", 1.0)])
    assert verdict.action == Action.ALLOW and verdict.message == ""


def test_a_named_public_figure_alone_is_allowed(policy):
    verdict = combine_findings(policy, [finding("keywords", "public-figures", 1.0)])
    assert verdict.action == Action.ALLOW and verdict.message == ""


class RecordingClassifier(SemanticClassifier):
    """Stands in for the classifier model: records what it reads, reports one finding."""

    def __init__(self, score: float = 0.9) -> None:
        self.read: list[str] = []
        self.score = score

    def check_many(self, texts):
        self.read += texts
        return [(finding("semantic", "graphic-violence", self.score),) for _ in texts]


def test_the_classifier_reads_names_as_their_stand_in_and_moderators_see_it(policy):
    classifier = RecordingClassifier()
    guard = PromptGuard(policy, build_keyword_check(policy), classifier)
    verdict = guard.check("Hillary Clinton being beaten by a mob")
    assert classifier.read == ["a person being beaten by a mob"]
    assert verdict.category == "public-figure-deception"
    assert 'read as "a person being beaten by a mob"' in verdict.explanation
    guard.check("a crowd at a rally")
    assert classifier.read[-1] == "a crowd at a rally"


def test_the_classifier_warns_at_most_on_prompts_mostly_in_scripts_it_reads_transliterated(
    policy,
):
    classifier = RecordingClassifier(score=0.99)
    guard = PromptGuard(policy, build_keyword_check(policy), classifier)
    verdict = guard.check("девушка в парке")  # a girl in the park
    assert classifier.read == ["devyshka v papke"]  # look-alikes folded, as in training
    assert (verdict.action, verdict.category) == (Action.WARN, "graphic-violence")
    assert [f.check for f in verdict.findings] == [SemanticClassifier.foreign_name]
    assert "warns at most: 100% of the letters" in verdict.explanation
    assert guard.check("a girl in the park, 公园里的女孩").action is Action.BLOCK  # mostly English


def test_words_in_latin_letters_are_also_read_alone_so_padding_cannot_soften_a_block(policy):
    classifier = RecordingClassifier(score=0.99)
    guard = PromptGuard(policy, build_keyword_check(policy), classifier)
    verdict = guard.check("a man whose head was cut off " + "的" * 40)
    assert classifier.read[-1] == "a man whose head was cut off"
    assert verdict.action is Action.BLOCK
    assert 'read as "a man whose head was cut off"' in verdict.explanation


# A few Indonesian words, as the shipped list has them (assets/languages/).
INDONESIAN = OtherLanguageWords(
    frozenset({"seorang", "anak", "laki", "bermain", "layang", "pantai", "dengan", "yang"})
)


def test_the_classifier_warns_at_most_on_prompts_mostly_in_other_languages(policy):
    classifier = RecordingClassifier(score=0.99)
    guard = PromptGuard(policy, build_keyword_check(policy), classifier, INDONESIAN)
    verdict = guard.check("seorang anak laki-laki bermain layang-layang di pantai")  # a boy
    assert (verdict.action, verdict.category) == (Action.WARN, "graphic-violence")  # with a kite
    assert [f.check for f in verdict.findings] == [SemanticClassifier.foreign_name]
    assert "warns at most: 96% of the letters are in other scripts or languages" in (
        verdict.explanation
    )
    assert guard.check("a boy playing with a kite on the pantai").action is Action.BLOCK


def test_english_words_are_read_alone_so_padding_with_another_language_cannot_soften_a_block(
    policy,
):
    classifier = RecordingClassifier(score=0.99)
    guard = PromptGuard(policy, build_keyword_check(policy), classifier, INDONESIAN)
    verdict = guard.check("a man whose head was cut off" + " seorang anak bermain" * 8)
    assert classifier.read[-1] == "a man whose head was cut off"
    assert verdict.action is Action.BLOCK


def test_fewer_than_three_english_words_left_are_not_read_alone(policy):
    classifier = RecordingClassifier(score=0.99)
    guard = PromptGuard(policy, build_keyword_check(policy), classifier, INDONESIAN)
    verdict = guard.check("seorang anak yang bermain di pantai dengan man")  # "di", "man" left
    assert classifier.read == ["seorang anak yang bermain di pantai dengan man"]
    assert verdict.action is Action.WARN


def test_a_prompt_with_nothing_left_for_the_classifier_is_not_classified(policy):
    classifier = RecordingClassifier()
    guard = PromptGuard(policy, build_keyword_check(policy), classifier)
    assert guard.check("nudę").action is Action.ALLOW  # Polish for boredom, allowlisted
    assert classifier.read == []


def test_findings_on_transliterated_prompts_neither_escalate_nor_give_context(policy):
    transliterated = dataclasses.replace(
        finding(SemanticClassifier.foreign_name, "sexual", 0.99), at_most=Action.WARN
    )
    verdict = combine_findings(policy, [transliterated, finding("keywords", "minors", 1.0)])
    assert (verdict.action, verdict.category) == (Action.WARN, "sexual")
    verdict = combine_findings(
        policy,
        [
            dataclasses.replace(
                finding(SemanticClassifier.foreign_name, "hate", 0.6), at_most=Action.WARN
            ),
            finding("keywords-in-context", "hate", 1.0),
        ],
    )
    assert verdict.action is Action.WARN


def test_a_needs_context_keyword_alone_only_warns(policy):
    verdict = combine_findings(policy, [finding("keywords-in-context", "hate", 1.0)])
    assert verdict.action == Action.WARN and verdict.allowed
    assert verdict.category == "hate"


def test_a_needs_context_keyword_blocks_when_the_classifier_finds_any_harm(policy):
    sexual = policy.category("sexual")
    findings = [
        finding("keywords-in-context", "sexual", 1.0),
        finding("semantic", "hate", policy.category("hate").warn_threshold),
    ]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.BLOCK and verdict.category == "sexual"
    assert verdict.message.startswith(sexual.message)


def test_a_classifier_finding_in_an_allowed_category_is_no_context(policy):
    findings = [finding("keywords-in-context", "hate", 1.0), finding("semantic", "minors", 0.95)]
    assert combine_findings(policy, findings).action == Action.WARN


def test_a_needs_context_keyword_does_not_escalate_on_its_own(policy):
    findings = [finding("keywords", "minors", 1.0), finding("keywords-in-context", "sexual", 1.0)]
    verdict = combine_findings(policy, findings)
    assert verdict.action == Action.WARN
    assert not any(f.check == "escalation" for f in verdict.findings)


def test_without_the_classifier_needs_context_keywords_count_in_full(policy):
    keywords_only = dataclasses.replace(policy, prompt_checks=("keywords",))
    verdict = combine_findings(keywords_only, [finding("keywords-in-context", "hate", 1.0)])
    assert verdict.action == Action.BLOCK


def test_explanation_names_checks_and_evidence_for_moderators(policy):
    verdict = combine_findings(policy, [finding("keywords", "hate", 1.0)])
    assert "keywords" in verdict.explanation and "test evidence" in verdict.explanation
    assert verdict.policy_version == policy.version


def test_user_message_never_echoes_the_matched_term(keyword_guard):
    verdict = keyword_guard.check("a portrait captioned with a kike slur")
    assert verdict.action == Action.BLOCK and verdict.category == "hate"
    assert "kike" not in verdict.message
    assert "kike" in verdict.explanation


def test_blocked_prompt_through_the_real_guard(keyword_guard):
    verdict = keyword_guard.check("a n 4 k 3 d woman on a beach")
    assert verdict.action == Action.BLOCK and verdict.category == "sexual"


def test_negative_prompt_asking_to_avoid_clothes_blocks(keyword_guard):
    assert keyword_guard.check("a woman on a beach", "clothes, blurry").category == "sexual"
    assert keyword_guard.check("a woman on a beach", "blurry, nude").action == Action.ALLOW


def test_slur_in_negative_prompt_blocks_where_policy_says_so(keyword_guard):
    assert keyword_guard.check("a park", "kikes").category == "hate"


@pytest.mark.parametrize("prompt", ["", "   ", "\u200b\u200b", "🙂", "猫がソファで寝ている"])
def test_empty_and_other_script_prompts_get_a_verdict(keyword_guard, prompt):
    assert keyword_guard.check(prompt).action == Action.ALLOW


def test_overlong_prompt_is_refused_with_a_clear_message(keyword_guard, policy):
    verdict = keyword_guard.check("a cat " * 20_000)
    assert verdict.action == Action.BLOCK
    assert f"{policy.max_prompt_chars:,}" in verdict.message


def test_non_text_prompt_is_refused(keyword_guard):
    assert keyword_guard.check(None).action == Action.BLOCK  # type: ignore[arg-type]


def test_invalid_utf8_bytes_and_surrogates_are_checked(keyword_guard):
    assert keyword_guard.check(b"nu\xffde \xfe").action == Action.ALLOW  # type: ignore[arg-type]
    assert keyword_guard.check("n\ud800ude").action == Action.ALLOW
    assert keyword_guard.check(b"a nude \xff woman").category == "sexual"  # type: ignore[arg-type]


def test_check_many_matches_check(keyword_guard):
    prompts = ["a cat", "a nude woman", "gore everywhere", ""]
    assert keyword_guard.check_many(prompts) == [keyword_guard.check(p) for p in prompts]


class BrokenKeywordCheck(KeywordCheck):
    """Error injection: a check that fails at run time, as a corrupt model would."""

    def __init__(self) -> None:
        pass

    def check(self, prompt: NormalizedText) -> tuple[Finding, ...]:
        raise RuntimeError("boom")


def test_a_failing_check_fails_closed_and_logs(policy, caplog):
    guard = PromptGuard(policy, BrokenKeywordCheck(), None)
    with caplog.at_level(logging.ERROR, logger="safety.guard"):
        verdict = guard.check("a cat")
    assert verdict.action == Action.BLOCK
    assert verdict.message == policy.input_error_message
    assert "boom" in verdict.explanation and "boom" not in verdict.message
    assert "failed" in caplog.text


def test_guard_refuses_to_build_when_a_named_check_cannot_load(policy, tmp_path: Path):
    with pytest.raises(GuardLoadError, match="cannot load"):
        build_prompt_guard(dataclasses.replace(policy, prompt_checks=("keywords",)), tmp_path)
    broken = dataclasses.replace(policy, classifier_head="classifiers/missing.npz")
    with pytest.raises(GuardLoadError, match=r"missing\.npz"):
        build_prompt_guard(broken)
    broken = dataclasses.replace(policy, other_language_words="languages/missing.txt")
    with pytest.raises(GuardLoadError, match=r"missing\.txt"):
        build_prompt_guard(broken)


def test_a_built_guard_s_lists_are_exempt_from_collection_and_the_collector_is_back_on(policy):
    """The lists are built without the collector and frozen after, so that full collections
    during a batch do not walk them; the collector runs again afterwards, and also after a
    build that fails."""
    keywords_only = dataclasses.replace(policy, prompt_checks=("keywords",))
    frozen_before = gc.get_freeze_count()
    guard = build_prompt_guard(keywords_only)
    assert gc.isenabled()
    assert gc.get_freeze_count() - frozen_before > 100_000
    assert guard.check("a cat").action == Action.ALLOW
    with pytest.raises(GuardLoadError):
        build_prompt_guard(dataclasses.replace(keywords_only, allowlist="blocklists/missing.txt"))
    assert gc.isenabled()


@settings(max_examples=150, deadline=None)
@given(prompt=st.text(max_size=300), negative=st.text(max_size=100))
def test_guard_never_raises(keyword_guard, prompt, negative):
    verdict = keyword_guard.check(prompt, negative)
    assert verdict.action in set(Action)


@settings(max_examples=60, deadline=None)
@given(prompt=st.binary(max_size=200))
def test_guard_never_raises_on_arbitrary_bytes(keyword_guard, prompt):
    assert keyword_guard.check(prompt).action in set(Action)  # type: ignore[arg-type]


def _disguise(phrase: str, data: st.DataObject) -> str:
    out = []
    for char in phrase:
        if char.isalpha():
            kind = data.draw(st.sampled_from(["same", "zero-width", "homoglyph", "upper"]))
            if kind == "homoglyph" and char in LOOK_ALIKES:
                char = LOOK_ALIKES[char]
            elif kind == "upper":
                char = char.upper()
            elif kind == "zero-width":
                char += data.draw(st.sampled_from(ZERO_WIDTH))
        out.append(char)
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(phrase=st.sampled_from(BLOCKED_PHRASES), data=st.data())
def test_zero_width_and_homoglyphs_inside_a_blocked_phrase_keep_it_blocked(
    keyword_guard, phrase, data
):
    disguised = _disguise(phrase, data)
    assert keyword_guard.check(f"a photo with {disguised} in it").action == Action.BLOCK


@settings(max_examples=100, deadline=None)
@given(
    phrase=st.sampled_from([p for p in BLOCKED_PHRASES if " " not in p]),
    separator=st.sampled_from([" ", ".", "-", "_", "*", "..", " . "]),
)
def test_separators_inside_a_blocked_word_keep_it_blocked(keyword_guard, phrase, separator):
    assert keyword_guard.check(f"the {separator.join(phrase)} picture").action == Action.BLOCK


def test_a_finding_capped_at_warn_warns_whatever_its_score_and_escalates_nothing(policy):
    capped = dataclasses.replace(finding("semantic", "sexual", 0.99), at_most=Action.WARN)
    verdict = combine_findings(policy, [capped])
    assert (verdict.action, verdict.category) == (Action.WARN, "sexual")
    verdict = combine_findings(policy, [capped, finding("keywords", "minors", 1.0)])
    assert (verdict.action, verdict.category) == (Action.WARN, "sexual")  # sexual + minors
    uncapped = combine_findings(policy, [finding("semantic", "sexual", 0.99)])
    assert uncapped.action is Action.BLOCK


def test_a_listed_word_of_sex_gives_a_capped_reading_of_a_child_its_support(policy):
    capped = dataclasses.replace(
        finding("semantic", "sexual-minors", 0.8), at_most=Action.WARN, evidence="p (needs)"
    )
    verdict = combine_findings(policy, [capped, finding("keywords", "suggestive", 1.0)])
    assert (verdict.action, verdict.category) == (Action.BLOCK, "sexual-minors")
    assert "supported by keywords: suggestive" in verdict.explanation
    alone = combine_findings(policy, [capped, finding("keywords", "people-you-know", 1.0)])
    assert alone.action is Action.WARN
    foreign = dataclasses.replace(capped, check=SemanticClassifier.foreign_name)
    read_abroad = combine_findings(policy, [foreign, finding("keywords", "suggestive", 1.0)])
    assert read_abroad.action is Action.WARN  # a reading capped for its language stays capped
