"""SafeCanvas's composition root: settings -> engine -> service -> Blocks. Run `python app.py`."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import gradio as gr

from components.layout import build_app
from generation.engine import DiffusersEngine
from service.generate import GenerationService
from settings import Settings, load_settings


def on_zero_gpu(engine: DiffusersEngine) -> DiffusersEngine:
    """On Spaces with ZeroGPU, a GPU is attached only inside functions marked `spaces.GPU`."""
    try:
        import spaces
    except ImportError:
        return engine
    engine.generate = spaces.GPU(engine.generate)
    return engine


def create_app(settings: Settings) -> gr.Blocks:
    engine = on_zero_gpu(DiffusersEngine.load(settings.model_id, settings.device))
    service = GenerationService(engine, settings.limits)
    return build_app(service, settings)


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(argv)
    app = create_app(settings)
    app.launch(
        server_name=settings.server_name,
        server_port=settings.server_port,
        share=settings.share,
        max_file_size=f"{settings.limits.max_upload_bytes}b",
    )


if __name__ == "__main__":
    main()
