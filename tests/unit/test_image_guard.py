"""How image findings become a verdict: outputs may be redrawn, uploads cannot be."""

from __future__ import annotations

from dataclasses import replace

from safety.image_guard import judge_image_findings
from safety.verdict import Action, Finding


def symbol(score: float) -> list[Finding]:
    return [Finding("symbol-detector", "unsafe-symbol", score)]


def test_an_output_at_the_image_threshold_gets_the_category_s_image_action(policy):
    verdict = judge_image_findings(policy, symbol(0.9))
    assert verdict.action is Action.REGENERATE and verdict.category == "unsafe-symbol"
    assert "image threshold 0.50" in verdict.explanation


def test_below_the_image_threshold_the_image_is_allowed(policy):
    verdict = judge_image_findings(policy, symbol(0.3))
    assert verdict.action is Action.ALLOW and verdict.findings == tuple(symbol(0.3))


def test_an_upload_gets_the_category_s_own_action(policy):
    assert judge_image_findings(policy, symbol(0.9), upload=True).action is Action.BLOCK


def test_an_upload_is_refused_where_the_policy_would_redraw(policy):
    redrawn = replace(policy.category("unsafe-symbol"), action=Action.REGENERATE)
    others = tuple(c for c in policy.categories if c.id != "unsafe-symbol")
    regenerating = replace(policy, categories=(*others, redrawn))
    assert judge_image_findings(regenerating, symbol(0.9), upload=True).action is Action.BLOCK
    assert judge_image_findings(regenerating, symbol(0.9)).action is Action.REGENERATE
