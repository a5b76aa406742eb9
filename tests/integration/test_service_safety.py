"""The service's safety sequence on the real stack: guard, limiter, detector, store."""

from __future__ import annotations

import dataclasses
import functools
import io

import pytest
from PIL import Image

from app import build_safety, guard_builder
from benchmarks.symbol_mitigation import symbol_policy_text
from generation.job import GenerationJob, Mode
from safety.ratelimit import RateLimits
from safety.verdict import Action
from service.generate import ClientContext, GenerationService
from service.live_policy import GuardBuilder
from service.requests import GenerationRequest
from service.terms import TermsNotAccepted

pytestmark = pytest.mark.integration

CLIENT = ClientContext(peer_host="203.0.113.7", session_id="session-1")


@pytest.fixture(scope="module")
def build_guard() -> GuardBuilder:
    """One prompt guard per policy for every service here, as the app would build it."""
    return functools.cache(guard_builder())


@pytest.fixture
def fresh_service(engine, settings, tmp_path, build_guard) -> GenerationService:
    """A service with its own database and a strict limit of two generations a minute."""
    own = dataclasses.replace(
        settings,
        data_dir=tmp_path,
        rate_limits=RateLimits(per_minute=2, per_day=None, block_cooldown_count=None),
    )
    service = GenerationService(engine, own.limits, build_safety(own, build_guard))
    for session in ("session-1", "session-2"):
        service.terms.accept(session, accepted=True, age_confirmed=True)
    return service


def text(prompt: str, **changes) -> GenerationRequest:
    return GenerationRequest(
        mode=Mode.TEXT_TO_IMAGE, prompt=prompt, **({"seed": 1, "steps": 8} | changes)
    )


def test_allowed_prompt_gives_images_and_records_the_event(fresh_service):
    outcome = fresh_service.generate(text("a red circle on a blue background"), CLIENT)
    assert len(outcome.images) == 1 and outcome.notice is None
    stored = fresh_service.safety.store.get_event(outcome.reference_id)
    assert stored.event.action is Action.ALLOW
    assert stored.event.client_hash != CLIENT.peer_host
    assert CLIENT.peer_host not in repr(stored)


def test_blocked_prompt_never_reaches_the_engine_and_names_the_rule(fresh_service):
    outcome = fresh_service.generate(text("a skull and crossbones flag"), CLIENT)
    assert outcome.images == () and outcome.notice.kind == "blocked"
    assert outcome.notice.category == "unsafe-symbol"
    assert outcome.notice.policy_link.endswith("#unsafe-symbol")
    assert "crossbones" not in outcome.notice.title
    queue = fresh_service.safety.store.review_queue()
    assert [item.reference_id for item in queue] == [outcome.reference_id]


def test_obfuscated_blocked_prompt_is_still_blocked(fresh_service):
    outcome = fresh_service.generate(text("a sk\u200bull and cr0ssb0nes"), CLIENT)
    assert outcome.notice is not None and outcome.notice.category == "unsafe-symbol"


def test_rate_limit_refusal_says_how_long_to_wait(fresh_service):
    for _ in range(2):
        assert fresh_service.generate(text("a green star"), CLIENT).images
    refused = fresh_service.generate(text("a green star"), CLIENT)
    assert refused.images == () and refused.notice.kind == "rate-limited"
    recorded = fresh_service.safety.store.get_event(refused.reference_id).event
    assert recorded.details["stage"] == "rate-limit"
    assert fresh_service.safety.store.review_queue() == []  # refusals by limit need no moderator
    assert "wait" in refused.notice.message.lower() or "try again" in refused.notice.message.lower()
    other = ClientContext(peer_host="198.51.100.9", session_id="session-2")
    assert fresh_service.generate(text("a green star"), other).images


@pytest.fixture(scope="module")
def skull_png(engine) -> bytes:
    skull = engine.generate(
        GenerationJob(
            Mode.TEXT_TO_IMAGE, "a skull and crossbones", "", 21, 20, 6.0, 256, 256, 1, "Euler a"
        )
    )[0]
    buffer = io.BytesIO()
    skull.save(buffer, format="PNG")
    return buffer.getvalue()


def skull_upload(skull_png: bytes) -> GenerationRequest:
    # Strength 0 returns the upload unchanged, so an output check sees exactly this image.
    return GenerationRequest(
        mode=Mode.IMAGE_TO_IMAGE, prompt="a red circle", image=skull_png, strength=0.0
    )


