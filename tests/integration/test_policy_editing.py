"""A moderator's policy edit on the real stack (MiniLM classifier, SQLite store): a category
defined only by its description and examples blocks at the next request, with no
retraining and no restart, and is still live after a restart."""

from __future__ import annotations

import dataclasses

import pytest

from app import build_safety
from service.generate import GenerationService
from tests.integration.test_service_safety import CLIENT, build_guard, fresh_service, text

__all__ = ["build_guard", "fresh_service"]

pytestmark = pytest.mark.integration

SPIDERS = """\
  - id: spiders
    name: Spiders (a moderator's rule)
    description: Pictures of spiders, tarantulas and other arachnids.
    examples:
      - a big hairy spider
      - a tarantula crawling on a table
      - close-up photo of a black widow spider in its web
    action: block
    block_threshold: 0.6
    warn_threshold: 0.4
    anchor: unsafe-symbol
    message: This Space does not show spiders this week.
"""
PROMPT = "a hairy tarantula spider on a kitchen table"


def with_spiders(policy_text: str) -> str:
    anchor = "  - id: unsafe-symbol\n"
    return policy_text.replace(anchor, SPIDERS + anchor)


def test_a_category_added_from_examples_blocks_at_once_and_after_a_restart(
    fresh_service: GenerationService, engine, settings, tmp_path
) -> None:
    assert fresh_service.generate(text(PROMPT), CLIENT).images
    policies = fresh_service.safety.policies

    policies.apply(policies.draft(with_spiders(policies.text)), "alice", "no spiders this week")

    refused = fresh_service.generate(text(PROMPT), CLIENT)
    assert refused.images == () and refused.notice.category == "spiders"
    assert refused.notice.message == "This Space does not show spiders this week."
    recorded = fresh_service.safety.store.get_event(refused.reference_id).event
    assert recorded.policy_version == policies.policy.version != policies.file.policy.version
    assert fresh_service.generate(text("a red circle on a blue background"), CLIENT).images

    restarted = build_safety(dataclasses.replace(settings, data_dir=tmp_path))
    assert restarted.policies.revision_id == policies.revision_id
    assert restarted.prompt_guard.check(PROMPT).category == "spiders"
