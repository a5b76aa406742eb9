"""What a person is told instead of (or beside) their images: which rule, why, what next.

A notice names the policy category and its user-facing message, never the matched term, and
carries the request's reference id so a moderator can find it.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety.policy import Category, Policy
from safety.ratelimit import LimitDecision
from safety.verdict import Action, Verdict

POLICY_URL = "/policy"


@dataclass(frozen=True)
class Notice:
    kind: str  # "blocked", "warning" or "rate-limited"
    title: str
    message: str
    hint: str = ""
    category: str | None = None
    policy_link: str = ""
    reference_id: str = ""


def verdict_notice(policy: Policy, verdict: Verdict, reference_id: str, stage: str) -> Notice:
    """The notice for a verdict that stopped or flagged a request at `stage`.

    `stage` is "prompt", "input" (the uploaded image) or "image" (an output)."""
    if verdict.category is None:  # a check failed or the input was unreadable: fail closed
        return Notice(
            kind="blocked",
            title="This request could not be checked",
            message=verdict.message or "A safety check could not run, so nothing was generated.",
            hint="Please try again in a moment.",
            reference_id=reference_id,
        )
    category = policy.category(verdict.category)
    title, message = _wording(category, verdict, stage)
    # An image redrawn by the output check reached the person: nothing is left for them to
    # rephrase, and their prompt may never have asked for what the first image showed ("a
    # dog in a park" told to "try another emblem").
    redrawn_anyway = verdict.action is Action.REGENERATE and stage == "image"
    return Notice(
        kind="blocked" if verdict.refused else "warning",
        title=title,
        message=message,
        hint="" if redrawn_anyway else category.rephrase_hint,
        category=category.id,
        policy_link=f"{POLICY_URL}#{category.anchor}",
        reference_id=reference_id,
    )


def _wording(category: Category, verdict: Verdict, stage: str) -> tuple[str, str]:
    """The notice's title and message for a verdict on `category` at `stage`."""
    if verdict.action is Action.REGENERATE:
        # The images were drawn (or redrawn) steered away from the rule and then passed every
        # output check: say what changed, since they may differ from what was asked for.
        changed = (
            "An image showed it, so it was drawn again steered away from it."
            if stage == "image"
            else "Your images were drawn steered away from it, so they may differ from what "
            "you asked for."
        )
        return f"Changed for safety: {category.name}", f"{category.message} {changed}"
    if verdict.allowed:
        # A category's message says what the Space does not generate; a warning comes with
        # images.
        return (
            f"Note: {category.name}",
            f"Your images were generated, but this request comes close to the rule on "
            f"{category.name.lower()}.",
        )
    title = {
        "image": f"An image was withheld: {category.name}",
        "input": f"The uploaded image was refused: {category.name}",
    }.get(stage, f"Blocked: {category.name}")
    return title, category.message


def limit_notice(decision: LimitDecision) -> Notice:
    return Notice(kind="rate-limited", title="Please wait", message=decision.message)