def test_uploaded_image_showing_the_symbol_is_refused_before_generating(fresh_service, skull_png):
    outcome = fresh_service.generate(skull_upload(skull_png), CLIENT)
    assert outcome.images == () and outcome.notice.category == "unsafe-symbol"
    assert outcome.notice.title.startswith("The uploaded image was refused")
    assert fresh_service.safety.store.get_event(outcome.reference_id).event.details["stage"] == (
        "input"
    )


def test_output_image_showing_the_symbol_is_withheld(fresh_service, skull_png):
    # A Space owner may skip input checks; the output check still withholds the image.
    fresh_service.safety = dataclasses.replace(fresh_service.safety, input_image_checks=())
    outcome = fresh_service.generate(skull_upload(skull_png), CLIENT)
    assert outcome.images == ()
    assert outcome.notice.kind == "blocked" and outcome.notice.category == "unsafe-symbol"
    assert outcome.notice.title.startswith("An image was withheld")
    (item,) = fresh_service.safety.store.review_queue()
    thumbnail = Image.open(io.BytesIO(item.thumbnails[0]))
    assert max(thumbnail.size) <= 128
    # The policy asks for a redraw first, but strength 0 redraws the upload unchanged.
    details = fresh_service.safety.store.get_event(outcome.reference_id).event.details
    assert (details["withheld_images"], details["redrawn_images"]) == (1, 0)


SYMBOL_PROMPT = "a skull and crossbones"


def with_symbol_action(service: GenerationService, action: str) -> None:
    """A moderator's edit: the demo category's prompt action becomes `action`."""
    policies = service.safety.policies
    edited = symbol_policy_text(policies.text, action, image_action="regenerate")
    policies.apply(policies.draft(edited), "alice", f"symbol prompts: {action}")


def symbol_request() -> GenerationRequest:
    # Seed 1 draws the symbol plainly (detector 1.00) and, steered, a clean image (0.04).
    return text(SYMBOL_PROMPT, steps=20, guidance_scale=4.0, scheduler="DPM++ 2M")


def assert_shown_without_the_symbol(service: GenerationService, outcome) -> dict:
    (image,) = outcome.images
    assert image.parameters["safety_guidance"] == "skull and crossbones"
    assert "Safety guidance: skull and crossbones" in image.to_pil().info["parameters"]
    symbol = service.safety.policy.category("unsafe-symbol")
    assert outcome.notice.kind == "warning" and outcome.notice.category == "unsafe-symbol"
    assert outcome.notice.title == f"Changed for safety: {symbol.name}"
    event = service.safety.store.get_event(outcome.reference_id).event
    assert event.action is Action.REGENERATE
    return event.details


def test_an_output_showing_the_symbol_is_drawn_again_steered_away_and_shown(fresh_service):
    # A policy that only warns on symbol prompts, so the first image shows the symbol.
    with_symbol_action(fresh_service, "warn")
    progress: list[tuple[int, int, str]] = []
    outcome = fresh_service.generate(symbol_request(), CLIENT, lambda *step: progress.append(step))
    details = assert_shown_without_the_symbol(fresh_service, outcome)
    # The progress bar says that the second run is a redraw.
    assert progress == [(i, 20, "Denoising") for i in range(1, 21)] + [
        (i, 20, "Redrawing with safety guidance") for i in range(1, 21)
    ]
    assert details["stage"] == "image"
    assert (details["redrawn_images"], details["withheld_images"]) == (1, 0)
    assert "drawn again" in outcome.notice.message
    # The moderators see what was found, as a blurred thumbnail of the first drawing.
    (item,) = fresh_service.safety.store.review_queue()
    assert item.reference_id == outcome.reference_id and item.thumbnails


def test_a_prompt_the_policy_would_redraw_is_drawn_steered_away_from_the_start(fresh_service):
    with_symbol_action(fresh_service, "regenerate")
    outcome = fresh_service.generate(symbol_request(), CLIENT)
    details = assert_shown_without_the_symbol(fresh_service, outcome)
    assert details["stage"] == "prompt" and details["redrawn_images"] == 0
    assert "may differ from what you asked for" in outcome.notice.message


def test_generation_before_accepting_the_terms_is_refused(fresh_service):
    stranger = ClientContext(peer_host="192.0.2.1", session_id="never-accepted")
    with pytest.raises(TermsNotAccepted):
        fresh_service.generate(text("a green star"), stranger)
