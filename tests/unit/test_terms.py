from __future__ import annotations

import pytest

from safety.policy import PageSettings
from service.errors import InvalidRequest
from service.terms import TermsNotAccepted, TermsRegistry


def test_generation_needs_accepted_terms_per_session():
    registry = TermsRegistry(PageSettings(require_age_confirmation=True))
    with pytest.raises(TermsNotAccepted):
        registry.require("a")
    registry.accept("a", accepted=True, age_confirmed=True)
    registry.require("a")
    with pytest.raises(TermsNotAccepted):
        registry.require("b")


def test_age_confirmation_is_required_only_when_the_policy_asks():
    with pytest.raises(InvalidRequest, match="21 or older"):
        TermsRegistry(PageSettings(minimum_age=21)).accept("a", True, False)
    relaxed = TermsRegistry(PageSettings(require_age_confirmation=False))
    relaxed.accept("a", accepted=True, age_confirmed=False)
    relaxed.require("a")


def test_unticked_terms_are_refused_and_forgotten_sessions_must_accept_again():
    registry = TermsRegistry(PageSettings())
    with pytest.raises(InvalidRequest, match="accept the terms"):
        registry.accept("a", accepted=False, age_confirmed=True)
    registry.accept("a", True, True)
    registry.forget("a")
    with pytest.raises(TermsNotAccepted):
        registry.require("a")
