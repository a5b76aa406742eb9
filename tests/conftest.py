"""Fixtures shared by the integration and end-to-end tests: the real bundled model, served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import build_service
from generation.engine import DiffusersEngine
from safety.moderators import Moderators
from safety.ratelimit import RateLimits
from service.generate import GenerationService
from settings import BUNDLED_MODEL_DIR, Settings


@pytest.fixture(scope="session")
def engine() -> DiffusersEngine:
    """The bundled default model, loaded once for the whole test run."""
    return DiffusersEngine.load(str(BUNDLED_MODEL_DIR), "cpu")


MODERATOR, MODERATOR_PASSWORD = "moderator", "review-tab-test-password"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    # No rate limits: the suite makes many requests from one address on purpose.
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        rate_limits=RateLimits(per_minute=None, per_day=None, block_cooldown_count=None),
        moderators=Moderators.parse(f"{MODERATOR}:{MODERATOR_PASSWORD}"),
    )


@pytest.fixture(scope="session")
def service(engine, settings) -> GenerationService:
    """The service exactly as `app.py` builds it, on the session's engine."""
    return build_service(settings, engine)


@pytest.fixture(scope="session")
def app_url(service, settings) -> Iterator[str]:
    """The real Gradio app on a free loopback port, closed when the session ends."""
    from components.layout import build_app, launch_options

    app = build_app(service, settings)
    # With no port given, Gradio takes the first free one from 7860 up.
    app.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, **launch_options())
    try:
        yield app.local_url
    finally:
        app.close()
