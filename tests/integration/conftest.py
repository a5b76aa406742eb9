from __future__ import annotations

from pathlib import Path

import pytest

from safety.guard import PromptGuard, build_prompt_guard
from safety.policy import Policy, load_policy
from safety.semantic import Embedder, load_embedder

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder()


@pytest.fixture(scope="session")
def full_policy() -> Policy:
    return load_policy(ASSETS / "policy.yaml")


@pytest.fixture(scope="session")
def guard(full_policy: Policy, embedder: Embedder) -> PromptGuard:
    """The whole prompt guard as the app builds it: keywords, MiniLM and the trained head."""
    return build_prompt_guard(full_policy, embedder=embedder)
