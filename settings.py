"""Every setting SafeCanvas reads, from the environment and the command line, in one place.

Environment variables are what a Hugging Face Space owner sets; flags are for people running
`python app.py` by hand. A flag wins over the environment, the environment over the default.
Nothing else in the project reads `os.environ` for configuration.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from safety.data_dir import default_data_dir, default_database_url
from safety.identity import trusted_proxies_default
from safety.moderators import Moderators
from safety.ratelimit import RateLimits

REPO_ROOT = Path(__file__).resolve().parent
BUNDLED_MODEL_DIR = REPO_ROOT / "assets" / "models" / "safecanvas-shapes"


@dataclass(frozen=True)
class GenerationLimits:
    """Bounds on what one request may ask for; they keep a public Space responsive."""

    min_side: int = 64
    max_side: int = 1024
    max_steps: int = 100
    max_images: int = 4
    max_guidance: float = 30.0
    max_prompt_chars: int = 2000
    # Uploads larger than this are refused before they are decoded (decompression bombs).
    max_upload_pixels: int = 4096 * 4096
    max_upload_bytes: int = 20 * 1024 * 1024
    max_mask_blur: int = 64
    max_appeal_chars: int = 1000


@dataclass(frozen=True)
class Settings:
    model_id: str = str(BUNDLED_MODEL_DIR)
    device: str = "auto"
    data_dir: Path = field(default_factory=lambda: Path("data"))
    share: bool = False
    server_name: str = "127.0.0.1"
    server_port: int = 7860
    policy_path: Path = REPO_ROOT / "assets" / "policy.yaml"
    database_url: str = ""  # empty: SQLite in data_dir
    # HMAC key for client ids; without it a key file is created in data_dir on first run.
    client_secret: str | None = None
    trusted_proxies: int = 0
    rate_limits: RateLimits = field(default_factory=RateLimits)
    retention_days: int = 30
    generation_concurrency: int = 1
    limits: GenerationLimits = field(default_factory=GenerationLimits)
    symbol_detector_dir: Path = REPO_ROOT / "assets" / "models" / "symbol-detector"
    # Accounts for the review tab; without any, the Space has no review tab.
    moderators: Moderators = field(default_factory=Moderators)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url(self.data_dir, {})


def _optional_int(value: str | None, default: int) -> int | None:
    """An integer limit from the environment; "off" or "0" switches it off."""
    if value is None or not value.strip():
        return default
    return None if value.strip().lower() in {"off", "0", "none"} else int(value)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="SafeCanvas: a moderated image-generation app.",
    )
    parser.add_argument(
        "--model",
        help="diffusers Stable Diffusion checkpoint: hub id or local folder "
        "(env MODEL_ID; default: the bundled model in assets/models/)",
    )
    parser.add_argument(
        "--device",
        choices=["auto", "cuda", "mps", "cpu"],
        help="where to run the model (env SAFECANVAS_DEVICE; default: auto)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where the database, keys and review images live "
        "(env SAFECANVAS_DATA_DIR; default: /data/safecanvas on Spaces, else ./data)",
    )
    parser.add_argument(
        "--share",
        action="store_true",
        default=None,
        help="also serve through a public Gradio share link (env GRADIO_SHARE)",
    )
    parser.add_argument("--host", help="address to bind (env GRADIO_SERVER_NAME; 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (env GRADIO_SERVER_PORT; 7860)")
    return parser


def load_settings(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings once at start-up; the result is passed down, never re-read."""
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    defaults = Settings()
    data_dir = args.data_dir or default_data_dir(environ)
    limits = RateLimits(
        per_minute=_optional_int(environ.get("SAFECANVAS_LIMIT_PER_MINUTE"), 6),
        per_day=_optional_int(environ.get("SAFECANVAS_LIMIT_PER_DAY"), 200),
    )
    return Settings(
        model_id=args.model or environ.get("MODEL_ID") or defaults.model_id,
        device=args.device or environ.get("SAFECANVAS_DEVICE", defaults.device),
        data_dir=data_dir,
        share=args.share if args.share is not None else _truthy(environ.get("GRADIO_SHARE")),
        server_name=args.host or environ.get("GRADIO_SERVER_NAME", defaults.server_name),
        server_port=args.port or int(environ.get("GRADIO_SERVER_PORT", defaults.server_port)),
        policy_path=Path(environ.get("SAFECANVAS_POLICY", defaults.policy_path)),
        database_url=default_database_url(data_dir, environ),
        client_secret=environ.get("SAFECANVAS_CLIENT_SECRET") or None,
        trusted_proxies=int(
            environ.get("SAFECANVAS_TRUSTED_PROXIES", trusted_proxies_default(environ))
        ),
        rate_limits=limits,
        retention_days=int(environ.get("SAFECANVAS_RETENTION_DAYS", defaults.retention_days)),
        generation_concurrency=int(
            environ.get("SAFECANVAS_GENERATION_CONCURRENCY", defaults.generation_concurrency)
        ),
        moderators=Moderators.parse(environ.get("SAFECANVAS_MODERATORS", "")),
    )
