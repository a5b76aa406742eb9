"""Judging generated (or uploaded) images: image checks' findings against the policy's thresholds.

An image check is any callable from a PIL image to findings (the symbol detector is one). The
decision uses each category's `image_threshold` from `assets/policy.yaml`, so a Space owner
tunes image strictness without touching code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PIL import Image

from safety.policy import Policy
from safety.verdict import Action, Finding, Verdict

ImageCheck = Callable[[Image.Image], list[Finding]]


def judge_image_findings(
    policy: Policy, findings: Sequence[Finding], *, upload: bool = False
) -> Verdict:
    """The strongest finding that reaches its category's image threshold decides.

    An output image gets the category's `output_action` (block, or regenerate with safety
    guidance), an upload its `upload_action`."""
    worst: Finding | None = None
    for finding in findings:
        category = policy.category(finding.category)
        threshold = category.image_threshold
        if threshold is None or finding.score < threshold:
            continue
        if worst is None or finding.score > worst.score:
            worst = finding
    if worst is None:
        return Verdict(Action.ALLOW, findings=tuple(findings), policy_version=policy.version)
    category = policy.category(worst.category)
    return Verdict(
        action=category.upload_action if upload else category.output_action,
        category=category.id,
        score=worst.score,
        findings=tuple(findings),
        explanation=f"{worst.check} scored {worst.score:.2f} for {category.name} "
        f"(image threshold {category.image_threshold:.2f})",
        message=category.message,
        policy_version=policy.version,
    )


def check_image(
    policy: Policy, checks: Sequence[ImageCheck], image: Image.Image, *, upload: bool = False
) -> Verdict:
    """Run every image check on one image and judge their findings together."""
    findings = [finding for check in checks for finding in check(image)]
    return judge_image_findings(policy, findings, upload=upload)
