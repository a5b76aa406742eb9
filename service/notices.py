"""What a person is told instead of (or beside) their images: which rule, why, what next.

A notice names the policy category and its user-facing message, never the matched term, and
carries the request's reference id so a moderator can find it.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety.policy import Policy
from safety.ratelimit import LimitDecision
from safety.verdict import Verdict

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
    blocked = not verdict.allowed
    if verdict.category is None:  # a check failed or the input was unreadable: fail closed
        return Notice(
            kind="blocked",
            title="This request could not be checked",
            message=verdict.message or "A safety check could not run, so nothing was generated.",
            hint="Please try again in a moment.",
            reference_id=reference_id,
        )
    category = policy.category(verdict.category)
    if stage == "image" and blocked:
        title = f"An image was withheld: {category.name}"
    elif stage == "input" and blocked:
        title = f"The uploaded image was refused: {category.name}"
    elif blocked:
        title = f"Blocked: {category.name}"
    else:
        title = f"Note: {category.name}"
    # A category's message says what the Space does not generate; a warning comes with images.
    message = (
        category.message
        if blocked
        else f"Your images were generated, but this request comes close to the rule on "
        f"{category.name.lower()}."
    )
    return Notice(
        kind="blocked" if blocked else "warning",
        title=title,
        message=message,
        hint=category.rephrase_hint,
        category=category.id,
        policy_link=f"{POLICY_URL}#{category.anchor}",
        reference_id=reference_id,
    )


def limit_notice(decision: LimitDecision) -> Notice:
    return Notice(kind="rate-limited", title="Please wait", message=decision.message)
