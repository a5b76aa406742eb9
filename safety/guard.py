"""Decide whether a prompt may be generated: run the checks, combine their findings.

The guard is the one place that turns findings into an action. It fails
closed: a check that raises blocks the request (and logs why), and
`build_prompt_guard` refuses to build a guard when a check the policy names
cannot load, so a broken safety stack cannot go live unnoticed.
"""

from __future__ import annotations

import gc
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from safety.keywords import BlocklistError, KeywordCheck, build_keyword_check
from safety.normalize import NormalizedText, normalize
from safety.other_languages import OtherLanguageWords, OtherLanguageWordsError
from safety.policy import Policy
from safety.semantic import (
    ClassifierLoadError,
    Embedder,
    SemanticClassifier,
    build_semantic_classifier,
)
from safety.verdict import Action, Finding, Verdict

logger = logging.getLogger(__name__)

ERROR_CHECK = "guard"
ESCALATION_CHECK = "escalation"
KEYWORD_CHECKS = (KeywordCheck.name, KeywordCheck.context_name)
# The classifier reads English. A prompt with more than this share of its letters in other
# scripts reaches it transliterated ("malen kaya devochka c vozdyshnym shapom"), which it
# was not trained on, so its scores there are mostly noise: that Russian "little girl with
# a balloon" scored 0.99 for sexual content. Not all noise: English spelled in Cyrillic
# ("нейкед вумен") reads as English again. Words of other languages in Latin letters are
# noise to it too (see safety/other_languages.py). So on a prompt mostly in either, its
# findings warn at most, and the blocklists, and the checks on the images drawn, do the
# rest. The prompt's English words are also read alone, with full weight, so that padding
# an English prompt with another script or language does not turn a block into a warning.
MOST_LETTERS_UNREAD = 0.5
# Read alone, only this many of the prompt's English words, of three letters or more, make a
# reading: fewer are mostly the other language's short words that English has too, and the
# classifier reads noise into them (Czech "malé dítě si hraje s míčem na zahradě", a small
# child playing with a ball in the garden, left "male si s na": 0.95 for sexual content).
ENOUGH_WORDS_TO_READ = 3
_READABLE_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class ClassifierJob:
    """One reading of one prompt by the classifier, and the check its findings go under."""

    index: int
    read_as: str
    check: str
    unread_share: float


class GuardLoadError(RuntimeError):
    """A check that the policy names cannot load; the app must not start."""


def corroborated(policy: Policy, findings: Iterable[Finding]) -> bool:
    """Whether the classifier found the prompt harmful in some category that is not
    allowed outright: the context that makes a needs-context keyword count in full.
    Under a policy without the classifier nothing can supply context, so every
    keyword counts in full."""
    if SemanticClassifier.name not in policy.prompt_checks:
        return True
    return any(
        f.check == SemanticClassifier.name and policy.category(f.category).action != Action.ALLOW
        for f in findings
    )


def finding_action(policy: Policy, finding: Finding, in_context: bool) -> Action:
    """What one finding asks for under the policy: keyword hits apply the category's
    action outright, classifier scores apply it from the category's thresholds, and a
    needs-context keyword without the classifier's support (`in_context`) only warns.
    No finding asks for more than its `at_most`."""
    category = policy.category(finding.category)
    if finding.check in (SemanticClassifier.name, SemanticClassifier.foreign_name):
        action = category.action_for(finding.score)
    elif finding.check == KeywordCheck.context_name and not in_context:
        action = min(category.action, Action.WARN, key=lambda a: a.severity)
    else:
        action = category.action
    if finding.at_most is None:
        return action
    return min(action, finding.at_most, key=lambda a: a.severity)


