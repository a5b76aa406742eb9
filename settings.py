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


@dataclass(frozen=True)
class Settings:
    model_id: str = str(BUNDLED_MODEL_DIR)
    device: str = "auto"
    data_dir: Path = field(default_factory=lambda: Path("data"))
    share: bool = False
    server_name: str = "127.0.0.1"
    server_port: int = 7860
    generation_concurrency: int = 1
    limits: GenerationLimits = field(default_factory=GenerationLimits)


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    """Spaces' persistent storage lives at /data; elsewhere keep state beside the app."""
    if "SAFECANVAS_DATA_DIR" in environ:
        return Path(environ["SAFECANVAS_DATA_DIR"])
    spaces_storage = Path("/data")
    if spaces_storage.is_dir() and os.access(spaces_storage, os.W_OK):
        return spaces_storage / "safecanvas"
    return Path("data")


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
    return Settings(
        model_id=args.model or environ.get("MODEL_ID") or defaults.model_id,
        device=args.device or environ.get("SAFECANVAS_DEVICE", defaults.device),
        data_dir=args.data_dir or _default_data_dir(environ),
        share=args.share if args.share is not None else _truthy(environ.get("GRADIO_SHARE")),
        server_name=args.host or environ.get("GRADIO_SERVER_NAME", defaults.server_name),
        server_port=args.port or int(environ.get("GRADIO_SERVER_PORT", defaults.server_port)),
        generation_concurrency=int(
            environ.get("SAFECANVAS_GENERATION_CONCURRENCY", defaults.generation_concurrency)
        ),
    )
