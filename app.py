"""SafeCanvas's composition root: settings -> engine, safety stack, store -> service -> Blocks.

Run `python app.py` (see `--help`). Everything heavy is loaded here, once; the app refuses to
start when a safety check the policy names cannot load, so a broken stack never goes live.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence

import gradio as gr

from components.layout import build_app, launch_options
from generation.engine import DiffusersEngine
from safety.guard import PromptGuard, build_prompt_guard
from safety.identity import ClientHasher, load_or_create_secret
from safety.policy import Policy, read_policy_text
from safety.policy_revisions import PolicyRevisions
from safety.ratelimit import RateLimiter
from safety.semantic import load_embedder
from safety.store import EventStore
from safety.symbol_detector import SymbolDetector
from service.generate import GenerationService, SafetyStack
from service.live_policy import GuardBuilder, LivePolicy
from settings import Settings, load_settings

log = logging.getLogger(__name__)


def on_zero_gpu(engine: DiffusersEngine) -> DiffusersEngine:
    """On Spaces with ZeroGPU, a GPU is attached only inside functions marked `spaces.GPU`."""
    try:
        import spaces
    except ImportError:
        return engine
    engine.generate = spaces.GPU(engine.generate)
    return engine


def guard_builder() -> GuardBuilder:
    """Builds a prompt guard per policy revision, all sharing one MiniLM embedder (loaded
    on first use, since a policy without the semantic check needs none)."""
    embedder = functools.cache(load_embedder)

    def build(policy: Policy) -> PromptGuard:
        needs_embedder = "semantic" in policy.prompt_checks
        return build_prompt_guard(policy, embedder=embedder() if needs_embedder else None)

    return build


def build_safety(settings: Settings, build_guard: GuardBuilder | None = None) -> SafetyStack:
    """The safety stack over the settings' database and policy. Services in one process
    (a test suite's, a benchmark's) may share `build_guard`, whose guards take seconds to
    build; each service still has its own store, limits and live policy."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = EventStore.from_url(settings.resolved_database_url)
    purged = store.purge(settings.retention_days)
    log.info("retention: removed records older than %d days: %s", settings.retention_days, purged)
    secret = load_or_create_secret(settings.client_secret, settings.data_dir / "client-secret.key")
    image_checks = (SymbolDetector.load(settings.symbol_detector_dir).check,)
    policies = LivePolicy(
        read_policy_text(settings.policy_path),
        settings.policy_path,
        PolicyRevisions(store.engine),
        build_guard or guard_builder(),
    )
    return SafetyStack(
        policy=policies.policy,
        prompt_guard=policies.guard,
        image_checks=image_checks,
        input_image_checks=image_checks,
        hasher=ClientHasher(secret),
        trusted_proxies=settings.trusted_proxies,
        limiter=RateLimiter(store, settings.rate_limits),
        store=store,
        policies=policies,
    )


def build_service(settings: Settings, engine: DiffusersEngine | None = None) -> GenerationService:
    engine = engine or on_zero_gpu(DiffusersEngine.load(settings.model_id, settings.device))
    return GenerationService(engine, settings.limits, build_safety(settings))


def create_app(settings: Settings) -> gr.Blocks:
    return build_app(build_service(settings), settings)


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(argv)
    # uvicorn would otherwise let any loopback client rewrite its address with
    # X-Forwarded-For; SafeCanvas applies its own rule (settings.trusted_proxies).
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    app = create_app(settings)
    app.launch(
        server_name=settings.server_name,
        server_port=settings.server_port,
        share=settings.share,
        max_file_size=f"{settings.limits.max_upload_bytes}b",
        **launch_options(),
    )


if __name__ == "__main__":
    main()