def with_keyword_support(policy: Policy, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """`findings`, where a classifier finding capped for want of `classifier_support` has it
    from a listed word: a suggestive word beside the head's reading of a child ("an eleven
    year old wearing a thong") is the sign of sex that its sexual score did not show."""
    supported = []
    for finding in findings:
        # Only the classifier's own capped readings can be supported; the policy is looked
        # up for them alone, since this runs for every prompt.
        if finding.check == SemanticClassifier.name and finding.at_most is not None:
            needs = dict(policy.category(finding.category).classifier_support)
            support = next(
                (
                    f
                    for f in findings
                    if f.check in KEYWORD_CHECKS and f.score >= needs.get(f.category, math.inf)
                ),
                None,
            )
            if support is not None:
                note = f" (supported by {support.check}: {support.category})"
                finding = replace(finding, at_most=None, evidence=finding.evidence + note)
        supported.append(finding)
    return tuple(supported)


def escalate(policy: Policy, findings: Sequence[Finding], in_context: bool) -> tuple[Finding, ...]:
    """Findings for the policy's escalations whose categories were all found together;
    needs-context keywords take part only `in_context`."""
    present: dict[str, float] = {}
    for finding in findings:
        if finding.at_most is not None:
            continue
        if finding.check == KeywordCheck.context_name and not in_context:
            continue
        if finding.score >= policy.category(finding.category).warn_threshold:
            present[finding.category] = max(present.get(finding.category, 0.0), finding.score)
    return tuple(
        Finding(
            check=ESCALATION_CHECK,
            category=rule.category,
            score=min(present[c] for c in rule.when_all),
            evidence="found together: " + " + ".join(rule.when_all),
        )
        for rule in policy.escalations
        if all(c in present for c in rule.when_all)
    )


def _as_read(
    findings: Iterable[Finding], text: NormalizedText, job: ClassifierJob
) -> tuple[Finding, ...]:
    """The classifier's findings on what `job` read, reported under its check, saying what
    it read where that was not the prompt's readable text (stand-ins for names, or its
    English words alone) and why a reading of a mostly foreign prompt warns at most."""
    note = "" if job.read_as == text.readable else f' (read as "{job.read_as}")'
    if job.check == SemanticClassifier.foreign_name:
        note += (
            f" (warns at most: {job.unread_share:.0%} of the letters are in other scripts or"
            " languages, which the classifier was not trained on)"
        )
    cap = Action.WARN if job.check == SemanticClassifier.foreign_name else None
    return tuple(
        replace(f, check=job.check, evidence=f.evidence + note, at_most=_lower_cap(f.at_most, cap))
        for f in findings
    )


def _lower_cap(cap: Action | None, other: Action | None) -> Action | None:
    caps = [c for c in (cap, other) if c is not None]
    return min(caps, key=lambda a: a.severity) if caps else None


def _describe(policy: Policy, finding: Finding) -> str:
    name = policy.category(finding.category).name
    return f"{finding.check} -> {name} [{finding.category}] {finding.score:.2f}: {finding.evidence}"


def _user_message(policy: Policy, action: Action, category_id: str) -> str:
    category = policy.category(category_id)
    if action == Action.ALLOW:
        return ""
    if action == Action.WARN:
        text = f"Allowed, but this request comes close to the rule on {category.name.lower()}."
    else:
        text = category.message
    return f"{text} {category.rephrase_hint}".strip()


def combine_findings(policy: Policy, findings: Iterable[Finding]) -> Verdict:
    """One verdict from all findings: the most severe action wins, then the highest score,
    then an escalation (it names the more specific rule: a named person's arrest is a
    deceptive depiction before it is illegal activity), then the category more checks
    agree on ("a f*cking <slur>" is hate, not sexual)."""
    findings = with_keyword_support(policy, tuple(findings))
    in_context = corroborated(policy, findings)
    findings += escalate(policy, findings, in_context)
    if not findings:
        return Verdict(
            Action.ALLOW,
            explanation="allow: no check found anything",
            policy_version=policy.version,
        )
    support = Counter(f.category for f in findings)
    ranked = sorted(
        findings,
        key=lambda f: (
            finding_action(policy, f, in_context).severity,
            f.score,
            f.check == ESCALATION_CHECK,
            support[f.category],
        ),
        reverse=True,
    )
    decisive = ranked[0]
    action = finding_action(policy, decisive, in_context)
    lines = [f"{action.value}: {policy.category(decisive.category).name} [{decisive.category}]"]
    lines += [_describe(policy, f) for f in ranked]
    return Verdict(
        action=action,
        category=decisive.category if action != Action.ALLOW else None,
        score=decisive.score,
        findings=findings,
        explanation="\n".join(lines),
        message=_user_message(policy, action, decisive.category),
        policy_version=policy.version,
    )


class PromptGuard:
    """Checks prompt and negative prompt pairs under one policy; never raises on input."""

    def __init__(
        self,
        policy: Policy,
        keywords: KeywordCheck | None,
        semantic: SemanticClassifier | None,
        other_languages: OtherLanguageWords | None = None,
    ) -> None:
        self.policy = policy
        self._keywords = keywords
        self._semantic = semantic
        self._other_languages = other_languages

    def check(self, prompt: str, negative_prompt: str = "") -> Verdict:
        return self.check_many([prompt], [negative_prompt])[0]

    def check_many(
        self, prompts: Sequence[str], negative_prompts: Sequence[str] | None = None
    ) -> list[Verdict]:
        """Verdicts for many prompts at once, each the verdict `check` gives it alone;
        the tokenizer, the head and the example similarities run once for all of them."""
        negatives = [""] * len(prompts) if negative_prompts is None else negative_prompts
        if len(negatives) != len(prompts):
            raise ValueError("give one negative prompt per prompt")
        verdicts: list[Verdict | None] = [None] * len(prompts)
        pending: list[tuple[int, NormalizedText, list[Finding]]] = []
        for index, (prompt, negative) in enumerate(zip(prompts, negatives, strict=True)):
            problem = self._input_problem(prompt, "prompt") or self._input_problem(
                negative, "negative prompt"
            )
            if problem:
                verdicts[index] = self._refuse(problem, problem)
                continue
            try:
                text, findings = self._keyword_findings(prompt, negative)
            except Exception as error:
                verdicts[index] = self._fail_closed("keywords", error)
                continue
            pending.append((index, text, findings))

        texts = {index: text for index, text, _ in pending}
        if self._semantic is not None and pending:
            try:
                jobs = [job for i, text in texts.items() for job in self._classifier_jobs(i, text)]
                semantic = self._semantic.check_many([j.read_as for j in jobs]) if jobs else []
            except Exception as error:
                for index, _, _ in pending:
                    verdicts[index] = self._fail_closed(SemanticClassifier.name, error)
                return verdicts  # type: ignore[return-value]
            by_index: dict[int, list[Finding]] = {}
            for job, found in zip(jobs, semantic, strict=True):
                by_index.setdefault(job.index, []).extend(_as_read(found, texts[job.index], job))
            for index, _, findings in pending:
                findings.extend(by_index.get(index, ()))

        for index, _, findings in pending:
            try:
                verdicts[index] = combine_findings(self.policy, findings)
            except Exception as error:
                verdicts[index] = self._fail_closed("combine", error)
        return verdicts  # type: ignore[return-value]

    def _classifier_jobs(self, index: int, text: NormalizedText) -> list[ClassifierJob]:
        """What the classifier reads of one prompt, each with the check its findings are
        reported under: the whole prompt, and where most of it is in other scripts or
        languages, whose reading only warns, its English words alone too."""
        unread = self._unread_share(text)
        if unread <= MOST_LETTERS_UNREAD:
            reads = [(self._classifier_text(text), SemanticClassifier.name)]
        else:
            reads = [
                (self._classifier_text(text), SemanticClassifier.foreign_name),
                (self._english_text(text), SemanticClassifier.name),
            ]
        return [ClassifierJob(index, read, check, unread) for read, check in reads if read]

    def _unread_share(self, text: NormalizedText) -> float:
        """The share of the prompt's letters in other scripts or in other languages' words."""
        if self._other_languages is None:
            return text.other_script_share
        in_latin = 1 - text.other_script_share
        return text.other_script_share + in_latin * self._other_languages.share(text.leet)

    def _classifier_text(self, text: NormalizedText, latin_only: bool = False) -> str:
        if self._keywords:
            return self._keywords.classifier_text(text, latin_only=latin_only)
        return text.leet if latin_only else text.readable

    def _english_text(self, text: NormalizedText) -> str:
        """The prompt's words in Latin letters, less those of other languages, where enough
        are left to read; else nothing."""
        latin = self._classifier_text(text, latin_only=True)
        english = self._other_languages.without(latin) if self._other_languages else latin
        return english if len(_READABLE_WORD.findall(english)) >= ENOUGH_WORDS_TO_READ else ""

    def _keyword_findings(self, prompt: str, negative: str) -> tuple[NormalizedText, list[Finding]]:
        text = normalize(prompt)
        if self._keywords is None:
            return text, []
        findings = list(self._keywords.check(text))
        if negative:
            findings += self._keywords.check_negative(normalize(negative))
        return text, findings

    def _input_problem(self, value: object, what: str) -> str:
        if not isinstance(value, str | bytes):
            return f"The {what} must be text."
        if len(value) > self.policy.max_prompt_chars:
            return (
                f"The {what} is {len(value):,} characters long; "
                f"the limit is {self.policy.max_prompt_chars:,}."
            )
        return ""

    def _refuse(
        self, explanation: str, message: str, findings: tuple[Finding, ...] = ()
    ) -> Verdict:
        return Verdict(
            Action.BLOCK,
            score=1.0,
            findings=findings,
            explanation=f"block: {explanation}",
            message=message,
            policy_version=self.policy.version,
        )

    def _fail_closed(self, check: str, error: Exception) -> Verdict:
        logger.error("prompt check %r failed; blocking the request", check, exc_info=error)
        finding = Finding(
            check=ERROR_CHECK, category="check-error", score=1.0, evidence=repr(error)
        )
        explanation = f"the {check} check failed ({error!r})"
        return self._refuse(explanation, self.policy.input_error_message, (finding,))


def build_prompt_guard(
    policy: Policy, assets_dir: Path | None = None, embedder: Embedder | None = None
) -> PromptGuard:
    """Load every prompt check the policy names, or raise GuardLoadError.

    Pass `embedder` to share one loaded MiniLM model with other parts of the app.
    """
    assets_dir = policy.assets_dir if assets_dir is None else assets_dir
    keywords = semantic = other_languages = None
    try:
        with _long_lived_objects():
            if "keywords" in policy.prompt_checks:
                keywords = build_keyword_check(policy, assets_dir)
            if "semantic" in policy.prompt_checks:
                if policy.other_language_words:
                    other_languages = OtherLanguageWords.load(
                        assets_dir / policy.other_language_words
                    )
                semantic = build_semantic_classifier(policy, assets_dir, embedder)
    except (BlocklistError, ClassifierLoadError, OtherLanguageWordsError) as error:
        raise GuardLoadError(
            f"a prompt check named in {policy.source} cannot load: {error}"
        ) from error
    return PromptGuard(policy, keywords, semantic, other_languages)


@contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Build what lives as long as the guard without the garbage collector, then exempt it
    from collection. The lists' entries are some 370,000 objects (terms, and the automata's
    tuples of them): built with the collector on, each full collection walked all of them
    made so far (0.4 s of a 3 s build), and afterwards each one during a batch walked them
    all while the embedder's threads waited for the interpreter (batches ran a tenth
    slower). What is garbage by then is collected first, so freezing keeps none of it alive,
    and frozen objects are still freed when nothing refers to them (a guard replaced by a
    newer policy's)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
    gc.collect()
    gc.freeze()
