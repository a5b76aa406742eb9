from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from safety.guard import PromptGuard, build_prompt_guard
from safety.policy import Policy, load_policy

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(ASSETS / "policy.yaml")


@pytest.fixture(scope="session")
def keyword_guard(policy: Policy) -> PromptGuard:
    """The real guard with only the model-free check, for fast unit tests."""
    return build_prompt_guard(dataclasses.replace(policy, prompt_checks=("keywords",)))
